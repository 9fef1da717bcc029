"""Every change of a case after intake goes through ``case_transition`` and the transition table."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from cityops.accounts.models import User
from cityops.accounts.roles import Role
from cityops.audit.services import audit_record
from cityops.cases import deadlines
from cityops.cases.choices import Status
from cityops.cases.models import Case, CaseEvent
from cityops.cases.notify import notify
from cityops.cases.photos import Photo, save_photo
from cityops.cases.workflow import LEVEL_RANK, TRANSITIONS, Transition, refusal, who_may
from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.org.models import Department

MAX_EXTENSION_DAYS = 30


@dataclass
class ActionIn:
    action: str
    note: str = ""
    result: str = ""  # verify: "confirmed" or "not_found"
    department: str = ""  # dispatch: another department than the item's
    days: int | None = None  # request_extension
    deadline: datetime | None = None  # supervise: the deadline the order sets
    photos: list[Photo] = field(default_factory=list)
    version: int | None = None  # the version the client acted on (optional)


def _fail(field_name: str, message: str):
    raise ValidationFailed(message, errors=[{"field": field_name, "message": message}])


def _check_fields(t: Transition, data: ActionIn) -> None:
    if "note" in t.requires and not data.note.strip():
        _fail("note", f"{t.action} needs a note saying why")
    if "photos" in t.requires and not data.photos:
        _fail("photos", f"{t.action} needs at least one photo")
    if "result" in t.requires and data.result not in ("confirmed", "not_found"):
        _fail("result", "result must be 'confirmed' or 'not_found'")
    if "days" in t.requires and not (isinstance(data.days, int) and 1 <= data.days <= MAX_EXTENSION_DAYS):
        _fail("days", f"an extension is 1 to {MAX_EXTENSION_DAYS} working days")
    if len(data.note) > 2000:
        _fail("note", "the note is longer than 2000 characters")


def _pick_inspector(case: Case) -> User | None:
    """The inspector of the case's grid with the fewest open assignments (the reporter if one of them)."""
    inspectors = User.objects.filter(role=Role.INSPECTOR, scope_grid_id=case.grid_id, is_active=True)
    if case.reporter_id and inspectors.filter(pk=case.reporter_id).exists():
        return case.reporter
    return (
        inspectors.annotate(
            load=Count(
                "assigned_cases", filter=~Q(assigned_cases__status__in=[Status.CLOSED, Status.CANCELLED])
            )
        )
        .order_by("load", "username")
        .first()
    )


def _changes(t: Transition, case: Case, data: ActionIn, now: datetime, by) -> tuple[dict, dict]:
    """The field updates of the transition and the event data to record."""
    item = case.item
    upd: dict = {}
    info: dict = {}
    target = t.target
    if t.action == "resume":
        target = case.held_from or Status.ACCEPTED
    if target:
        upd["status"] = target
    if target in (Status.VERIFYING, Status.DISPOSED):
        inspector = _pick_inspector(case)
        upd["assignee"] = inspector
        info["assignee"] = inspector.username if inspector else None
        upd["step_deadline"], upd["step_warn_at"] = deadlines.step_deadline(
            now, item.recheck_limit, item.recheck_unit
        )
    if target in (Status.VERIFIED, Status.REGISTERED, Status.SELF_DISPOSED):
        upd["step_deadline"], upd["step_warn_at"] = deadlines.step_deadline(
            now, item.dispatch_limit, item.dispatch_unit
        )
    if t.action == "verify":
        info["result"] = data.result
    if t.action == "register":
        upd["registered_at"] = now
    if t.action == "cancel":
        upd["cancel_reason"] = data.note[:200]
    if t.action == "dispatch":
        upd.update(_dispatch(case, data, now, info))
    if t.action == "return":
        upd["return_count"] = F("return_count") + 1
        upd["extension_requested"] = None
    if t.action == "dispose":
        upd["disposed_at"] = now
        upd["disposed_on_time"] = case.due_at is None or now <= case.due_at
    if t.action in ("recheck_pass", "approve_on_the_spot"):
        upd.update(
            closed_at=now,
            step_deadline=None,
            step_warn_at=None,
            closed_on_time=case.due_at is None or now <= case.due_at,
        )
        if t.action == "approve_on_the_spot":
            upd.update(registered_at=case.registered_at or now, disposed_at=now, disposed_on_time=True)
    if t.action == "recheck_fail":
        upd["rework_count"] = F("rework_count") + 1
        due, warn = deadlines.step_deadline(now, item.disposal_limit, item.disposal_unit)
        upd.update(due_at=due, step_deadline=due, step_warn_at=warn, disposed_at=None)
    if t.action == "cancel":
        upd.update(step_deadline=None, step_warn_at=None, closed_at=now)
    upd.update(_side_changes(t, case, data, now, info, by))
    return upd, info


def _dispatch(case: Case, data: ActionIn, now: datetime, info: dict) -> dict:
    dept = case.department
    if data.department:
        dept = Department.objects.filter(code=data.department).first()
        if dept is None:
            _fail("department", f"there is no department {data.department!r}")
    info["department"] = dept.code
    due = case.due_at if case.due_at and case.due_at > now else None
    if due is None:
        due, warn = deadlines.step_deadline(now, case.item.disposal_limit, case.item.disposal_unit)
    else:
        warn = deadlines.step_deadline(now, 1, "minutes")[1]
    return {
        "department": dept,
        "dispatched_at": now,
        "due_at": due,
        "step_deadline": due,
        "step_warn_at": warn,
    }


def _side_changes(t: Transition, case: Case, data: ActionIn, now: datetime, info: dict, by) -> dict:
    upd: dict = {}
    if t.action == "request_extension":
        upd["extension_requested"] = data.days
        info["days"] = data.days
    elif t.action == "approve_extension":
        base = max(deadlines.usable(case.due_at) or now, now)
        due, warn = deadlines.step_deadline(base, case.extension_requested, "days")
        upd.update(extension_requested=None, due_at=due, step_deadline=due, step_warn_at=warn)
        info.update(days=case.extension_requested, due_at=due.isoformat())
    elif t.action == "reject_extension":
        upd["extension_requested"] = None
    elif t.action == "hold":
        left = deadlines.remaining_minutes(now, case.due_at) if case.due_at else None
        upd.update(held_from=case.status, step_deadline=None, step_warn_at=None)
        info["minutes_left"] = left
    elif t.action == "resume":
        held = case.events.filter(action="hold").order_by("-at").values_list("data", flat=True).first() or {}
        left = held.get("minutes_left")
        if left is not None:
            due, warn = deadlines.resume_deadline(now, left)
            upd.update(due_at=due, step_deadline=due, step_warn_at=warn)
        upd["held_from"] = ""
    elif t.action == "supervise":
        upd["supervision"] = 2 - LEVEL_RANK[by.scope_level]
        info["level"] = by.scope_level
        if data.deadline:
            latest = deadlines.latest_supervision_deadline(case.due_at, now, MAX_EXTENSION_DAYS)
            deadlines.check_deadline(
                data.deadline,
                now=now,
                latest=latest,
                why_latest=f"a supervision moves a deadline at most {MAX_EXTENSION_DAYS} working days, "
                "as an extension would",
            )
            upd.update(step_deadline=data.deadline, due_at=data.deadline)
            info["deadline"] = data.deadline.isoformat()
    return upd


def _load(case_id: int, user) -> Case:
    case = Case.objects.restrict(user, "cases.view").select_related("item").filter(pk=case_id).first()
    if case is None:
        raise NotFound(f"There is no case {case_id} in your scope.")
    return case


def case_transition(*, case_id: int, by, data: ActionIn) -> Case:
    """Apply one action of the transition table to a case, or refuse it with the reason."""
    t = TRANSITIONS.get(data.action)
    if t is None:
        _fail("action", f"unknown action {data.action!r}; actions are {', '.join(sorted(TRANSITIONS))}")
    _check_fields(t, data)
    now = timezone.now()
    if data.deadline is not None and t.action != "supervise":
        _fail("deadline", f"{t.action} takes no deadline")
    with transaction.atomic():
        case = _load(case_id, by)
        forbidden = who_may(t, by)
        if forbidden is not None:
            raise Forbidden(f"You may not do this: {forbidden}.")
        why = refusal(t, case, by)
        if why is not None:
            raise Conflict(f"Case {case.number} is {case.status}: {why}.")
        if data.version is not None and data.version != case.version:
            raise Conflict(
                f"Case {case.number} changed since you loaded it (version {case.version}, "
                f"not {data.version}); it is now {case.status}. Reload and try again."
            )
        before = case.status
        upd, info = _changes(t, case, data, now, by)
        updated = Case.objects.filter(pk=case.pk, version=case.version).update(
            version=F("version") + 1, **upd
        )
        if not updated:
            current = Case.objects.get(pk=case.pk)
            raise Conflict(
                f"Case {case.number} was changed by someone else at the same moment; it is now "
                f"{current.status}. Reload and try again."
            )
        case.refresh_from_db()
        event = CaseEvent.objects.create(
            case=case,
            action=t.action,
            from_status=before,
            to_status=case.status,
            actor=by,
            actor_name=by.username,
            at=now,
            note=data.note,
            data=info,
        )
        for photo in data.photos:
            save_photo(photo, case=case, event=event, by=by)
        audit_record(
            action=f"cases.case.{t.action}",
            actor=by,
            obj=case,
            after={"status": case.status, "note": data.note[:200], **info},
        )
        notify(case, event, f"{case.number}: {t.label}")
    return case
