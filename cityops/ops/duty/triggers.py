"""Events of other apps that need the leader on duty to decide, turned into decision requests.

Read from the rows (the escalation events of cases, the alarms of sensors) over a look-back
window, each asked once by its source key, so the job that runs this is idempotent and a restart
loses nothing.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.choices import EscalationLevel
from cityops.cases.models import CaseEvent
from cityops.iot.choices import Severity
from cityops.iot.models import Alarm
from cityops.ops.duty.decisions import request_decision
from cityops.ops.models import Decision, DecisionKind

LOOK_BACK = timedelta(hours=24)


def _asked(keys: list[str]) -> set[str]:
    return set(Decision.objects.filter(source_key__in=keys).values_list("source_key", flat=True))


def escalated_cases(now) -> int:
    """Cases the sweeper escalated to the town command centre."""
    events = list(
        CaseEvent.objects.filter(action="escalate", at__gte=now - LOOK_BACK, data__level=EscalationLevel.TOWN)
        .select_related("case__item")
        .order_by("at", "id")
    )
    asked = _asked([f"case-escalate:{e.pk}" for e in events])
    n = 0
    for e in events:
        key = f"case-escalate:{e.pk}"
        if key in asked:
            continue
        request_decision(
            kind=DecisionKind.CASE_ESCALATED,
            title=_("Case %(number)s (%(item)s) is overdue and escalated to the town")
            % {"number": e.case.number, "item": e.case.item.name},
            link=reverse("cases:detail", args=[e.case.number]),
            source_key=key,
            case_id=e.case_id,
            now=now,
        )
        n += 1
    return n


def critical_alarms(now) -> int:
    """Sensor alarms of critical severity."""
    alarms = list(
        Alarm.objects.filter(severity=Severity.CRITICAL, started_at__gte=now - LOOK_BACK)
        .select_related("device")
        .order_by("started_at", "id")
    )
    asked = _asked([f"iot-alarm:{a.pk}" for a in alarms])
    n = 0
    for a in alarms:
        key = f"iot-alarm:{a.pk}"
        if key in asked:
            continue
        request_decision(
            kind=DecisionKind.IOT_CRITICAL,
            title=_("Critical alarm on %(device)s: %(message)s")
            % {"device": a.device.name, "message": a.message},
            link=reverse("iot:alarm", args=[a.pk]),
            source_key=key,
            case_id=a.case_id,
            now=now,
        )
        n += 1
    return n


def ask_leader(now=None) -> int:
    """Every new event needing a decision, asked of the leader on duty; how many were asked."""
    now = now or timezone.now()
    return escalated_cases(now) + critical_alarms(now)
