"""The generated demo town: exact figures, clean polygons, places in place, same town every run."""

import json
import math
from collections import Counter

import pytest
from shapely import STRtree
from shapely.geometry import Point, shape

from cityops.demo.town import town_geojson
from cityops.geo.geometry import area_m2, outside_m2, overlap_m2, to_metric

LAT0, LON0 = 22.90, 113.83


@pytest.fixture(scope="module")
def collection():
    return town_geojson()


def _by_level(collection) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in collection["features"]:
        out.setdefault(f["properties"]["level"], []).append(f)
    return out


def test_figures_are_exact(collection):
    levels = Counter(f["properties"]["level"] for f in collection["features"])
    assert {k: levels[k] for k in ("town", "area", "village", "grid")} == {
        "town": 1,
        "area": 6,
        "village": 23,
        "grid": 125,
    }
    kinds = Counter(f["properties"]["kind"] for f in _by_level(collection)["place"])
    assert kinds["school"] == 50
    assert kinds["canteen"] == 51
    assert kinds["service_centre"] == 24
    assert kinds["library"] == 1
    assert 10 <= kinds["shelter"] <= 14
    assert kinds["market"] >= 2 and kinds["dormitory"] >= 2


def test_every_village_has_5_or_6_grids_and_a_service_centre(collection):
    levels = _by_level(collection)
    grids = Counter(f["properties"]["parent"] for f in levels["grid"])
    assert set(grids.values()) == {5, 6}
    centres = [
        f["properties"]["name"] for f in levels["place"] if f["properties"]["kind"] == "service_centre"
    ]
    for village in levels["village"]:
        assert f"{village['properties']['name']}党群服务中心" in centres
    assert "大岭山镇政务服务中心" in centres


def test_codes_and_names_follow_the_hierarchy(collection):
    levels = _by_level(collection)
    assert levels["town"][0]["properties"]["code"] == "441900-DLS"
    assert levels["town"][0]["properties"]["name"] == "大岭山镇"
    for f in levels["area"] + levels["village"] + levels["grid"]:
        p = f["properties"]
        assert p["code"].startswith(p["parent"] if p["level"] != "area" else "DLS-A")
    for f in levels["village"]:
        p = f["properties"]
        assert p["is_community"] == p["name"].endswith("社区")
        assert p["name"].endswith(("村", "社区"))
    for f in levels["grid"]:
        assert "第" in f["properties"]["name"] and f["properties"]["name"].endswith("网格")
    assert {f["properties"]["name"] for f in levels["area"]} >= {"中心片区", "北部片区"}


def test_polygons_are_valid_tile_their_parent_and_do_not_overlap(collection):
    levels = _by_level(collection)
    shapes = {
        f["properties"]["code"]: shape(f["geometry"])
        for lvl in ("town", "area", "village", "grid")
        for f in levels[lvl]
    }
    for level, parent_level in (("area", "town"), ("village", "area"), ("grid", "village")):
        children: dict[str, list] = {}
        for f in levels[level]:
            geom = shapes[f["properties"]["code"]]
            assert geom.geom_type == "Polygon" and geom.is_valid
            parent = shapes[f["properties"]["parent"]]
            assert outside_m2(geom, parent, LAT0, LON0) < 1.0
            children.setdefault(f["properties"]["parent"], []).append(geom)
        geoms = [shapes[f["properties"]["code"]] for f in levels[level]]
        left, right = STRtree(geoms).query(geoms, predicate="intersects")
        worst = max(
            overlap_m2(geoms[i], geoms[j], LAT0, LON0) for i, j in zip(left, right, strict=True) if i < j
        )
        assert worst < 1.0
        for f in levels[parent_level]:
            parent = shapes[f["properties"]["code"]]
            covered = sum(to_metric(g, LAT0, LON0).area for g in children[f["properties"]["code"]])
            assert covered == pytest.approx(to_metric(parent, LAT0, LON0).area, rel=1e-6)


def test_town_is_about_95_km2_near_dalingshan(collection):
    town = shape(_by_level(collection)["town"][0]["geometry"])
    assert 85e6 <= area_m2(town) <= 105e6
    assert abs(town.centroid.y - LAT0) < 0.02 and abs(town.centroid.x - LON0) < 0.02


def test_places_lie_in_grids_and_canteens_beside_their_school(collection):
    levels = _by_level(collection)
    grids = [shape(f["geometry"]) for f in levels["grid"]]
    tree = STRtree(grids)
    points = {}
    for f in levels["place"]:
        pt = Point(f["geometry"]["coordinates"])
        assert len(tree.query(pt, predicate="intersects")) == 1, f["properties"]["code"]
        points[f["properties"]["code"]] = f
    canteens_per_school = Counter()
    for f in levels["place"]:
        p = f["properties"]
        if p["kind"] != "canteen":
            continue
        school = points[p["parent"]]
        assert school["properties"]["kind"] == "school"
        canteens_per_school[p["parent"]] += 1
        (x1, y1), (x2, y2) = f["geometry"]["coordinates"], school["geometry"]["coordinates"]
        metres = math.hypot((x1 - x2) * 111_320 * math.cos(math.radians(LAT0)), (y1 - y2) * 110_574)
        assert 5 <= metres <= 50
    assert sorted(canteens_per_school.values()) == [1] * 49 + [2]


def test_coordinates_have_at_most_7_decimals(collection):
    for f in collection["features"]:
        text = json.dumps(f["geometry"]["coordinates"])
        for token in text.replace("[", " ").replace("]", " ").replace(",", " ").split():
            assert len(token.partition(".")[2]) <= 7


def test_generation_is_deterministic(collection):
    assert json.dumps(town_geojson(), ensure_ascii=False) == json.dumps(collection, ensure_ascii=False)
    assert town_geojson(seed=1)["features"][0] != collection["features"][0]


@pytest.mark.django_db
def test_the_user_facing_import_accepts_the_town(collection):
    from cityops.geo.models import Grid, Place
    from cityops.geo.services import geojson_import

    result = geojson_import(data=collection, actor_name="test")

    assert result.created == {"town": 1, "area": 6, "village": 23, "grid": 125, "place": 147}
    assert Grid.objects.count() == 125
    assert Place.objects.get(code="DLS-SCH-01").children.count() == 2
