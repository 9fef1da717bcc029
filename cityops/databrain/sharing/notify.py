"""Who is told about a sharing request: the same in-app inbox the case workflow writes to."""

from django.db.models import Q

from cityops.accounts.models import User
from cityops.accounts.roles import Role
from cityops.cases.models import Notification

KIND = "databrain.share"


def _send(users, text: str) -> int:
    seen, rows = set(), []
    for u in users:
        if u.pk not in seen:
            seen.add(u.pk)
            rows.append(Notification(user=u, kind=KIND, text=text[:300]))
    Notification.objects.bulk_create(rows)
    return len(rows)


def providers(resource):
    """The provider department's staff who decide its requests."""
    return User.objects.filter(
        role=Role.DEPARTMENT_HANDLER, departments=resource.provider_id, is_active=True
    ).distinct()


def stewards():
    return User.objects.filter(Q(role=Role.DATA_STEWARD), is_active=True)


def notify_providers(req, text: str) -> int:
    """The provider's deciders; the data stewards when the department has none."""
    users = list(providers(req.resource)) or list(stewards())
    return _send(users, text)


def notify_escalation(req, text: str) -> int:
    """An overdue request goes up to the data stewards, and the provider is told again."""
    return _send([*stewards(), *providers(req.resource)], text)


def notify_requester(req, text: str) -> int:
    return _send([req.requested_by] if req.requested_by_id else [], text)
