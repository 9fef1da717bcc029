"""Alarm lifecycle: dedup (also under concurrency), debounce, acknowledge/clear/comment permissions
and scope, alarm → case → case closed, and an alarm cleared before dispatch noted on the case."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections

from cityops.cases.models import Case, CaseEvent
from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.iot import alarms
from cityops.iot.models import Alarm, AlarmComment, Rule
from tests.iot.rules.conftest import T0, alarms_of, feed

M = timedelta(minutes=1)


def _info(device):
    return alarms.device_infos([device.pk])[device.pk]


def _compiled(type_code: str, code: str):
    from cityops.iot.rule_cache import rule_sets

    rule = Rule.objects.get(device_type__code=type_code, code=code, device__isnull=True)
    return rule_sets()[rule.device_type_id].base[code]


@pytest.mark.django_db
def test_a_losing_insert_updates_the_active_alarm(devices):
    """The evaluator did not know of the active alarm (another worker raised it): no error, one alarm."""
    rule, info = _compiled("smoke", "smoke-alarm"), _info(devices["smoke"])
    first = alarms.raise_alarm(rule, info, "critical", 1.0, T0, "烟雾报警")
    second = alarms.raise_alarm(rule, info, "critical", 1.0, T0 + M, "烟雾报警")
    assert first is not None and second is None
    alarm = Alarm.objects.get()
    assert (alarm.trigger_count, alarm.last_seen_at) == (2, T0 + M)


@pytest.mark.django_db(transaction=True)
def test_two_workers_raising_the_same_alarm_make_one(django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises the two transactions before they can race")
    from django.db import transaction

    from tests.iot.rules.conftest import add_device, race_town

    race_town()
    smoke = add_device("SM-RACE", "smoke", 6)
    rule, info = _compiled("smoke", "smoke-alarm"), _info(smoke)
    barrier = threading.Barrier(2)
    errors = []

    def worker(n):
        try:
            with transaction.atomic():
                barrier.wait()
                alarms.raise_alarm(rule, info, "critical", 1.0, T0 + n * M, "烟雾报警")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    alarm = Alarm.objects.get()
    assert alarm.status == "active" and alarm.trigger_count == 2


@pytest.mark.django_db
def test_debounce_holds_back_a_re_raise_unless_more_severe(devices, settings):
    settings.CITYOPS_IOT_ALARM_QUIET_S = 600
    bin_ = devices["bin"]
    feed(bin_, {"fill_level": 0.85}, T0)
    feed(bin_, {"fill_level": 0.1}, T0 + M)  # emptied: cleared
    feed(bin_, {"fill_level": 0.85}, T0 + 3 * M)  # within 10 min of the clear, not more severe
    assert list(alarms_of(bin_).values_list("status", flat=True)) == ["cleared"]
    feed(bin_, {"fill_level": 0.97}, T0 + 4 * M)  # more severe: raised at once
    assert list(alarms_of(bin_).values_list("status", "severity")) == [
        ("cleared", "warning"),
        ("active", "major"),
    ]


@pytest.mark.django_db
def test_a_condition_outlasting_the_quiet_period_raises_again(devices, settings):
    settings.CITYOPS_IOT_ALARM_QUIET_S = 300
    bin_ = devices["bin4"]
    feed(bin_, {"fill_level": 0.85}, T0)
    feed(bin_, {"fill_level": 0.1}, T0 + M)
    feed(bin_, {"fill_level": 0.85}, T0 + 2 * M)
    feed(bin_, {"fill_level": 0.86}, T0 + 7 * M)
    assert list(alarms_of(bin_).values_list("status", flat=True)) == ["cleared", "active"]


@pytest.fixture
def bin_alarm(devices):
    """An active warning alarm of the bin in grid G1 (village V1)."""
    feed(devices["bin"], {"fill_level": 0.85}, T0)
    return alarms_of(devices["bin"]).get()


@pytest.mark.django_db
def test_acknowledge_clear_comment_in_scope(bin_alarm, world):
    d = world["dispatcher_v1"]
    alarms.alarm_acknowledge(alarm_id=bin_alarm.pk, by=d, note="已通知环卫")
    with pytest.raises(Conflict):
        alarms.alarm_acknowledge(alarm_id=bin_alarm.pk, by=d)
    alarms.alarm_comment(alarm_id=bin_alarm.pk, by=d, text="清运车已出发")
    alarms.alarm_clear(alarm_id=bin_alarm.pk, by=d, note="已清运")
    bin_alarm.refresh_from_db()
    assert bin_alarm.acknowledged_by == d and bin_alarm.cleared_by == d and bin_alarm.status == "cleared"
    texts = list(AlarmComment.objects.filter(alarm=bin_alarm).values_list("text", flat=True))
    assert texts == ["已通知环卫", "清运车已出发", "已清运"]
    with pytest.raises(Conflict):
        alarms.alarm_clear(alarm_id=bin_alarm.pk, by=d)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "error"),
    [("dispatcher_v4", NotFound), ("inspector_g1", NotFound), ("resident", NotFound), ("steward", Forbidden)],
)
def test_alarm_actions_outside_scope_or_role(bin_alarm, world, who, error):
    user = world[who]
    for act in (
        lambda: alarms.alarm_acknowledge(alarm_id=bin_alarm.pk, by=user),
        lambda: alarms.alarm_clear(alarm_id=bin_alarm.pk, by=user),
        lambda: alarms.alarm_comment(alarm_id=bin_alarm.pk, by=user, text="x"),
    ):
        with pytest.raises(error):
            act()
    bin_alarm.refresh_from_db()
    assert bin_alarm.status == "active" and bin_alarm.acknowledged_at is None
    assert not AlarmComment.objects.filter(alarm=bin_alarm, author__isnull=False).exists()


@pytest.mark.django_db
def test_an_empty_comment_is_refused(bin_alarm, world):
    with pytest.raises(ValidationFailed):
        alarms.alarm_comment(alarm_id=bin_alarm.pk, by=world["officer"], text="  ")


@pytest.mark.django_db
def test_a_village_dispatcher_sees_only_her_village(bin_alarm, devices, world):
    from cityops.iot.selectors import alarm_list

    feed(devices["bin4"], {"fill_level": 0.9}, T0)
    assert [a.device.code for a in alarm_list(user=world["dispatcher_v1"])] == ["BIN-G1"]
    assert [a.device.code for a in alarm_list(user=world["dispatcher_v4"])] == ["BIN-G7"]
    assert alarm_list(user=world["officer"]).count() == 2
    assert alarm_list(user=world["inspector_g1"]).count() == 0


# ---- alarm → case ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_alarm_opens_a_case_when_it_reaches_the_case_severity(devices):
    bin_ = devices["bin"]
    feed(bin_, {"fill_level": 0.85}, T0)  # warning: the bin rule opens cases at major
    alarm = alarms_of(bin_).get()
    assert alarm.case_id is None and not Case.objects.exists()
    feed(bin_, {"fill_level": 0.96}, T0 + M)
    alarm.refresh_from_db()
    case = Case.objects.get()
    assert (alarm.case_id, alarm.case_number, alarm.case_status) == (case.pk, case.number, "reported")
    assert case.channel == "iot" and case.item.code == "BJ030103" and case.grid.code == "G1"
    assert case.report_set.get().external_ref == f"iot-alarm-{alarm.pk}"


@pytest.mark.django_db
def test_case_closed_is_shown_on_the_alarm(devices):
    feed(devices["manhole"], {"cover_open": 1}, T0)
    alarm = alarms_of(devices["manhole"], "cover-open").get()
    assert alarm.case_number and alarm.severity == "critical"
    assert alarms.alarms_follow_cases() == 0
    Case.objects.filter(pk=alarm.case_id).update(status="dispatched", dispatched_at=T0 + M)
    assert alarms.alarms_follow_cases() == 1
    Case.objects.filter(pk=alarm.case_id).update(status="closed", closed_at=T0 + 60 * M)
    assert alarms.alarms_follow_cases() == 1
    assert alarms.alarms_follow_cases() == 0  # idempotent
    alarm.refresh_from_db()
    assert alarm.case_status == "closed"
    assert (
        AlarmComment.objects.filter(alarm=alarm, author=None, text=f"案件 {alarm.case_number} 已结案").count()
        == 1
    )


@pytest.mark.django_db
def test_an_alarm_cleared_before_dispatch_is_noted_on_the_case(devices):
    mh = devices["manhole"]
    feed(mh, {"cover_open": 1}, T0)
    feed(mh, {"cover_open": 0}, T0 + M)
    alarm = alarms_of(mh, "cover-open").get()
    assert alarm.status == "cleared"
    note = CaseEvent.objects.get(case_id=alarm.case_id, action="source_note")
    assert "告警已解除" in note.note and note.actor_name == "iot" and note.data["alarm"] == alarm.pk
    assert note.from_status == note.to_status == "reported"


@pytest.mark.django_db
def test_an_alarm_cleared_after_dispatch_leaves_the_case_alone(devices):
    mh = devices["manhole"]
    feed(mh, {"cover_open": 1}, T0)
    alarm = alarms_of(mh, "cover-open").get()
    Case.objects.filter(pk=alarm.case_id).update(status="dispatched", dispatched_at=T0)
    feed(mh, {"cover_open": 0}, T0 + M)
    assert not CaseEvent.objects.filter(case_id=alarm.case_id, action="source_note").exists()


@pytest.mark.django_db
def test_a_refused_case_is_noted_on_the_alarm_and_the_alarm_stands(devices):
    from cityops.cases.models import PatrolItem

    PatrolItem.objects.filter(code="BJ010302").update(active=False)
    feed(devices["manhole"], {"cover_open": 1}, T0)
    alarm = alarms_of(devices["manhole"], "cover-open").get()
    assert alarm.status == "active" and alarm.case_id is None and not Case.objects.exists()
    assert "未能立案" in alarm.comments.get().text


@pytest.mark.django_db
def test_the_watch_command_sweeps_and_follows(devices):
    from django.core.management import call_command

    from cityops.iot.models import Device

    Device.objects.filter(pk=devices["bin"].pk).update(last_seen_at=T0 - timedelta(days=1))
    call_command("iot-watch", "--once")
    call_command("iot-watch", "--once")
    assert alarms_of(devices["bin"], "offline").count() == 1
