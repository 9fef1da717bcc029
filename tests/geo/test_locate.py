"""The locate index answers exactly what shapely answers, one point or a million."""

import numpy as np
import pytest
import shapely

from cityops.geo.locate import Locator
from cityops.geo.selectors import locate_entries, locate_point, locator
from cityops.geo.services import geojson_import
from tests.builders import feature, grid_centre, rect

pytestmark = pytest.mark.django_db


def brute_force(entries, lon, lat):
    for i, e in enumerate(entries):
        if shapely.intersects_xy(e.geometry, lon, lat):
            return i
    return -1


def test_single_points_agree_with_shapely_everywhere(town):
    entries = locate_entries()
    loc = Locator(entries, cells=16)  # a coarse raster: most cells are boundary cells
    rng = np.random.default_rng(7)
    lons = rng.uniform(113.795, 113.845, 3000)
    lats = rng.uniform(22.875, 22.925, 3000)
    for lon, lat in zip(lons, lats, strict=True):
        hit = loc.locate(lon, lat)
        expected = brute_force(entries, lon, lat)
        assert (hit.grid_code if hit else None) == (
            entries[expected].location.grid_code if expected >= 0 else None
        )


def test_batches_agree_with_single_points(town):
    loc = Locator(locate_entries(), cells=32)
    rng = np.random.default_rng(11)
    lons = rng.uniform(113.79, 113.85, 20000)
    lats = rng.uniform(22.87, 22.93, 20000)
    batch = loc.locate_many(lons, lats)
    singles = [loc.locate(x, y) for x, y in zip(lons, lats, strict=True)]
    codes = [loc.locations[i].grid_code if i >= 0 else None for i in batch]
    assert codes == [s.grid_code if s else None for s in singles]
    assert (batch >= 0).sum() > 0 and (batch < 0).sum() > 0


def test_outside_the_town_is_none(town):
    assert locate_point(113.70, 22.90) is None
    assert locate_point(-120.0, 40.0) is None


def test_a_point_on_a_shared_edge_gets_one_grid(town):
    hit = locate_point(113.81, 22.89)  # the edge between G1 and G2
    assert hit.grid_code in {"G1", "G2"}


def test_the_index_follows_an_import(town, settings):
    settings.CITYOPS_GEO_REFRESH_SECONDS = 0
    lon, lat = grid_centre(1)
    assert locate_point(lon, lat).grid_code == "G1"
    first = locator()
    geojson_import(
        data={
            "type": "FeatureCollection",
            "features": [
                feature("grid", "G1", "网格1", rect(113.80, 22.88, lon - 0.001, 22.90), "V1"),
                feature("grid", "G2", "网格2", rect(lon - 0.001, 22.88, 113.82, 22.90), "V1"),
            ],
        }
    )
    assert locate_point(lon, lat).grid_code == "G2"
    assert locator() is not first


def test_an_empty_geography_locates_nothing(db):
    assert locate_point(113.8, 22.9) is None
    assert list(Locator([]).locate_many(np.array([1.0]), np.array([2.0]))) == [-1]
