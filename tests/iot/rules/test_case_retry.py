"""An alarm whose case failed to open: the watcher tries again after 1, 5, 15 and 60 minutes, stops
when the alarm clears or after the fifth attempt, records each attempt on the alarm, and never opens
two cases for one alarm, also with two watchers at once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from cityops.cases.models import Case, PatrolItem
from cityops.core.cache import invalidate_all
from cityops.iot import alarms
from cityops.iot.models import Alarm, AlarmComment
from tests.iot.rules.conftest import T0, alarms_of, feed

MIN = timedelta(minutes=1)


def set_item_active(active: bool) -> None:
    PatrolItem.objects.filter(code="BJ010302").update(active=active, updated_at=timezone.now())
    invalidate_all()  # the intake's catalogue cache would see it within seconds; a test cannot wait


def failed_alarm(device) -> Alarm:
    """The cover-open alarm of ``device``, whose case was refused (its item switched off)."""
    set_item_active(False)
    feed(device, {"cover_open": 1}, T0)
    return alarms_of(device, "cover-open").get()


def notes(alarm) -> list[str]:
    return list(
        AlarmComment.objects.filter(alarm=alarm, author=None).order_by("id").values_list("text", flat=True)
    )


@pytest.mark.django_db
def test_a_refused_case_is_counted_and_scheduled(devices):
    before = timezone.now()
    alarm = failed_alarm(devices["manhole"])
    assert (alarm.case_id, alarm.case_attempts) == (None, 1)
    assert before + MIN <= alarm.case_retry_at <= timezone.now() + MIN
    (note,) = notes(alarm)
    assert note.startswith("未能立案（BJ010302）：there is no active patrol item with code 'BJ010302'")
    assert note.endswith("（第 1 次尝试，1 分钟后重试）")


@pytest.mark.django_db
def test_the_sweep_opens_the_case_once_when_due(devices):
    alarm = failed_alarm(devices["manhole"])
    set_item_active(True)
    assert alarms.alarms_retry_cases(now=alarm.case_retry_at - timedelta(seconds=1)) == 0  # not yet due
    assert not Case.objects.exists()
    assert alarms.alarms_retry_cases(now=alarm.case_retry_at) == 1
    assert alarms.alarms_retry_cases(now=alarm.case_retry_at + 60 * MIN) == 0  # idempotent
    alarm.refresh_from_db()
    case = Case.objects.get()
    assert (alarm.case_id, alarm.case_number, alarm.case_attempts, alarm.case_retry_at) == (
        case.pk,
        case.number,
        2,
        None,
    )
    assert case.item.code == "BJ010302" and case.report_set.get().external_ref == f"iot-alarm-{alarm.pk}"
    assert notes(alarm)[-1] == f"已立案 {case.number}（第 2 次尝试）"


@pytest.mark.django_db
def test_backoff_then_giving_up_after_five_attempts(devices):
    alarm = failed_alarm(devices["manhole"])
    now = alarm.case_retry_at
    for attempt, wait in [(2, 5), (3, 15), (4, 60)]:
        assert alarms.alarms_retry_cases(now=now) == 0
        alarm.refresh_from_db()
        assert (alarm.case_attempts, alarm.case_retry_at) == (attempt, now + wait * MIN)
        assert notes(alarm)[-1].endswith(f"（第 {attempt} 次尝试，{wait} 分钟后重试）")
        assert alarms.alarms_retry_cases(now=now + (wait - 1) * MIN) == 0  # nothing before its time
        assert alarm.comments.count() == attempt
        now += wait * MIN
    assert alarms.alarms_retry_cases(now=now) == 0
    alarm.refresh_from_db()
    assert (alarm.case_attempts, alarm.case_retry_at) == (5, None)
    assert notes(alarm)[-1].endswith("（第 5 次尝试，不再自动重试，请人工立案）")
    set_item_active(True)
    assert alarms.alarms_retry_cases(now=now + 24 * 60 * MIN) == 0  # given up: a person opens it
    assert not Case.objects.exists() and alarm.comments.count() == 5


@pytest.mark.django_db
def test_a_cleared_alarm_is_not_retried_and_says_so(devices):
    alarm = failed_alarm(devices["manhole"])
    feed(devices["manhole"], {"cover_open": 0}, T0 + MIN)  # closed again: the rule clears the alarm
    set_item_active(True)
    assert alarms.alarms_retry_cases(now=alarm.case_retry_at) == 0
    assert alarms.alarms_retry_cases(now=alarm.case_retry_at) == 0
    alarm.refresh_from_db()
    assert (alarm.status, alarm.case_id, alarm.case_retry_at, alarm.case_attempts) == (
        "cleared",
        None,
        None,
        1,
    )
    assert notes(alarm)[-1] == "告警已解除，停止重试立案（已尝试 1 次）"
    assert notes(alarm).count(notes(alarm)[-1]) == 1 and not Case.objects.exists()


@pytest.mark.django_db
def test_a_stale_claim_opens_nothing(devices):
    """Two watchers read the same due alarm; the second claims after the first: it finds nothing."""
    alarm = failed_alarm(devices["manhole"])
    set_item_active(True)
    now = alarm.case_retry_at
    assert alarms._retry_case(alarm.pk, 1, now) is True
    assert alarms._retry_case(alarm.pk, 1, now) is False
    assert Case.objects.count() == 1
    assert sum(n.startswith("已立案") for n in notes(alarm)) == 1


@pytest.mark.django_db
def test_a_crashing_attempt_counts_and_does_not_hold_back_the_others(devices, monkeypatch):
    first = failed_alarm(devices["manhole"])
    set_item_active(True)
    real = alarms.intake_alarm

    def flaky(**kwargs):
        if kwargs["source_ref"] == f"iot-alarm-{first.pk}":
            raise RuntimeError("boom")
        return real(**kwargs)

    monkeypatch.setattr(alarms, "intake_alarm", flaky)
    second = failed_alarm_of_bin(devices["bin"])
    # the bin's case opens, although the cover's attempt crashed before it
    assert alarms.alarms_retry_cases(now=timezone.now() + 2 * MIN) == 1
    first.refresh_from_db()
    assert (first.case_id, first.case_attempts) == (None, 2)
    assert notes(first)[-1] == "未能立案（BJ010302）：内部错误（RuntimeError）（第 2 次尝试，5 分钟后重试）"
    second.refresh_from_db()
    assert second.case_id is not None


def failed_alarm_of_bin(device) -> Alarm:
    PatrolItem.objects.filter(code="BJ030103").update(active=False, updated_at=timezone.now())
    invalidate_all()
    feed(device, {"fill_level": 0.97}, T0)
    PatrolItem.objects.filter(code="BJ030103").update(active=True, updated_at=timezone.now())
    invalidate_all()
    alarm = alarms_of(device).get()
    assert alarm.case_attempts == 1 and alarm.case_id is None
    return alarm


@pytest.mark.django_db
def test_the_watch_command_retries(devices):
    from django.core.management import call_command

    alarm = failed_alarm(devices["manhole"])
    set_item_active(True)
    Alarm.objects.filter(pk=alarm.pk).update(case_retry_at=timezone.now() - MIN)
    call_command("iot-watch", "--once")
    call_command("iot-watch", "--once")
    alarm.refresh_from_db()
    assert alarm.case_number and Case.objects.count() == 1


@pytest.mark.django_db
def test_the_alarm_page_tells_the_attempts(client, world, devices):
    alarm = failed_alarm(devices["manhole"])
    client.force_login(world["officer"])
    html = client.get(f"/iot/alarms/{alarm.pk}/").content.decode()
    at = timezone.localtime(alarm.case_retry_at).strftime("%m-%d %H:%M")
    assert f"立案已失败 1 次，将于 {at} 再次尝试。" in html
    Alarm.objects.filter(pk=alarm.pk).update(case_retry_at=None, case_attempts=5)
    html = client.get(f"/iot/alarms/{alarm.pk}/").content.decode()
    assert "立案已失败 5 次，不再自动重试，请人工立案。" in html


@pytest.mark.django_db(transaction=True)
def test_two_watchers_at_once_open_one_case(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises the two transactions before they can race")
    from tests.iot.rules.conftest import add_device, race_town

    race_town()
    alarm = failed_alarm(add_device("MH-RACE", "manhole", 2))
    set_item_active(True)
    # both watchers have read the due alarm (with the same attempt count) before either claims it
    barrier = threading.Barrier(2, timeout=30)
    real = alarms._retry_case

    def claim_together(alarm_id, seen, now):
        barrier.wait()
        return real(alarm_id, seen, now)

    monkeypatch.setattr(alarms, "_retry_case", claim_together)
    opened, errors = [], []

    def watcher():
        try:
            opened.append(alarms.alarms_retry_cases(now=alarm.case_retry_at))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=watcher) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(opened) == [0, 1]
    alarm.refresh_from_db()
    case = Case.objects.get()  # one case, and one report on it: the loser did not join it either
    assert alarm.case_id == case.pk and case.report_set.count() == 1
    assert alarm.case_attempts == 2
    assert [n for n in notes(alarm) if not n.startswith("未能立案")] == [
        f"已立案 {case.number}（第 2 次尝试）"
    ]
