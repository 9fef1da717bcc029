"""The report timers' watch, recomputed from the rows: idempotent, safe across restarts and with
several workers. A running timer past its warning time is *warned*, one past its due time *overdue*,
each once: a conditional UPDATE of a still-unmet, still-unmarked timer, then a timeline entry and an
audit record. Drills are timed like real incidents (that is what a drill practises); their entries
say so.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.security.choices import EntryKind, IncidentStatus, TimerKind
from cityops.security.models import IncidentEntry, ReportTimer

ACTOR = "security-timers"


@dataclass
class SweepResult:
    warned: int = 0
    overdue: int = 0


def _text(timer: ReportTimer, overdue: bool) -> str:
    due = timezone.localtime(timer.due_at).strftime("%Y-%m-%d %H:%M")
    report = TimerKind(timer.kind).label
    if overdue:
        text = _("%(report)s was due %(due)s and has not been made.") % {"report": report, "due": due}
    else:
        text = _("%(report)s is due %(due)s.") % {"report": report, "due": due}
    return (_("Drill: ") + text) if timer.incident.drill else text


def _mark(timer: ReportTimer, field: str, kind: str, now) -> bool:
    with transaction.atomic():
        done = ReportTimer.objects.filter(
            pk=timer.pk, met_at__isnull=True, **{f"{field}__isnull": True}
        ).update(**{field: now})
        if not done:
            return False
        IncidentEntry.objects.create(
            incident=timer.incident,
            at=now,
            kind=kind,
            actor_name=ACTOR,
            text=_text(timer, kind == EntryKind.OVERDUE),
            data={"timer": timer.kind, "due_at": timer.due_at.isoformat()},
        )
        audit_record(
            action=f"security.timer.{'overdue' if kind == EntryKind.OVERDUE else 'warn'}",
            actor_name=ACTOR,
            obj=timer.incident,
            after={"timer": timer.kind, "due_at": timer.due_at.isoformat(), "drill": timer.incident.drill},
        )
    return True


def sweep(now=None) -> SweepResult:
    """Warn the timers near their end and mark the overdue ones, each once."""
    now = now or timezone.now()
    result = SweepResult()
    running = ReportTimer.objects.filter(
        met_at__isnull=True, due_at__isnull=False, incident__status=IncidentStatus.OPEN
    ).select_related("incident")
    for timer in running.filter(due_at__lt=now, overdue_at__isnull=True).order_by("due_at"):
        result.overdue += _mark(timer, "overdue_at", EntryKind.OVERDUE, now)
    for timer in running.filter(warn_at__lte=now, due_at__gte=now, warned_at__isnull=True).order_by("due_at"):
        result.warned += _mark(timer, "warned_at", EntryKind.WARNED, now)
    return result
