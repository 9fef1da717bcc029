"""What an alert does with cases: the snapshot becomes the case's photo, duplicates within the kind's
window join the first, a refused intake is tried again, and the case's closing shows on the alert."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.cases.models import Attachment, Case, PatrolItem
from cityops.core.cache import invalidate_all
from cityops.video import alerts
from cityops.video.models import Alert, AlertKind
from tests.video.alerting import alerting_fixture, b64, event, jpeg, post  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_default_kinds_are_seeded_once_with_the_items_that_exist(alerting):
    kinds = dict(AlertKind.objects.values_list("code", "item_code"))
    assert len(kinds) == 10
    assert kinds["no_hat"] == kinds["no_mask"] == kinds["phone"] == "SJ090302"
    assert kinds["rodent"] == "SJ160202" and kinds["illegal_parking"] == "SJ041201"
    assert kinds["smoking"] == kinds["bin_overflow"] == ""  # not in this test's catalogue
    assert AlertKind.objects.get(code="no_hat").name == "未戴厨师帽"
    assert alerts.alert_kinds_seed() == 0  # idempotent


def test_the_snapshot_becomes_the_case_photo(client, alerting):
    picture = jpeg(colour=(10, 200, 10))
    post(client, event(alerting["cook"], snapshot_base64=b64(picture)))
    case = Case.objects.get()
    photo = Attachment.objects.get(case=case)
    assert photo.content_type == "image/jpeg"
    with photo.file.open("rb") as f:
        assert f.read() == picture


def test_a_second_alert_within_the_window_joins_the_first(client, alerting):
    post(client, event(alerting["cook"], "e-1", at="2026-03-02T09:00:00+08:00"))
    post(client, event(alerting["cook"], "e-2", at="2026-03-02T09:20:00+08:00"))  # within 30 min
    first, second = Alert.objects.order_by("id")
    assert (first.status, second.status) == ("case_opened", "duplicate")
    assert second.duplicate_of == first and second.case_number == first.case_number
    assert second.note == f"30 分钟内同一通道同类告警，并入告警 {first.pk}"
    assert Case.objects.count() == 1


def test_after_the_window_or_on_another_channel_or_kind_it_stands_alone(client, alerting):
    post(client, event(alerting["cook"], "e-1", at="2026-03-02T09:00:00+08:00"))
    post(client, event(alerting["cook"], "e-2", at="2026-03-02T09:31:00+08:00"))  # after the window
    post(client, event(alerting["cold"], "e-3", at="2026-03-02T09:05:00+08:00"))  # another channel
    post(client, event(alerting["cook"], "e-4", kind="rodent", at="2026-03-02T09:05:00+08:00"))
    assert list(Alert.objects.order_by("id").values_list("status", flat=True)) == ["case_opened"] * 4
    assert Alert.objects.filter(duplicate_of__isnull=False).count() == 0


def test_a_low_confidence_alert_does_not_hold_back_the_next(client, alerting):
    post(client, event(alerting["cook"], "e-1", confidence=0.2, at="2026-03-02T09:00:00+08:00"))
    post(client, event(alerting["cook"], "e-2", at="2026-03-02T09:05:00+08:00"))
    assert list(Alert.objects.order_by("id").values_list("status", flat=True)) == ["no_case", "case_opened"]


def set_item_active(code: str, active: bool) -> None:
    PatrolItem.objects.filter(code=code).update(active=active, updated_at=timezone.now())
    invalidate_all()


def test_a_refused_intake_is_kept_and_tried_again(client, alerting):
    set_item_active("SJ090302", False)
    response = post(client, event(alerting["cook"], snapshot_base64=b64(jpeg())))
    assert response.status_code == 201 and response.json()["status"] == "case_failed"
    alert = Alert.objects.get()
    assert alert.note == (
        "未能立案（SJ090302）：there is no active patrol item with code 'SJ090302'（第 1 次尝试，1 分钟后重试）"
    )
    assert alerts.alerts_retry_cases(now=alert.case_retry_at - timedelta(seconds=1)) == 0
    set_item_active("SJ090302", True)
    assert alerts.alerts_retry_cases(now=alert.case_retry_at) == 1
    assert alerts.alerts_retry_cases(now=alert.case_retry_at + timedelta(hours=2)) == 0  # idempotent
    alert.refresh_from_db()
    case = Case.objects.get()
    assert (alert.status, alert.case_id, alert.case_attempts) == ("case_opened", case.pk, 2)
    assert alert.note == f"已立案 {case.number}（第 2 次尝试）"
    assert Attachment.objects.filter(case=case).count() == 1  # the snapshot, read back from storage


def test_retries_back_off_and_stop_after_five_attempts(client, alerting):
    set_item_active("SJ090302", False)
    post(client, event(alerting["cook"]))
    alert = Alert.objects.get()
    for attempt in range(2, 6):
        alerts.alerts_retry_cases(now=alert.case_retry_at)
        alert.refresh_from_db()
        assert alert.case_attempts == attempt
    assert alert.case_retry_at is None and alert.note.endswith("（第 5 次尝试，不再自动重试，请人工立案）")


def test_a_failed_alert_suppresses_duplicates_while_it_retries(client, alerting):
    set_item_active("SJ090302", False)
    post(client, event(alerting["cook"], "e-1"))
    post(client, event(alerting["cook"], "e-2"))
    assert list(Alert.objects.order_by("id").values_list("status", flat=True)) == ["case_failed", "duplicate"]


def test_the_case_closing_is_visible_on_the_alert(client, alerting):
    post(client, event(alerting["cook"]))
    alert = Alert.objects.get()
    assert alerts.alerts_follow_cases() == 0  # still open
    Case.objects.filter(pk=alert.case_id).update(status="closed", closed_at=timezone.now())
    assert alerts.alerts_follow_cases() == 1
    assert alerts.alerts_follow_cases() == 0
    alert.refresh_from_db()
    assert (alert.status, alert.note) == ("case_closed", f"案件 {alert.case_number} 已结案")


def test_the_jobs_run_the_services(client, alerting):
    from cityops.video import tasks

    post(client, event(alerting["cook"]))
    Case.objects.update(status="closed", closed_at=timezone.now())
    assert tasks.alert_follow() == "alerts whose case closed 1"
    assert tasks.alert_cases() == ""
