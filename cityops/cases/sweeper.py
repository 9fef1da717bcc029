"""Deadlines and escalation, recomputed from the rows: idempotent and safe across restarts.

A case whose step deadline has passed rises from its village workstation to the area workstation;
one working day later (``CITYOPS_ESCALATE_TOWN_AFTER_DAYS``) to the town command centre. The
level a case *should* be at is a function of its deadline and the time, so running the sweep
twice, or after a crash, changes nothing more.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cityops.audit.services import audit_record
from cityops.cases.choices import OPEN_STATUSES, EscalationLevel, Status
from cityops.cases.models import Case, CaseEvent
from cityops.cases.notify import notify
from cityops.core.workcalendar import get_calendar
from cityops.org.models import Workstation

LIVE = OPEN_STATUSES - {Status.ON_HOLD}


@dataclass
class SweepResult:
    checked: int = 0
    escalated: int = 0


def target_level(step_deadline, now) -> int:
    if step_deadline is None or now <= step_deadline:
        return EscalationLevel.VILLAGE
    days = getattr(settings, "CITYOPS_ESCALATE_TOWN_AFTER_DAYS", 1)
    if now > get_calendar().deadline(step_deadline, days, "days"):
        return EscalationLevel.TOWN
    return EscalationLevel.AREA


def _workstation(case: Case, level: int) -> Workstation:
    if level == EscalationLevel.TOWN:
        return Workstation.objects.get(level="town")
    if level == EscalationLevel.AREA:
        return Workstation.objects.get(level="area", area_id=case.area_id)
    return Workstation.objects.get(level="village", village_id=case.village_id)


def _escalate(case: Case, level: int, now) -> bool:
    with transaction.atomic():
        ws = _workstation(case, level)
        done = Case.objects.filter(pk=case.pk, version=case.version, escalation__lt=level).update(
            escalation=level, escalated_at=now, workstation=ws, version=F("version") + 1
        )
        if not done:
            return False  # the case moved meanwhile; the next sweep looks again
        case.refresh_from_db()
        event = CaseEvent.objects.create(
            case=case,
            action="escalate",
            from_status=case.status,
            to_status=case.status,
            actor_name="sweeper",
            at=now,
            note=f"overdue since {timezone.localtime(case.step_deadline):%Y-%m-%d %H:%M}",
            data={"level": level, "workstation": ws.code},
        )
        audit_record(
            action="cases.case.escalate",
            actor_name="sweeper",
            obj=case,
            after={"level": level, "workstation": ws.code},
        )
        notify(case, event, f"{case.number} is overdue and escalated to {ws.name}")
    return True


def sweep(now=None) -> SweepResult:
    """Escalate every overdue open case to the level its deadline calls for."""
    now = now or timezone.now()
    result = SweepResult()
    overdue = (
        Case.objects.filter(status__in=LIVE, step_deadline__lt=now, escalation__lt=EscalationLevel.TOWN)
        .only(
            "id",
            "version",
            "status",
            "step_deadline",
            "escalation",
            "area_id",
            "village_id",
            "department_id",
            "number",
            "item_id",
            "grid_id",
            "reporter_id",
            "assignee_id",
        )
        .order_by("step_deadline")
    )
    for case in overdue.iterator(chunk_size=500):
        result.checked += 1
        level = target_level(case.step_deadline, now)
        if level > case.escalation and _escalate(case, level, now):
            result.escalated += 1
    return result
