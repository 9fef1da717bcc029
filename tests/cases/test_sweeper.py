"""Escalation is recomputed from rows: overdue cases rise village → area → town, once each."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cityops.cases.choices import Channel
from cityops.cases.intake import IntakeIn, Reporter, case_intake
from cityops.cases.models import Case, CaseEvent, DepartmentWebhook, Notification, WebhookDelivery
from cityops.cases.services import ActionIn, case_transition
from cityops.cases.sweeper import sweep
from cityops.cases.webhooks import deliver_due, signature
from tests.builders import grid_centre

pytestmark = pytest.mark.django_db


def new_case(users):
    lon, lat = grid_centre(1)
    data = IntakeIn(
        channel=Channel.PATROL,
        item_code="E-GARBAGE",
        lon=lon,
        lat=lat,
        reporter=Reporter(user=users["inspector_g1"]),
    )
    return case_intake(data, by=users["inspector_g1"]).case


def test_overdue_cases_escalate_once_per_level(catalogue):
    users = catalogue
    case = new_case(users)
    assert sweep().escalated == 0
    deadline = case.step_deadline
    just_after = deadline + timedelta(minutes=1)
    assert sweep(now=just_after).escalated == 1
    case.refresh_from_db()
    assert case.escalation == 1 and case.workstation.code == "WA1"
    assert sweep(now=just_after).escalated == 0  # idempotent
    assert Notification.objects.filter(user=users["area_dispatcher"], kind="escalate").exists()
    much_later = deadline + timedelta(days=10)
    assert sweep(now=much_later).escalated == 1
    case.refresh_from_db()
    assert case.escalation == 2 and case.workstation.code == "W0"
    assert Notification.objects.filter(user=users["officer"], kind="escalate").exists()
    assert list(
        CaseEvent.objects.filter(case=case, action="escalate").values_list("data__level", flat=True)
    ) == [1, 2]


def test_a_long_overdue_case_goes_straight_to_the_town(catalogue):
    case = new_case(catalogue)
    sweep(now=case.step_deadline + timedelta(days=30))
    case.refresh_from_db()
    assert case.escalation == 2


def test_held_and_closed_cases_do_not_escalate(catalogue):
    users = catalogue
    case = new_case(users)
    case_transition(case_id=case.pk, by=users["dispatcher_v1"], data=ActionIn(action="cancel", note="误报"))
    assert sweep(now=timezone.now() + timedelta(days=30)).checked == 0


def test_the_worker_command_runs_a_round(catalogue, capsys):
    case = new_case(catalogue)
    Case.objects.filter(pk=case.pk).update(step_deadline=timezone.now() - timedelta(days=30))
    call_command("cases-worker", "--once")
    case.refresh_from_db()
    assert case.escalation == 2
    assert "escalated 1 of 1 overdue" in capsys.readouterr().out


def test_webhooks_are_signed_retried_and_never_lost(catalogue):
    from cityops.org.models import Department

    hook = DepartmentWebhook.objects.create(
        department=Department.objects.get(code="D-CG"), url="http://127.0.0.1:9/hook", secret="s3cret"
    )
    case = new_case(catalogue)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert delivery.payload["case"] == case.number and delivery.payload["event"] == "report"

    calls = []

    def failing(url, body, headers):
        calls.append((url, body, headers))
        raise OSError("connection refused")

    assert deliver_due(send=failing) == (0, 1)
    delivery.refresh_from_db()
    assert delivery.state == "pending" and delivery.attempts == 1 and "refused" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()
    assert deliver_due(send=failing) == (0, 0)  # not due yet

    def ok(url, body, headers):
        calls.append((url, body, headers))

    assert deliver_due(send=ok, now=delivery.next_attempt_at + timedelta(seconds=1)) == (1, 0)
    delivery.refresh_from_db()
    assert delivery.state == "sent" and delivery.attempts == 2
    _, body, headers = calls[-1]
    assert headers["X-Cityops-Signature"] == signature("s3cret", headers["X-Cityops-Timestamp"], body)


def test_a_webhook_gives_up_after_the_last_attempt(catalogue):
    from cityops.cases import webhooks
    from cityops.org.models import Department

    DepartmentWebhook.objects.create(
        department=Department.objects.get(code="D-CG"), url="http://127.0.0.1:9/", secret="x"
    )
    new_case(catalogue)
    now = timezone.now()
    for _ in range(webhooks.MAX_ATTEMPTS):
        now += timedelta(days=1)
        deliver_due(send=lambda *a: (_ for _ in ()).throw(OSError("down")), now=now)
    d = WebhookDelivery.objects.get()
    assert d.state == "failed" and d.attempts == webhooks.MAX_ATTEMPTS
