"""Hot spots: Gi* marks a planted cluster of grids hot and finds nothing in an even spread; too few
grids or cases are said, not mapped; week by week, a new and a persistent hot spot are told apart."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cityops.core.scoping import SystemReader
from cityops.ops.insight import hotspots as hs
from tests.ops.insight_data import SIDE, build_grid_town, stat

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)  # a Monday
CLUSTER = {(1, 1), (1, 2), (2, 1), (2, 2)}


@pytest.fixture
def grids(db):
    return build_grid_town()


def _plant(grids, day, cluster=CLUSTER, hot=30, base=(4, 6)):
    """Each grid gets ``base`` cases in a checkerboard, the cluster's grids ``hot`` instead."""
    for i, g in enumerate(grids):
        r, c = divmod(i, SIDE)
        stat(day, g, hot if (r, c) in cluster else base[(r + c) % 2])


def test_a_planted_cluster_is_hot_and_only_there(grids):
    _plant(grids, DAY)
    result = hs.hot_spots(user=SystemReader(), start=DAY, end=DAY)
    assert not result.refusal and result.cases == 4 * 30 + 16 * 4 + 16 * 6
    by_cell = {divmod(i, SIDE): g for i, g in enumerate(result.grids)}
    for cell in CLUSTER:
        assert by_cell[cell].cls in ("hot99", "hot95"), (cell, by_cell[cell])
        assert by_cell[cell].z > 2
    # far from the cluster nothing is hot
    assert all(not by_cell[(r, c)].hot for r in range(SIDE) for c in range(SIDE) if r >= 4 or c >= 4)
    # the same data gives the same p-values (the fixed seed)
    again = hs.hot_spots(user=SystemReader(), start=DAY, end=DAY)
    assert [g.p for g in again.grids] == [g.p for g in result.grids]


def test_an_even_spread_has_no_hot_spot(grids):
    _plant(grids, DAY, cluster=set())
    result = hs.hot_spots(user=SystemReader(), start=DAY, end=DAY)
    assert not result.refusal
    assert not [g for g in result.grids if g.cls in ("hot99", "hot95", "cold99", "cold95")]


def test_one_count_everywhere_gives_no_class_and_no_nan(grids):
    _plant(grids, DAY, cluster=set(), base=(5, 5))
    result = hs.hot_spots(user=SystemReader(), start=DAY, end=DAY)
    assert {g.cls for g in result.grids} == {"none"}
    assert all(g.z is None or g.z == g.z for g in result.grids)


def test_too_few_cases_is_said(grids):
    stat(DAY, grids[0], 5)
    result = hs.hot_spots(user=SystemReader(), start=DAY, end=DAY)
    assert result.refusal == "Too few cases for hot spots: 5 in the period, at least 20 are needed"
    assert result.grids == []


def test_too_few_grids_is_said(town):
    """The small town has 8 grids."""
    from cityops.geo.models import Grid

    for g in Grid.objects.all():
        stat(DAY, g, 10)
    result = hs.hot_spots(user=SystemReader(), start=DAY, end=DAY)
    assert result.refusal.startswith("Too few grids for hot spots: 8 in your scope, at least 9")
    assert result.grids == []


@pytest.mark.parametrize(
    ("weeks_hot", "trend"), [(range(6), "persistent"), (range(5, 6), "new"), (range(0, 5), "past")]
)
def test_week_by_week(grids, weeks_hot, trend):
    for k in range(6):
        _plant(grids, DAY + timedelta(weeks=k), cluster=CLUSTER if k in weeks_hot else set())
    result = hs.emerging(user=SystemReader(), last_week=DAY + timedelta(weeks=5), weeks=6)
    trends = {r["grid"].code: r["trend"] for r in result.rows}
    assert {trends.get(f"Q{r}{c}") for r, c in CLUSTER} == {trend}
    assert all(not r["grid"].code.startswith(("Q4", "Q5")) for r in result.rows if r["trend"] != "past")


@pytest.mark.parametrize(
    ("hot", "trend"),
    [
        ([False, False, True], "new"),
        ([True, True, True, False, True], "persistent"),
        ([True, False, False, True], "intermittent"),
        ([True, True, False], "past"),
        ([None, False, False], None),
    ],
)
def test_trend_of(hot, trend):
    assert hs.trend_of(hot) == trend


SMALL = ("Q00", "Q01", "Q10", "Q11")  # a village of four grids in the south-west corner


@pytest.fixture
def small_village(grids):
    """Village GV1 keeps four grids, the rest of its half goes to GV2; its dispatcher."""
    from cityops.geo.models import Grid, Village
    from tests.conftest import _user

    gv2 = Village.objects.get(code="GV2")
    Grid.objects.filter(village__code="GV1").exclude(code__in=SMALL).update(village=gv2)
    fresh = [Grid.objects.get(pk=g.pk) for g in grids]
    return fresh, _user("disp_gv1", "dispatcher", "village", "GV1")


def test_a_small_village_is_classed_against_the_whole_town(small_village):
    grids, dispatcher = small_village
    _plant(grids, DAY, cluster={(0, 0), (0, 1), (1, 0), (1, 1)})
    result = hs.hot_spots(user=dispatcher, start=DAY, end=DAY)
    assert not result.refusal
    # only the village's own grids are shown, with their own counts; the town's are behind the statistic
    assert [g.grid.code for g in result.grids] == list(SMALL)
    assert result.cases == 4 * 30 and [g.cases for g in result.grids] == [30] * 4
    assert (result.compared_grids, result.compared_cases) == (36, 4 * 30 + 16 * 4 + 16 * 6)
    assert all(g.hot for g in result.grids)
    # the same statistic as the town's own reader gets for these grids
    town = {g.grid.code: (g.z, g.p) for g in hs.hot_spots(user=SystemReader(), start=DAY, end=DAY).grids}
    assert [(g.z, g.p) for g in result.grids] == [town[c] for c in SMALL]
    # an even town leaves the village's grids unremarkable
    quiet = hs.hot_spots(user=dispatcher, start=DAY + timedelta(days=1), end=DAY + timedelta(days=1))
    assert quiet.refusal.startswith("Too few cases for hot spots: 0 in the period")


def test_a_small_village_week_by_week_and_on_its_pages(client, small_village):
    grids, dispatcher = small_village
    today = timezone.localdate()
    yesterday, last = today - timedelta(days=1), hs.last_complete_week(today)
    for k in range(4):
        _plant(grids, last - timedelta(weeks=k), cluster={(0, 0), (0, 1), (1, 0), (1, 1)})
    _plant(grids, yesterday, cluster={(0, 0), (0, 1), (1, 0), (1, 1)})
    result = hs.emerging(user=dispatcher, last_week=last, weeks=4)
    assert result.compared_grids == 36
    assert {r["grid"].code: r["trend"] for r in result.rows} == dict.fromkeys(SMALL, "persistent")
    client.force_login(dispatcher)
    page = client.get("/ops/insight/hotspots/")
    body = page.content.decode()
    assert 'data-testid="insight-context"' in body and "insight-map-data" in body
    assert "all 36 grids of the town" in body
    assert [r.grid.code for r in page.context["rows"]] == list(SMALL)
    assert "方格55" not in body  # no grid of another village, nor its count
    time_page = client.get("/ops/insight/hotspots/time/?weeks=4").content.decode()
    assert 'data-testid="insight-context"' in time_page and "方格55" not in time_page
    grid_page = client.get("/ops/insight/hotspots/grid/Q00/?weeks=4")
    assert [r["g"].cls for r in grid_page.context["rows"]] == [result.weeks[k].grids[0].cls for k in range(4)]
