"""The live feed: the intake, the alarms and the camera sweep each write a line in the transaction
of what it tells; a user reads only the lines of their scope, in their language; old lines go."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from cityops.core import events
from cityops.core.models import ScreenEvent
from cityops.iot import alarms
from cityops.iot.models import Rule
from cityops.video import health
from cityops.video.models import Channel
from tests.iot.rules.conftest import T0, devices, world  # noqa: F401
from tests.ops.conftest import new_case
from tests.video.conftest import video_channels, video_projects  # noqa: F401
from tests.video.test_health import FakeProber


def test_a_new_case_writes_one_line_in_its_village(catalogue):
    case = new_case(catalogue, grid=1)
    ev = ScreenEvent.objects.get()
    assert (ev.kind, ev.grid_id, ev.village_id, ev.area_id) == (
        "case_new",
        case.grid_id,
        case.village_id,
        case.area_id,
    )
    assert ev.link == f"/cases/{case.number}/" and ev.data["case"] == case.number
    with translation.override("en"):
        assert events.render(ev)["title"] == f"New case {case.number}: 暴露垃圾 in 网格1"
    with translation.override("zh-hans"):
        assert events.render(ev)["title"] == f"新案件 {case.number}：暴露垃圾（网格1）"


def test_a_duplicate_report_writes_no_line(catalogue):
    new_case(catalogue, grid=1, item="C-MANHOLE")
    new_case(catalogue, grid=1, item="C-MANHOLE")  # the same spot: joins the open case
    assert ScreenEvent.objects.count() == 1


def test_scope_of_the_lines(catalogue):
    new_case(catalogue, grid=1)  # village V1
    new_case(catalogue, grid=7)  # village V4
    officer, v1, inspector = catalogue["officer"], catalogue["dispatcher_v1"], catalogue["inspector_g1"]
    assert len(events.events_since(officer, 0)) == 2
    mine = events.events_since(v1, 0)
    assert [e.village_id for e in mine] == [v1.scope_village_id]
    assert events.events_since(inspector, 0) == []  # no ops.view
    first = events.events_since(officer, 0)[0].id
    assert [e.id for e in events.events_since(officer, first)] == [first + 1]
    assert len(events.events_since(officer, 0, limit=1)) == 1


@pytest.mark.django_db
def test_a_raised_alarm_writes_a_line_and_a_repeat_does_not(devices):  # noqa: F811
    rule = Rule.objects.get(device_type__code="smoke", code="smoke-alarm", device__isnull=True)
    from cityops.iot.rule_cache import rule_sets

    compiled = rule_sets()[rule.device_type_id].base["smoke-alarm"]
    info = alarms.device_infos([devices["smoke"].pk])[devices["smoke"].pk]
    alarm = alarms.raise_alarm(compiled, info, "critical", 1.0, T0, "烟雾报警")
    alarms.raise_alarm(compiled, info, "critical", 1.0, T0 + timedelta(minutes=1), "烟雾报警")
    ev = ScreenEvent.objects.get(kind="alarm_raised")
    assert (ev.severity, ev.grid_id, ev.link) == ("critical", info.grid_id, f"/iot/alarms/{alarm.pk}/")
    with translation.override("en"):
        assert events.render(ev)["title"] == f"Alarm at {info.name}: 烟雾报警"


def test_a_camera_going_offline_and_back_writes_a_line_each(video_channels, settings):  # noqa: F811
    settings.CITYOPS_VIDEO_OFFLINE_AFTER = 1
    settings.CITYOPS_VIDEO_OUTAGE_CASE_MINUTES = 0
    ch = video_channels["g2"]
    Channel.objects.filter(pk=ch.pk).update(main_url=f"rtsp://127.0.0.1:1/{ch.gb_id}")
    prober = FakeProber()
    now = timezone.now()
    health.sweep(runner=prober, now=now)
    online_first = list(ScreenEvent.objects.filter(kind="camera_online").values_list("data", flat=True))
    assert online_first == [{"channel": ch.gb_id}]  # unknown → online: it came up
    prober.failing[ch.pk] = "connection refused"
    health.sweep(runner=prober, now=now + timedelta(minutes=1))
    off = ScreenEvent.objects.get(kind="camera_offline")
    assert (off.severity, off.grid_id, off.link) == ("warning", ch.grid_id, f"/video/channels/{ch.gb_id}/")
    with translation.override("en"):
        assert events.render(off)["title"] == f"Camera {ch.name} went offline"
    health.sweep(runner=prober, now=now + timedelta(minutes=2))  # still offline: no new line
    del prober.failing[ch.pk]
    health.sweep(runner=prober, now=now + timedelta(minutes=3))
    assert ScreenEvent.objects.filter(kind="camera_online").count() == 2


def test_lines_older_than_the_setting_are_pruned(db, settings):
    settings.CITYOPS_SCREEN_EVENT_DAYS = 7
    now = timezone.now()
    old = events.emit("case_new", title="x", at=now - timedelta(days=8))
    kept = events.emit("case_new", title="y", at=now - timedelta(days=6))
    assert events.prune(now=now) == 1
    assert list(ScreenEvent.objects.values_list("id", flat=True)) == [kept.id]
    assert old.id < kept.id


def test_a_bad_kind_or_severity_is_refused(db):
    with pytest.raises(ValueError, match="kind"):
        events.emit("nonsense", title="x")
    with pytest.raises(ValueError, match="severity"):
        events.emit("case_new", title="x", severity="apocalyptic")
