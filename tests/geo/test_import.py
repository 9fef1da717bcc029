"""The GeoJSON import: every bad input is refused with a message naming the feature, and nothing is written."""

import copy

import pytest

from cityops.audit.models import AuditRecord
from cityops.core.errors import ValidationFailed
from cityops.geo.models import Area, Grid, Place, Town, Village
from cityops.geo.services import geojson_import
from tests.builders import feature, grid_centre, rect, small_town_features

pytestmark = pytest.mark.django_db


def fc(features):
    return {"type": "FeatureCollection", "features": features}


def snapshot():
    return (
        Town.objects.count(),
        Area.objects.count(),
        Village.objects.count(),
        Grid.objects.count(),
        Place.objects.count(),
        AuditRecord.objects.count(),
        list(Grid.objects.order_by("code").values_list("code", "geometry", "name")),
    )


def refused(features) -> list[dict]:
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        geojson_import(data=fc(features), actor_name="test")
    assert snapshot() == before, "a refused import must write nothing"
    assert "nothing was written" in exc.value.detail
    return exc.value.errors


def grid_feature(features, code):
    return next(f for f in features if f["properties"]["code"] == code)


def test_a_clean_import_then_the_same_again_changes_nothing():
    first = geojson_import(data=fc(small_town_features()))
    assert first.created == {"town": 1, "area": 2, "village": 4, "grid": 8}
    audit_count = AuditRecord.objects.count()
    again = geojson_import(data=fc(small_town_features()))
    assert not again.changed and again.unchanged == 15
    assert AuditRecord.objects.count() == audit_count


def test_self_intersecting_polygon_is_refused_with_the_feature_named():
    feats = small_town_features()
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[113.80, 22.88], [113.81, 22.90], [113.81, 22.88], [113.80, 22.90], [113.80, 22.88]]
        ],
    }
    grid_feature(feats, "G1")["geometry"] = bowtie
    errors = refused(feats)
    assert len(errors) == 1
    assert errors[0]["code"] == "G1" and errors[0]["field"] == "geometry"
    assert errors[0]["message"].startswith("feature 3 (G1): invalid geometry: Self-intersection")


def test_grid_outside_its_village_is_refused():
    feats = small_town_features()
    # G1 belongs to V1 (lon 113.80–113.82, lat 22.88–22.90); push it north into V2
    grid_feature(feats, "G1")["geometry"] = rect(113.80, 22.885, 113.81, 22.905)
    errors = refused(feats)
    messages = [e["message"] for e in errors]
    assert any("(G1): grid lies" in m and "outside its village 'V1'" in m for m in messages), messages
    assert any("(G1): grid overlaps grid" in m for m in messages), messages


def test_overlapping_grids_are_refused_beyond_the_tolerance(settings):
    settings.CITYOPS_GEO_TOLERANCE_M2 = 50
    feats = small_town_features()
    grid_feature(feats, "G1")["geometry"] = rect(113.80, 22.88, 113.8105, 22.90)  # 0.0005° into G2
    errors = refused(feats)
    assert any("(G1): grid overlaps grid 'G2' by" in e["message"] for e in errors), errors


def test_a_sliver_within_the_tolerance_is_accepted(settings):
    settings.CITYOPS_GEO_TOLERANCE_M2 = 50
    feats = small_town_features()
    # 1e-7° of longitude is about 1 cm: over the grid's 2.2 km edge about 23 m², within 50 m²
    grid_feature(feats, "G1")["geometry"] = rect(113.80, 22.88, 113.8100001, 22.90)
    result = geojson_import(data=fc(feats))
    assert result.created["grid"] == 8


def test_unknown_parent_is_refused():
    feats = small_town_features()
    grid_feature(feats, "G3")["properties"]["parent"] = "V99"
    errors = refused(feats)
    assert errors == [
        {
            "feature": 6,
            "code": "G3",
            "field": "properties.parent",
            "message": "feature 6 (G3): unknown parent village 'V99'",
        }
    ]


def test_parent_of_the_wrong_level_is_named():
    feats = small_town_features()
    grid_feature(feats, "G3")["properties"]["parent"] = "A1"
    errors = refused(feats)
    assert "unknown parent village 'A1' (it is a area, not a village)" in errors[0]["message"]


def test_latitude_longitude_order_is_detected():
    feats = small_town_features()
    geom = grid_feature(feats, "G2")["geometry"]
    geom["coordinates"] = [[[lat, lon] for lon, lat in geom["coordinates"][0]]]
    errors = refused(feats)
    assert len(errors) == 1 and errors[0]["code"] == "G2"
    assert "looks like [latitude, longitude]" in errors[0]["message"]


@pytest.mark.parametrize(
    ("mutate", "field", "text"),
    [
        (lambda f: f["properties"].pop("code"), "properties.code", "code is missing"),
        (
            lambda f: f["properties"].update(level="county"),
            "properties.level",
            "level 'county' is not one of",
        ),
        (lambda f: f["properties"].update(name=""), "properties.name", "name is missing"),
        (
            lambda f: f.update(geometry={"type": "Point", "coordinates": [113.8, 22.9]}),
            "geometry",
            "geometry must be Polygon or MultiPolygon, not 'Point'",
        ),
        (lambda f: f["geometry"]["coordinates"][0].pop(), "geometry", "ring is not closed"),
        (
            lambda f: f["geometry"]["coordinates"][0][1].__setitem__(0, "113.8"),
            "geometry",
            "is not a [longitude, latitude] pair of numbers",
        ),
        (lambda f: f.update(geometry=None), "geometry", "geometry is missing"),
    ],
)
def test_malformed_features_are_refused(mutate, field, text):
    feats = small_town_features()
    mutate(grid_feature(feats, "G4"))
    errors = refused(feats)
    assert any(e["field"] == field and text in e["message"] and e["feature"] == 7 for e in errors), errors


def test_duplicate_codes_and_two_towns_are_refused():
    feats = small_town_features()
    dup = copy.deepcopy(grid_feature(feats, "G5"))
    errors = refused([*feats, dup])
    assert any("appears more than once" in e["message"] for e in errors)
    feats = small_town_features()
    feats.append(feature("town", "T2", "另一镇", rect(113.9, 22.9, 113.91, 22.91)))
    assert any("only one town" in e["message"] for e in refused(feats))


@pytest.mark.parametrize("doc", [[], {"type": "Feature"}, {"type": "FeatureCollection", "features": []}, "x"])
def test_documents_that_are_not_feature_collections_are_refused(doc):
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        geojson_import(data=doc)
    assert snapshot() == before
    assert exc.value.errors[0]["feature"] is None


def test_an_empty_collection_is_refused():
    assert "no features" in refused([])[0]["message"]


def test_a_projected_crs_is_refused():
    doc = fc(small_town_features())
    doc["crs"] = {"type": "name", "properties": {"name": "EPSG:4547"}}
    with pytest.raises(ValidationFailed) as exc:
        geojson_import(data=doc)
    assert "WGS84" in exc.value.errors[0]["message"]


def test_one_bad_feature_among_good_ones_writes_nothing_even_with_existing_data():
    geojson_import(data=fc(small_town_features()))
    feats = small_town_features()
    grid_feature(feats, "G8")["properties"]["name"] = "改名网格"
    grid_feature(feats, "G7")["properties"]["parent"] = "nowhere"
    refused(feats)
    assert Grid.objects.get(code="G8").name == "网格8"


def test_an_update_that_overlaps_a_stored_grid_is_refused():
    geojson_import(data=fc(small_town_features()))
    moved = feature("grid", "G1", "网格1", rect(113.80, 22.88, 113.815, 22.90), "V1")
    errors = refused([moved])
    assert any("overlaps grid 'G2'" in e["message"] for e in errors)


def test_places_outside_every_grid_or_with_unknown_parent_are_refused():
    geojson_import(data=fc(small_town_features()))
    lon, lat = grid_centre(2)
    errors = refused(
        [
            feature(
                "place", "P1", "远处学校", {"type": "Point", "coordinates": [114.5, 23.5]}, kind="school"
            ),
            feature(
                "place",
                "P2",
                "食堂",
                {"type": "Point", "coordinates": [lon, lat]},
                kind="canteen",
                parent="NOPE",
            ),
            feature("place", "P3", "未知", {"type": "Point", "coordinates": [lon, lat]}, kind="castle"),
        ]
    )
    text = " | ".join(e["message"] for e in errors)
    assert "feature 2 (P3): kind 'castle' is not one of" in text
    errors = refused(
        [
            feature(
                "place", "P1", "远处学校", {"type": "Point", "coordinates": [114.5, 23.5]}, kind="school"
            ),
            feature(
                "place",
                "P2",
                "食堂",
                {"type": "Point", "coordinates": [lon, lat]},
                kind="canteen",
                parent="NOPE",
            ),
        ]
    )
    text = " | ".join(e["message"] for e in errors)
    assert "feature 0 (P1): point (114.5, 23.5) lies outside every grid" in text
    assert "feature 1 (P2): unknown parent place 'NOPE'" in text


def test_places_are_located_and_carry_their_grid_village_and_area(town):
    place = Place.objects.select_related("grid", "village", "area").get(code="S2")
    assert (place.grid.code, place.village.code, place.area.code) == ("G5", "V3", "A2")


def test_moving_a_grid_boundary_relocates_places(town):
    # S1 sits in the middle of G1; shrink G1 to its west half and widen G2 over it
    lon, _ = grid_centre(1)
    feats = [
        feature("grid", "G1", "网格1", rect(113.80, 22.88, lon - 0.001, 22.90), "V1"),
        feature("grid", "G2", "网格2", rect(lon - 0.001, 22.88, 113.82, 22.90), "V1"),
    ]
    geojson_import(data=fc(feats))
    assert Place.objects.get(code="S1").grid.code == "G2"


def test_export_round_trips_through_import(town):
    from cityops.core.scoping import SYSTEM_READER
    from cityops.geo.selectors import geojson_export

    exported = geojson_export(user=SYSTEM_READER)
    assert len(exported["features"]) == 15 + 3
    assert not geojson_import(data=exported).changed
