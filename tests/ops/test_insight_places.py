"""Recurring places: DBSCAN finds the same item planted again and again near one spot, and not the
same number of cases scattered; what a place says (count, first/last, open now); scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.cases.models import PatrolItem
from cityops.core.scoping import SystemReader
from cityops.geo.models import Grid
from cityops.ops.insight.places import recurring_places
from tests.builders import grid_centre
from tests.ops.insight_data import case_at

pytestmark = pytest.mark.django_db
M = 1 / 111_000  # about a metre in degrees of latitude


@pytest.fixture
def planted(catalogue):
    today = timezone.localdate()
    garbage, manhole = PatrolItem.objects.get(code="E-GARBAGE"), PatrolItem.objects.get(code="C-MANHOLE")
    g1, g7 = Grid.objects.get(code="G1"), Grid.objects.get(code="G7")
    lon, lat = grid_centre(1)
    # five garbage reports within 15 m of one spot, over five weeks; two are closed
    for k, (dx, dy) in enumerate([(0, 0), (8, 3), (-5, 9), (3, -10), (12, 6)]):
        status = "closed" if k < 2 else "reported"
        case_at(garbage, g1, lon + dx * M * 1.08, lat + dy * M, today - timedelta(days=35 - 7 * k), status)
    # as many manhole reports, 300 m apart, and garbage ones far from the spot
    lon7, lat7 = grid_centre(7)
    for k in range(5):
        case_at(manhole, g7, lon7 + (k - 2) * 300 * M, lat7 + (k % 2) * 300 * M, today - timedelta(days=k))
    for k in range(3):
        case_at(garbage, g7, lon7 + (k - 1) * 250 * M, lat7 - 400 * M, today - timedelta(days=k))
    return today


def test_a_planted_recurring_place_is_found_and_scattered_cases_are_not(planted):
    today = planted
    places = recurring_places(user=SystemReader(), start=today - timedelta(days=90), end=today)
    assert len(places) == 1
    place = places[0]
    assert (place.item.code, place.grid.code, place.count, place.open_now) == ("E-GARBAGE", "G1", 5, 3)
    assert (timezone.localdate(place.first), timezone.localdate(place.last)) == (
        today - timedelta(days=35),
        today - timedelta(days=7),
    )
    assert place.address.startswith("网格1路")
    assert [c["reported_at"] for c in place.cases] == sorted(
        (c["reported_at"] for c in place.cases), reverse=True
    )


def test_the_radius_and_the_minimum_count_decide(planted):
    today = planted
    start = today - timedelta(days=90)
    assert recurring_places(user=SystemReader(), start=start, end=today, min_cases=6) == []
    # a 5 m radius breaks the spot up
    assert recurring_places(user=SystemReader(), start=start, end=today, radius_m=5) == []
    # with 600 m the manholes (about 400 and 550 m apart) chain into one place too
    wide = recurring_places(user=SystemReader(), start=start, end=today, radius_m=600)
    assert {(p.item.code, p.count) for p in wide} >= {("E-GARBAGE", 5), ("C-MANHOLE", 5)}


def test_the_period_and_the_scope_filter(planted, users):
    today = planted
    assert recurring_places(user=SystemReader(), start=today - timedelta(days=20), end=today) == []
    start = today - timedelta(days=90)
    assert len(recurring_places(user=users["dispatcher_v1"], start=start, end=today)) == 1
    assert recurring_places(user=users["dispatcher_v4"], start=start, end=today) == []


def test_the_lattice_keeps_every_point_dbscan_clusters():
    """DBSCAN on the lattice's candidates finds the same places as DBSCAN on every point."""
    import numpy as np

    from cityops.ops.insight.places import _cluster, candidates

    rng = np.random.default_rng(7)
    lat = np.concatenate([22.9 + rng.normal(0, 0.0003, 60), 22.9 + rng.uniform(-0.02, 0.02, 400)])
    lon = np.concatenate([113.8 + rng.normal(0, 0.0003, 60), 113.8 + rng.uniform(-0.02, 0.02, 400)])
    items = rng.integers(1, 4, len(lat))
    keep = candidates(items, lat, lon, 50, 4)
    assert 0 < keep.sum() < len(lat) / 2
    for item in (1, 2, 3):
        every = items == item
        full = _cluster(np.column_stack([lat[every], lon[every]]), 50, 4)
        mask = keep[every]
        part = _cluster(np.column_stack([lat[every][mask], lon[every][mask]]), 50, 4)
        assert (full[~mask] == -1).all()
        groups_full = {frozenset(np.flatnonzero(every)[full == k]) for k in set(full) - {-1}}
        groups_part = {frozenset(np.flatnonzero(every)[mask][part == k]) for k in set(part) - {-1}}
        assert groups_full == groups_part and groups_full
