"""The screen's figures per unit: the cases' panel from the KPI rollups (the same numbers as the KPI
page), open and overdue now, the IoT and video panels; units kept to the user's scope; the map of a
unit with its grids' counts and, below the town, what stands in it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.cases.kpis import kpi_table
from cityops.cases.models import Case
from cityops.cases.rollup import rollup_all
from cityops.core import screen
from cityops.core.screen import Unit
from cityops.geo.models import Grid, Village
from tests.iot.rules.conftest import devices, world  # noqa: F401
from tests.ops.conftest import new_case
from tests.video.conftest import video_channels, video_projects  # noqa: F401


def unit(level, code):
    model = {"village": Village, "grid": Grid}[level]
    obj = model.objects.get(code=code)
    return Unit(level, obj.pk, obj.code, obj.name)


def panel(user, u, key):
    return next(p for p in screen.figures(user, u) if p["key"] == key)["data"]


def test_the_cases_panel_per_unit_from_the_rollups(catalogue):
    new_case(catalogue, grid=1)
    new_case(catalogue, grid=2, item="E-FIRE")
    new_case(catalogue, grid=7)
    Case.objects.filter(grid__code="G2").update(step_deadline=timezone.now() - timedelta(hours=1))
    rollup_all()
    officer = catalogue["officer"]
    town = panel(officer, screen.TOWN, "cases.figures")
    v1 = panel(officer, unit("village", "V1"), "cases.figures")
    g1 = panel(officer, unit("grid", "G1"), "cases.figures")
    assert (town["today"]["reported"], v1["today"]["reported"], g1["today"]["reported"]) == (3, 2, 1)
    assert town["year"]["reported"] == town["month"]["reported"] == 3
    # the KPI page's own table agrees
    today = timezone.localdate()
    [row] = kpi_table(user=officer, group="town", period="day", start=today, end=today)
    assert row.counts["reported"] == town["today"]["reported"]
    assert (town["open_now"], town["overdue_now"], v1["overdue_now"], g1["overdue_now"]) == (3, 1, 1, 0)
    assert town["target"] == 0.985 and town["today"]["effective_disposal_rate"] is None  # nothing due yet
    assert town["top_items"][0] == {"code": "E-GARBAGE", "name": "暴露垃圾", "open": 2}
    assert len(town["trend"]["days"]) == 30 and town["trend"]["reported"][-1] == 3
    assert g1["trend"]["reported"][-1] == 1


def test_a_dispatcher_sees_only_their_village(catalogue):
    new_case(catalogue, grid=1)
    new_case(catalogue, grid=7)
    rollup_all()
    v1 = catalogue["dispatcher_v1"]
    mine = panel(v1, unit("village", "V1"), "cases.figures")
    assert (mine["today"]["reported"], mine["open_now"]) == (1, 1)
    # restrict() keeps every panel to the scope whatever unit it is asked for
    other = panel(v1, unit("village", "V4"), "cases.figures")
    assert (other["today"]["reported"], other["open_now"]) == (0, 0)


def test_figures_json_per_unit_and_scope(client, catalogue):
    new_case(catalogue, grid=1)
    client.force_login(catalogue["dispatcher_v1"])
    body = client.get("/ops/screen/figures.json").json()  # their own village by default
    assert body["unit"]["key"] == "village:V1"
    assert [c["unit"] for c in body["breadcrumb"]] == ["village:V1"]
    body = client.get("/ops/screen/figures.json?unit=grid:G1").json()
    assert [c["unit"] for c in body["breadcrumb"]] == ["village:V1", "grid:G1"]
    assert "cases.figures" in [p["key"] for p in body["panels"]]
    for outside in ("town", "village:V4", "grid:G7", "area:A1", "village:NOPE", "nonsense", "grid:"):
        assert client.get(f"/ops/screen/figures.json?unit={outside}").status_code == 404, outside
    client.force_login(catalogue["officer"])
    body = client.get("/ops/screen/figures.json?unit=grid:G1").json()
    assert [c["unit"] for c in body["breadcrumb"]] == ["town", "area:A1", "village:V1", "grid:G1"]
    client.force_login(catalogue["inspector_g1"])
    assert client.get("/ops/screen/figures.json").status_code == 403


def test_map_json_colours_grids_and_lists_what_stands_in_a_unit(client, catalogue):
    new_case(catalogue, grid=1)
    new_case(catalogue, grid=1, item="E-FIRE")
    Case.objects.filter(item__code="E-FIRE").update(step_deadline=timezone.now() - timedelta(hours=1))
    client.force_login(catalogue["officer"])
    town = client.get("/ops/screen/map.json").json()
    assert len(town["features"]) == 8 and "cases" not in town
    g1 = next(f["properties"] for f in town["features"] if f["properties"]["code"] == "G1")
    assert (g1["open"], g1["overdue"], g1["parent"], g1["area"]) == (2, 1, "V1", "A1")
    v1 = client.get("/ops/screen/map.json?unit=village:V1").json()
    assert sorted(f["properties"]["code"] for f in v1["features"]) == ["G1", "G2"]
    assert sorted(c["overdue"] for c in v1["cases"]) == [False, True]
    assert v1["sensors"] == [] and v1["cameras"] == []
    client.force_login(catalogue["dispatcher_v4"])
    assert client.get("/ops/screen/map.json?unit=village:V1").status_code == 404
    mine = client.get("/ops/screen/map.json").json()
    assert sorted(f["properties"]["code"] for f in mine["features"]) == ["G7", "G8"]


def test_feed_json_gives_the_newest_lines_and_where_the_stream_goes_on(client, catalogue):
    a = new_case(catalogue, grid=1)
    new_case(catalogue, grid=7)
    client.force_login(catalogue["dispatcher_v1"])
    body = client.get("/ops/screen/feed.json").json()
    assert [e["data"]["case"] for e in body["events"]] == [a.number]
    assert body["last_id"] >= body["events"][-1]["id"]


@pytest.mark.django_db
def test_the_iot_panel_counts_alarms_and_devices(devices):  # noqa: F811
    from cityops.iot import alarms
    from cityops.iot.models import Rule
    from cityops.iot.rule_cache import rule_sets
    from tests.iot.rules.conftest import T0

    rule = Rule.objects.get(device_type__code="smoke", code="smoke-alarm", device__isnull=True)
    compiled = rule_sets()[rule.device_type_id].base["smoke-alarm"]
    info = alarms.device_infos([devices["smoke"].pk])[devices["smoke"].pk]
    alarms.raise_alarm(compiled, info, "critical", 1.0, T0, "烟雾报警")
    from cityops.accounts.models import User

    officer = User.objects.get(username="officer")
    town = panel(officer, screen.TOWN, "iot.figures")
    assert town["alarms"]["critical"] == 1 and town["alarms_active"] == 1
    assert sum(town["devices"].values()) == len(devices)
    v1 = panel(officer, unit("village", "V1"), "iot.figures")
    assert v1["alarms_active"] == 0  # the smoke detector stands in grid 6


def test_the_video_panel_uses_the_rollup_rates(video_channels, users):  # noqa: F811
    from cityops.video.models import Channel, ChannelDay

    officer = users["officer"]
    Channel.objects.filter(pk=video_channels["g1a"].pk).update(health="offline")
    Channel.objects.exclude(pk=video_channels["g1a"].pk).update(health="online")
    today = timezone.localdate()
    ch = video_channels["g1a"]
    ChannelDay.objects.create(channel=ch, day=today, project_id=ch.project_id, area_id=ch.area_id,
                              village_id=ch.village_id, online_s=900, offline_s=100)  # fmt: skip
    g1 = panel(officer, unit("grid", "G1"), "video.figures")
    assert g1["today"]["rate"] == 90.0 and g1["offline_now"] == 1
    assert g1["today"]["met"] is False and g1["today"]["target"] is not None
    # a grid with no cameras has no video panel
    assert "video.figures" not in [p["key"] for p in screen.figures(officer, unit("grid", "G3"))]
