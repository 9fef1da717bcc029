def test_small_town_builds(users):
    from cityops.geo.models import Grid, Place
    from cityops.geo.selectors import locate_point
    from tests.builders import grid_centre

    assert Grid.objects.count() == 8
    assert Place.objects.get(code="C2").parent.code == "S2"
    hit = locate_point(*grid_centre(6))
    assert hit.grid_code == "G6" and hit.village_code == "V3" and hit.area_code == "A2"
    assert locate_point(100.0, 20.0) is None
