"""The patrols on the big screen: coverage now per unit and one level down, the items found on
patrol today, the inspectors' last positions on a drilled-down map (named only for the roles that
direct patrols), all kept to the reader's scope."""

from datetime import timedelta

from django.utils import timezone

from cityops.cases.models import PatrolSession
from cityops.cases.models.patrol import SessionState
from cityops.core import screen
from cityops.geo.models import Grid
from tests.builders import grid_centre
from tests.conftest import _user
from tests.ops.conftest import new_case
from tests.ops.test_panels import panel, unit


def _session(inspector, grid: int, *, seen_minutes_ago: float | None, started_minutes_ago=90, ended=False):
    """A patrol of ``inspector`` in grid G<grid>, its last point ``seen_minutes_ago`` (None: none yet)."""
    g = Grid.objects.get(code=f"G{grid}")
    lon, lat = grid_centre(grid)
    now = timezone.now()
    seen = None if seen_minutes_ago is None else now - timedelta(minutes=seen_minutes_ago)
    return PatrolSession.objects.create(
        inspector=inspector,
        grid=g,
        area_id=g.area_id,
        village_id=g.village_id,
        started_at=now - timedelta(minutes=started_minutes_ago),
        start_lon=lon,
        start_lat=lat,
        last_point_at=seen,
        last_lon=None if seen is None else lon + 1e-4,
        last_lat=None if seen is None else lat,
        ended_at=now if ended else None,
        state=SessionState.CHECKOUT if ended else SessionState.OPEN,
    )


def _inspectors(users):
    return {
        "g1": users["inspector_g1"],
        "g2": _user("insp_g2", "inspector", "grid", "G2"),
        "g7": _user("insp_g7", "inspector", "grid", "G7"),
        "g8": _user("insp_g8", "inspector", "grid", "G8"),
    }


def test_coverage_now_counts_grids_with_a_recent_position(catalogue):
    who = _inspectors(catalogue)
    _session(who["g1"], 1, seen_minutes_ago=5)
    _session(who["g2"], 2, seen_minutes_ago=None, started_minutes_ago=10)  # checked in, no point yet
    _session(who["g7"], 7, seen_minutes_ago=45)  # quiet for 45 minutes: not on patrol now
    _session(who["g8"], 8, seen_minutes_ago=600, started_minutes_ago=60 * 14)  # swept long ago
    officer = catalogue["officer"]
    town = panel(officer, screen.TOWN, "cases.patrols")["now"]
    assert (town["grids"], town["covered"], town["share"], town["on_patrol"]) == (8, 2, 0.25, 2)
    assert town["minutes"] == 30
    by_area = {p["unit"]: (p["covered"], p["grids"]) for p in town["parts"]}
    assert by_area == {"area:A1": (2, 4), "area:A2": (0, 4)}
    v1 = panel(officer, unit("village", "V1"), "cases.patrols")["now"]
    assert (v1["covered"], v1["grids"], v1["share"]) == (2, 2, 1.0)
    assert [(p["unit"], p["covered"]) for p in v1["parts"]] == [("grid:G1", 1), ("grid:G2", 1)]
    g7 = panel(officer, unit("grid", "G7"), "cases.patrols")["now"]
    assert (g7["covered"], g7["grids"], g7["parts"]) == (0, 1, [])


def test_a_checked_out_patrol_counts_while_recent_but_is_not_on_patrol(catalogue):
    who = _inspectors(catalogue)
    _session(who["g1"], 1, seen_minutes_ago=10, ended=True)
    now = panel(catalogue["officer"], screen.TOWN, "cases.patrols")["now"]
    assert (now["covered"], now["on_patrol"]) == (1, 0)


def test_found_on_patrol_today_and_the_scope(catalogue):
    who = _inspectors(catalogue)
    _session(who["g1"], 1, seen_minutes_ago=5)
    _session(who["g7"], 7, seen_minutes_ago=5)
    new_case(catalogue, grid=1)
    new_case(catalogue, grid=2, item="E-FIRE")
    new_case(catalogue, grid=7)
    town = panel(catalogue["officer"], screen.TOWN, "cases.patrols")
    assert [(t["code"], t["cases"]) for t in town["found_today"]] == [("E-GARBAGE", 2), ("E-FIRE", 1)]
    mine = panel(catalogue["dispatcher_v1"], unit("village", "V1"), "cases.patrols")
    assert [(t["code"], t["cases"]) for t in mine["found_today"]] == [("E-FIRE", 1), ("E-GARBAGE", 1)]
    assert (mine["now"]["grids"], mine["now"]["covered"]) == (2, 1)
    # restrict() keeps the panel to the scope whatever unit it is asked for
    other = panel(catalogue["dispatcher_v1"], unit("village", "V4"), "cases.patrols")
    assert (other["now"]["grids"], other["now"]["covered"], other["found_today"]) == (0, 0, [])
    assert other["now"]["share"] is None
    # a department handler sees no patrols: no panel at all
    assert "cases.patrols" not in [p["key"] for p in screen.figures(catalogue["handler"], screen.TOWN)]


def test_the_map_shows_last_positions_named_only_for_those_who_direct_patrols(client, catalogue):
    who = _inspectors(catalogue)
    _session(who["g1"], 1, seen_minutes_ago=90, started_minutes_ago=200, ended=True)  # an earlier patrol
    latest = _session(who["g1"], 1, seen_minutes_ago=3)
    _session(who["g2"], 2, seen_minutes_ago=None, started_minutes_ago=5)
    _session(who["g7"], 7, seen_minutes_ago=2)
    client.force_login(catalogue["officer"])
    assert "inspectors" not in client.get("/ops/screen/map.json").json()  # the town map has no points
    v1 = client.get("/ops/screen/map.json?unit=village:V1").json()["inspectors"]
    assert [(p["name"], p["grid"], p["on_patrol"], p["recent"]) for p in v1] == [
        ("inspector_g1", "G1", True, True),
        ("insp_g2", "G2", True, True),
    ]
    assert (v1[0]["lon"], v1[0]["lat"]) == (latest.last_lon, latest.last_lat)  # the last point
    assert (v1[1]["lon"], v1[1]["lat"]) == grid_centre(2)  # no point yet: where they checked in
    client.force_login(catalogue["auditor"])  # reads the screen, directs nobody: where, not who
    v1 = client.get("/ops/screen/map.json?unit=village:V1").json()["inspectors"]
    assert len(v1) == 2 and not any("name" in p for p in v1)
    client.force_login(catalogue["dispatcher_v4"])
    g7 = client.get("/ops/screen/map.json?unit=grid:G7").json()["inspectors"]
    assert [p["name"] for p in g7] == ["insp_g7"]
    assert client.get("/ops/screen/map.json?unit=village:V1").status_code == 404
