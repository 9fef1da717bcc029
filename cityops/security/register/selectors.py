"""Every read of the register and the terminals, each taking the acting user (``security.view``)."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from cityops.core.errors import NotFound
from cityops.security.choices import AgentStatus, DueState, SystemStatus
from cityops.security.models import InfoSystem, Terminal
from cityops.security.register import rules

VIEW = "security.view"


@dataclass(frozen=True)
class SystemFilter:
    level: int | None = None
    exposure: str = ""
    personal_data: bool | None = None
    due: str = ""  # a DueState
    owner: str = ""  # a department code
    status: str = ""
    q: str = ""


def _due_filter(state: str) -> Q:
    today = timezone.localdate()
    soon = today + timedelta(days=rules.warn_days())
    return {
        DueState.OVERDUE: Q(next_due_on__lt=today),
        DueState.DUE_SOON: Q(next_due_on__gte=today, next_due_on__lte=soon),
        DueState.CURRENT: Q(next_due_on__gt=soon),
        DueState.NOT_SET: Q(next_due_on__isnull=True),
    }.get(state, Q())


def system_list(*, user, filters: SystemFilter | None = None):
    """Systems in the register the user may see, by code."""
    f = filters or SystemFilter()
    qs = InfoSystem.objects.restrict(user, VIEW).select_related("owner")
    if f.level:
        qs = qs.filter(level=f.level)
    if f.exposure:
        qs = qs.filter(exposure=f.exposure)
    if f.personal_data is not None:
        qs = qs.filter(personal_data=f.personal_data)
    if f.owner:
        qs = qs.filter(owner__code=f.owner)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.due:
        qs = qs.filter(_due_filter(f.due)).exclude(status=SystemStatus.RETIRED)
    if f.q:
        qs = qs.filter(Q(code__icontains=f.q) | Q(name__icontains=f.q) | Q(filing_number__icontains=f.q))
    return qs.order_by("code")


def system_get(*, user, code: str) -> InfoSystem:
    system = (
        InfoSystem.objects.restrict(user, VIEW)
        .select_related("owner")
        .prefetch_related("contacts")
        .filter(code=code)
        .first()
    )
    if system is None:
        raise NotFound(f"No such system: {code}.")
    return system


def due_counts(*, user) -> dict[str, int]:
    """Systems in service (or being built) by where they stand against their next assessment."""
    live = InfoSystem.objects.restrict(user, VIEW).exclude(status=SystemStatus.RETIRED)
    return {s.value: live.filter(_due_filter(s.value)).count() for s in DueState}


def due_attention(*, user):
    """Systems overdue or due soon, soonest first (for the pages' attention strip)."""
    today = timezone.localdate()
    soon = today + timedelta(days=rules.warn_days())
    return (
        InfoSystem.objects.restrict(user, VIEW)
        .exclude(status=SystemStatus.RETIRED)
        .filter(next_due_on__lte=soon)
        .order_by("next_due_on", "code")[:20]
    )


# ---- terminals ------------------------------------------------------------------------------------


def offline_before():
    """A terminal whose agent last reported before this moment (or never) is offline."""
    return timezone.now() - timedelta(days=settings.CITYOPS_SECURITY_OFFLINE_DAYS)


def offline_q() -> Q:
    return Q(last_heartbeat_at__lt=offline_before()) | Q(last_heartbeat_at__isnull=True)


def unprotected_q() -> Q:
    return ~Q(agent_status=AgentStatus.PROTECTED)


@dataclass(frozen=True)
class TerminalFilter:
    problem: str = ""  # "offline", "unprotected", "any" (either) or "" for all
    department: str = ""
    agent_status: str = ""
    q: str = ""


def terminal_list(*, user, filters: TerminalFilter | None = None):
    f = filters or TerminalFilter()
    qs = Terminal.objects.restrict(user, VIEW).select_related("department")
    if f.problem == "offline":
        qs = qs.filter(offline_q())
    elif f.problem == "unprotected":
        qs = qs.filter(unprotected_q())
    elif f.problem == "any":
        qs = qs.filter(offline_q() | unprotected_q())
    if f.department:
        qs = qs.filter(department__code=f.department)
    if f.agent_status:
        qs = qs.filter(agent_status=f.agent_status)
    if f.q:
        qs = qs.filter(Q(code__icontains=f.q) | Q(hostname__icontains=f.q) | Q(keeper__icontains=f.q))
    return qs.order_by("code")


def terminal_counts(*, user) -> dict[str, int]:
    qs = Terminal.objects.restrict(user, VIEW)
    return {
        "all": qs.count(),
        "offline": qs.filter(offline_q()).count(),
        "unprotected": qs.filter(unprotected_q()).count(),
        "any": qs.filter(offline_q() | unprotected_q()).count(),
    }


def is_offline(terminal, cutoff=None) -> bool:
    cutoff = cutoff or offline_before()
    return terminal.last_heartbeat_at is None or terminal.last_heartbeat_at < cutoff
