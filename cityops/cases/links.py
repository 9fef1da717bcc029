"""What another capability (IoT, video) may read of a case its alarm opened, and the note it may add.

The capabilities open cases only through ``intake.intake_alarm``; afterwards they follow the case
through these functions and nothing else of grid governance.
"""

from datetime import datetime
from typing import NamedTuple

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cityops.audit.services import audit_record
from cityops.cases.choices import Status
from cityops.cases.models import Case, CaseEvent, PatrolItem

FINAL_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED})
NOTE_ACTION = "source_note"
MAX_NOTE = 2000


class CaseState(NamedTuple):
    status: str
    closed_at: datetime | None
    dispatched_at: datetime | None

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def dispatched(self) -> bool:
        """Sent to a department (or beyond); a note before this still reaches the dispatcher in time."""
        return self.dispatched_at is not None or self.final


def case_states(ids) -> dict[int, CaseState]:
    """Status, closing and dispatch times of the cases with these ids (missing ids are left out)."""
    ids = list(ids)
    if not ids:
        return {}
    rows = Case.objects.filter(pk__in=ids).values_list("pk", "status", "closed_at", "dispatched_at")
    return {pk: CaseState(status, closed, dispatched) for pk, status, closed, dispatched in rows}


def case_add_source_note(*, case_id: int, channel: str, note: str, data: dict | None = None) -> bool:
    """Add a note from the case's source (an alarm cleared …) to its history; False if there is no case."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            return False
        CaseEvent.objects.create(
            case=case,
            action=NOTE_ACTION,
            from_status=case.status,
            to_status=case.status,
            actor=None,
            actor_name=channel,
            at=timezone.now(),
            note=note[:MAX_NOTE],
            data={"channel": channel, **(data or {})},
        )
        audit_record(
            action=f"cases.case.{NOTE_ACTION}",
            actor_name=channel,
            obj=case,
            after={"channel": channel, "note": note[:200], **(data or {})},
        )
    return True


def active_item_codes(codes) -> set[str]:
    """Which of these patrol item codes name an active item (an alarm rule may open cases of them)."""
    return set(PatrolItem.objects.filter(code__in=list(codes), active=True).values_list("code", flat=True))


RESOLVE_ACTION = "source_resolved"


def case_resolve_by_source(*, case_id: int, channel: str, note: str, data: dict | None = None) -> str:
    """Close a case whose source says the problem has gone (a camera back online); a case already
    closed or cancelled only gets the note. Returns "closed", "noted" or "missing".

    The fields are those a re-check that passes sets (closed_at, on-time flags, no step deadline),
    so the KPI rollups count the case like any other closed case; a case never disposed of counts
    as disposed now, as a disposal on the spot does."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            return "missing"
        if case.status in FINAL_STATUSES:
            case_add_source_note(case_id=case_id, channel=channel, note=note, data=data)
            return "noted"
        now = timezone.now()
        on_time = case.due_at is None or now <= case.due_at
        before = case.status
        upd = {
            "status": Status.CLOSED,
            "closed_at": now,
            "closed_on_time": on_time,
            "step_deadline": None,
            "step_warn_at": None,
            "extension_requested": None,
            "held_from": "",
        }
        if case.disposed_at is None:
            upd.update(disposed_at=now, disposed_on_time=on_time)
        Case.objects.filter(pk=case.pk).update(version=F("version") + 1, **upd)
        CaseEvent.objects.create(
            case=case,
            action=RESOLVE_ACTION,
            from_status=before,
            to_status=Status.CLOSED,
            actor=None,
            actor_name=channel,
            at=now,
            note=note[:MAX_NOTE],
            data={"channel": channel, **(data or {})},
        )
        case.status = Status.CLOSED
        audit_record(
            action=f"cases.case.{RESOLVE_ACTION}",
            actor_name=channel,
            obj=case,
            after={
                "status": Status.CLOSED,
                "from": before,
                "channel": channel,
                "note": note[:200],
                **(data or {}),
            },
        )
    return "closed"
