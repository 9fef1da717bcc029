"""Who is told about a case event: the in-app inbox and the departments' webhooks (an outbox)."""

from django.db.models import Q
from django.utils import timezone

from cityops.accounts.models import User
from cityops.accounts.roles import Role
from cityops.cases import public
from cityops.cases.models import Case, CaseEvent, DepartmentWebhook, Notification, WebhookDelivery


def _dispatchers(case: Case, level: int):
    """Dispatchers (and duty officers) of the workstation at ``level``: 0 village, 1 area, 2 town."""
    if level >= 2:
        return User.objects.filter(role=Role.DUTY_OFFICER, scope_level="town", is_active=True)
    if level == 1:
        return User.objects.filter(
            Q(role=Role.DISPATCHER) | Q(role=Role.DUTY_OFFICER),
            scope_level="area",
            scope_area_id=case.area_id,
            is_active=True,
        )
    return User.objects.filter(role=Role.DISPATCHER, scope_village_id=case.village_id, is_active=True)


def _handlers(case: Case):
    return User.objects.filter(role=Role.DEPARTMENT_HANDLER, departments=case.department_id, is_active=True)


def recipients(case: Case, event: CaseEvent) -> list[User]:
    action = event.action
    if action in ("report", "return", "request_extension", "verify"):
        users = list(_dispatchers(case, case.escalation))
    elif action in ("dispatch", "approve_extension", "reject_extension", "recheck_fail"):
        users = list(_handlers(case))
    elif action in ("send_to_verify", "dispose"):
        users = [case.assignee] if case.assignee_id else []
    elif action == "supervise":
        users = list(_dispatchers(case, 0)) + list(_handlers(case))
    elif action == "escalate":
        users = list(_dispatchers(case, case.escalation))
    elif action in ("recheck_pass", "approve_on_the_spot", "cancel"):
        users = [case.reporter] if case.reporter_id else []
    else:
        users = []
    actor = event.actor_id
    seen, out = set(), []
    for u in users:
        if u is not None and u.pk != actor and u.pk not in seen:
            seen.add(u.pk)
            out.append(u)
    return out


class Pending:
    """Who is to be told of an event, read before the text exists: ``send`` writes the rows."""

    def __init__(self, case: Case, event: CaseEvent):
        self.case, self.event = case, event
        self.users = recipients(case, event)
        self.hooks = list(DepartmentWebhook.objects.filter(department_id=case.department_id, active=True))

    def send(self, text: str) -> None:
        case, event = self.case, self.event
        if self.users:
            Notification.objects.bulk_create(
                [Notification(user=u, case=case, kind=event.action, text=text[:300]) for u in self.users]
            )
        if self.hooks:
            payload = {
                "event": event.action,
                "case": case.number,
                "status": case.status,
                "item": case.item.code,
                "grid": case.grid.code,
                "at": event.at.isoformat(),
                # the receiver is outside cityops: a fixed text, never the event's free-text note
                "status_note": public.status_note(case.status),
            }
            now = timezone.now()
            WebhookDelivery.objects.bulk_create(
                [
                    WebhookDelivery(webhook=h, event=event, payload=payload, next_attempt_at=now)
                    for h in self.hooks
                ]
            )


def notify(case: Case, event: CaseEvent, text: str) -> None:
    """Inbox rows for the people concerned, and an outbox row per active department webhook."""
    Pending(case, event).send(text)


ACCOUNT_NOTICE = "accounts.notice"


def account_notice(users, text: str) -> None:
    """An access review's notice (a dormant account, the accounts to be disabled) in each user's inbox."""
    Notification.objects.bulk_create(
        [
            Notification(user=u, kind=ACCOUNT_NOTICE, text=text[:300])
            for u in {u.pk: u for u in users}.values()
        ]
    )
