"""The register's watch over assessments, recomputed from the rows: a system in service whose next
assessment is within ``CITYOPS_SECURITY_ASSESSMENT_WARN_DAYS`` is warned once for that due date, and
found overdue once when the date has passed (a conditional UPDATE each, then an audit record). A new
assessment sets a new due date, which is warned about again in its time."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cityops.audit.services import audit_record
from cityops.security.choices import SystemStatus
from cityops.security.models import InfoSystem
from cityops.security.register import rules

ACTOR = "security-register"


@dataclass
class SweepResult:
    warned: int = 0
    overdue: int = 0


def _mark(system: InfoSystem, field: str, action: str) -> bool:
    with transaction.atomic():
        unmarked = Q(**{f"{field}__isnull": True}) | ~Q(**{field: F("next_due_on")})
        done = (
            InfoSystem.objects.filter(pk=system.pk, next_due_on=system.next_due_on)
            .filter(unmarked)
            .update(**{field: system.next_due_on})
        )
        if not done:
            return False
        audit_record(
            action=f"security.system.{action}",
            actor_name=ACTOR,
            obj=system,
            after={"next_due_on": system.next_due_on.isoformat(), "level": system.level},
        )
    return True


def sweep(today=None) -> SweepResult:
    """Warn the systems whose assessment falls due soon and mark the overdue ones, each once per due date."""
    today = today or timezone.localdate()
    result = SweepResult()
    live = InfoSystem.objects.exclude(status=SystemStatus.RETIRED).filter(next_due_on__isnull=False)
    for system in live.filter(next_due_on__lt=today).exclude(overdue_for=F("next_due_on")):
        result.overdue += _mark(system, "overdue_for", "overdue")
    soon = today + timedelta(days=rules.warn_days())
    for system in live.filter(next_due_on__gte=today, next_due_on__lte=soon).exclude(
        warned_due_on=F("next_due_on")
    ):
        result.warned += _mark(system, "warned_due_on", "warn")
    return result
