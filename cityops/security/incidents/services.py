"""Every change of a network security incident: register it, change its grade, give a step its
owner, record a step done, set the affected systems, add a note.

Each is the only way its change happens (page, API and demo call it). Each checks the actor's role
(``security.respond``), finds the incident locked, refuses a change made on an old copy (the
``version`` the actor saw), validates everything, then writes the change, a timeline entry and an
audit record in one transaction. The audit records hold the incident's number and structured facts
(grade, category, systems, steps and times), never its free text — the title, notes and reasons stay
in the incident, which only the security officer and the auditor read, while the trail is read by
the system administrator too. A refused change writes nothing but an audit record of the
refusal (``security.incident.refused``: who tried what, and why it was refused), appended after the
rollback so that the attempt is on the trail even though nothing else is.

The steps are done in their order (detect, report, contain, eradicate, recover, review); done times
never run backwards. Recording *report* meets the first report's timer, *recover* starts the
summary's, *review* meets it and closes the incident.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from cityops.core.inputs import InputError, check_moment
from cityops.security import categories
from cityops.security.choices import STEP_ORDER, EntryKind, Grade, IncidentStatus, StepKind, TimerKind
from cityops.security.incidents import rules
from cityops.security.models import (
    Incident,
    IncidentEntry,
    IncidentStep,
    IncidentSystem,
    InfoSystem,
    ReportTimer,
)

ACTION = "security.respond"
MAX_TEXT = 4000
CLOCK_SKEW = timedelta(minutes=5)  # a time "now" typed on another device may run a little ahead


def _field(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": name, "message": message}])


def _actor_name(by) -> str:
    return str(getattr(by, "username", "") or "system")


def refused(by, number: str, attempted: str, exc: DomainError) -> None:
    """Put a refused change on the audit trail (its own transaction: the change's was rolled back)."""
    with transaction.atomic():
        audit_record(
            action="security.incident.refused",
            actor=by if getattr(by, "pk", None) else None,
            actor_name=_actor_name(by),
            object_type="security.incident",
            object_id=(number or "")[:64],
            after={
                "attempted": attempted,
                "status": exc.status,
                "reason": exc.detail[:300],
                "fields": [e.get("field", "") for e in exc.errors][:10],
            },
        )


def guarded(attempted: str) -> Callable:
    """Run the decorated change in one transaction; a refusal is audited, then raised."""

    def wrap(func):
        @wraps(func)
        def inner(*, by, number: str = "", **kwargs):
            try:
                with transaction.atomic():
                    if by is None or not by.can(ACTION):
                        raise Forbidden(_("Your role may not handle security incidents."))
                    return func(by=by, number=number, **kwargs)
            except DomainError as exc:
                refused(by, number, attempted, exc)
                raise

        return inner

    return wrap


def _locked(by, number: str, version: int | None) -> Incident:
    """The open incident, locked, when ``by`` acted on its current version."""
    incident = Incident.objects.restrict(by, ACTION).select_for_update().filter(number=number).first()
    if incident is None:
        raise NotFound(_("No such incident: %(number)s.") % {"number": number})
    if incident.status != IncidentStatus.OPEN:
        raise Conflict(_("Incident %(number)s is closed; it cannot change.") % {"number": number})
    if version is not None and version != incident.version:
        raise Conflict(
            _(
                "Incident %(number)s was changed by someone else since you loaded it (version "
                "%(now)s, not %(seen)s). Reload it and try again."
            )
            % {"number": number, "now": incident.version, "seen": version}
        )
    return incident


def _bump(incident: Incident, **fields) -> None:
    """Write ``fields`` and the next version, on the version locked (never lost to a race)."""
    updated = Incident.objects.filter(pk=incident.pk, version=incident.version).update(
        version=incident.version + 1, **fields
    )
    if not updated:
        raise Conflict(_("Incident %(number)s changed meanwhile; reload it.") % {"number": incident.number})
    incident.version += 1
    for key, value in fields.items():
        setattr(incident, key, value)


def _entry(incident, kind: str, by, text: str, at=None, **data) -> IncidentEntry:
    return IncidentEntry.objects.create(
        incident=incident,
        at=at or timezone.now(),
        kind=kind,
        actor_name=_actor_name(by),
        text=text,
        data=data,
    )


def _moment(name: str, value: datetime, *, not_before: datetime | None, label: str) -> datetime:
    """A time a person gave: aware, within the calendar's years, not in the future, not before
    ``not_before``."""
    if value is None:
        raise _field(name, _("Give the time."))
    try:
        value = check_moment(value)
    except InputError as exc:
        raise _field(name, str(exc)) from None
    if value > timezone.now() + CLOCK_SKEW:
        raise _field(name, _("The time cannot be in the future."))
    if not_before is not None and value < not_before:
        raise _field(
            name,
            _("The time cannot be before %(what)s (%(at)s).")
            % {"what": label, "at": timezone.localtime(not_before).strftime("%Y-%m-%d %H:%M")},
        )
    return value


def _text(name: str, value: str, *, required: bool, limit: int = MAX_TEXT, what: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise _field(name, what or _("This is required."))
    if len(value) > limit:
        raise _field(name, _("At most %(n)s characters.") % {"n": limit})
    return value


def _systems(codes) -> list[InfoSystem]:
    codes = sorted({str(c).strip() for c in codes or () if str(c).strip()})
    found = list(InfoSystem.objects.filter(code__in=codes).order_by("code"))
    missing = sorted(set(codes) - {s.code for s in found})
    if missing:
        raise _field(
            "systems", _("No such system in the register: %(codes)s.") % {"codes": ", ".join(missing)}
        )
    return found


def _check_category(category: str, subcategory: str) -> None:
    cat = categories.category(category or "")
    if cat is None:
        raise _field("category", _("Unknown category: %(code)s.") % {"code": category})
    if cat.sub(subcategory or "") is None:
        raise _field(
            "subcategory",
            _("%(sub)s is not a subcategory of %(cat)s.") % {"sub": subcategory, "cat": cat.name},
        )


def _check_grade(grade: str) -> None:
    if grade not in Grade.values:
        raise _field("grade", _("Unknown grade: %(grade)s.") % {"grade": grade})


def _next_number(at: datetime) -> str:
    year = timezone.localtime(at).year
    prefix = f"SEC-{year}-"
    last = (
        Incident.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
    ).first()
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def _create(fields: dict) -> Incident:
    """The incident under the next free number of the year (a number taken at the same moment by
    another registration is passed over)."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Incident.objects.create(number=_next_number(fields["registered_at"]), **fields)
        except IntegrityError:
            continue
    raise Conflict(_("Could not number the incident; try again."))


@guarded("register")
def incident_register(
    *,
    by,
    number: str = "",
    title: str,
    category: str,
    subcategory: str,
    grade: str,
    discovered_at: datetime,
    description: str = "",
    detected_by: str = "",
    drill: bool = False,
    systems=(),
) -> Incident:
    """Register an incident: its detection is its first step, done at discovery; the first
    report's clock starts then."""
    title = _text("title", title, required=True, limit=200, what=_("Give the incident a title."))
    description = _text("description", description, required=False)
    _check_category(category, subcategory)
    _check_grade(grade)
    discovered_at = _moment("discovered_at", discovered_at, not_before=None, label="")
    owner = _text("detected_by", detected_by, required=False, limit=150) or _actor_name(by)
    linked = _systems(systems)
    now = timezone.now()
    incident = _create(
        {
            "title": title,
            "description": description,
            "category": category,
            "subcategory": subcategory,
            "grade": grade,
            "discovered_at": discovered_at,
            "registered_at": now,
            "registered_by": by if getattr(by, "pk", None) else None,
            "registered_by_name": _actor_name(by),
            "drill": bool(drill),
        }
    )
    IncidentStep.objects.bulk_create(
        [
            IncidentStep(
                incident=incident,
                kind=kind,
                position=i,
                owner=owner if kind == StepKind.DETECT else "",
                done_at=discovered_at if kind == StepKind.DETECT else None,
                recorded_by=_actor_name(by) if kind == StepKind.DETECT else "",
            )
            for i, kind in enumerate(STEP_ORDER)
        ]
    )
    first = rules.initial_limit(grade)
    due, warn = rules.clock(first, discovered_at)
    summary = rules.summary_limit()
    ReportTimer.objects.bulk_create(
        [
            ReportTimer(
                incident=incident,
                kind=TimerKind.INITIAL,
                working_days=False,
                amount=first.amount,
                rule=first.rule[:300],
                started_at=discovered_at,
                due_at=due,
                warn_at=warn,
            ),
            ReportTimer(
                incident=incident,
                kind=TimerKind.SUMMARY,
                working_days=True,
                amount=summary.amount,
                rule=summary.rule[:300],
            ),
        ]
    )
    IncidentSystem.objects.bulk_create([IncidentSystem(incident=incident, system=s) for s in linked])
    cat, sub = categories.names(category, subcategory)
    _entry(
        incident,
        EntryKind.REGISTERED,
        by,
        _("Registered: %(grade)s, %(cat)s / %(sub)s; discovered %(at)s by %(owner)s.")
        % {
            "grade": Grade(grade).label,
            "cat": cat,
            "sub": sub,
            "at": timezone.localtime(discovered_at).strftime("%Y-%m-%d %H:%M"),
            "owner": owner,
        },
        drill=incident.drill,
    )
    audit_record(
        action="security.incident.register",
        actor=by,
        obj=incident,
        after={
            "category": category,
            "subcategory": subcategory,
            "grade": grade,
            "discovered_at": discovered_at.isoformat(),
            "drill": incident.drill,
            "systems": [s.code for s in linked],
            "first_report_due": due.isoformat(),
        },
    )
    return incident


@guarded("grade")
def incident_grade(*, by, number: str, grade: str, reason: str, version: int) -> Incident:
    """Change the grade; the first report's clock, unless met, is recomputed from discovery."""
    incident = _locked(by, number, version)
    _check_grade(grade)
    reason = _text("reason", reason, required=True, what=_("Say why the grade changes."))
    if grade == incident.grade:
        raise _field("grade", _("The incident is already of this grade."))
    before = incident.grade
    _bump(incident, grade=grade)
    timer = ReportTimer.objects.select_for_update().get(incident=incident, kind=TimerKind.INITIAL)
    if timer.met_at is None:
        limit = rules.initial_limit(grade)
        due, warn = rules.clock(limit, timer.started_at)
        now = timezone.now()
        timer.amount, timer.rule, timer.due_at, timer.warn_at = limit.amount, limit.rule[:300], due, warn
        # a new, later time limit warns again; one already passed stays marked
        if warn > now:
            timer.warned_at = None
        if due > now:
            timer.overdue_at = None
        timer.save()
    _entry(
        incident,
        EntryKind.GRADE,
        by,
        _("Grade %(before)s → %(after)s: %(reason)s")
        % {"before": Grade(before).label, "after": Grade(grade).label, "reason": reason},
        before=before,
        after=grade,
    )
    audit_record(
        action="security.incident.grade",
        actor=by,
        obj=incident,
        before={"grade": before},
        after={"grade": grade},
    )
    return incident


def _step(incident: Incident, kind: str) -> IncidentStep:
    if kind not in STEP_ORDER:
        raise _field("step", _("Unknown step: %(step)s.") % {"step": kind})
    return IncidentStep.objects.select_for_update().get(incident=incident, kind=kind)


@guarded("owner")
def step_owner(*, by, number: str, step: str, owner: str, version: int) -> IncidentStep:
    """Name who answers for a step not yet done."""
    incident = _locked(by, number, version)
    row = _step(incident, step)
    owner = _text("owner", owner, required=True, limit=150, what=_("Name who answers for the step."))
    if row.done_at is not None:
        raise Conflict(_("The step “%(step)s” is done; its owner stays.") % {"step": StepKind(step).label})
    before = row.owner
    row.owner = owner
    row.save(update_fields=["owner"])
    _bump(incident)
    _entry(
        incident,
        EntryKind.OWNER,
        by,
        _("%(step)s: owner %(owner)s.") % {"step": StepKind(step).label, "owner": owner},
        step=step,
    )
    audit_record(
        action="security.incident.owner",
        actor=by,
        obj=incident,
        before={"step": step, "owner": before},
        after={"step": step, "owner": owner},
    )
    return row


def _previous_done(incident: Incident, position: int) -> IncidentStep:
    """The step before ``position``, which must be done."""
    steps = list(IncidentStep.objects.filter(incident=incident).order_by("position"))
    waiting = next((s for s in steps[:position] if s.done_at is None), None)
    if waiting is not None:
        raise Conflict(
            _("The step “%(first)s” must be done before “%(this)s”.")
            % {"first": StepKind(waiting.kind).label, "this": StepKind(steps[position].kind).label}
        )
    return steps[position - 1]


def _timers_after(incident: Incident, kind: str, done_at: datetime) -> None:
    """What a step's completion does to the report timers."""
    if kind == StepKind.REPORT:
        ReportTimer.objects.filter(incident=incident, kind=TimerKind.INITIAL).update(met_at=done_at)
    elif kind == StepKind.RECOVER:
        limit = rules.summary_limit()
        due, warn = rules.clock(limit, done_at)
        ReportTimer.objects.filter(incident=incident, kind=TimerKind.SUMMARY).update(
            started_at=done_at, due_at=due, warn_at=warn, amount=limit.amount, rule=limit.rule[:300]
        )
    elif kind == StepKind.REVIEW:
        ReportTimer.objects.filter(incident=incident, kind=TimerKind.SUMMARY).update(met_at=done_at)


@guarded("step")
def step_done(
    *, by, number: str, step: str, done_at: datetime, note: str = "", owner: str = "", version: int
) -> IncidentStep:
    """Record the next step done, at ``done_at``, with its owner (given now or before). The review,
    the last step, closes the incident; its note is the incident's summary."""
    incident = _locked(by, number, version)
    row = _step(incident, step)
    if row.done_at is not None:
        raise Conflict(_("The step “%(step)s” is already done.") % {"step": StepKind(step).label})
    previous = _previous_done(incident, row.position)
    owner = _text("owner", owner, required=False, limit=150) or row.owner
    if not owner:
        raise _field("owner", _("Name who answers for the step before recording it done."))
    note = _text("note", note, required=step == StepKind.REVIEW, what=_("The review needs its conclusions."))
    done_at = _moment(
        "done_at",
        done_at,
        not_before=previous.done_at,
        label=_("the step “%(step)s”") % {"step": StepKind(previous.kind).label},
    )
    row.owner, row.done_at, row.note, row.recorded_by = owner, done_at, note, _actor_name(by)
    row.save(update_fields=["owner", "done_at", "note", "recorded_by"])
    _timers_after(incident, step, done_at)
    closing = step == StepKind.REVIEW
    if closing:
        _bump(incident, status=IncidentStatus.CLOSED, closed_at=timezone.now(), summary=note)
    else:
        _bump(incident)
    _entry(
        incident,
        EntryKind.STEP,
        by,
        _("%(step)s done at %(at)s by %(owner)s.")
        % {
            "step": StepKind(step).label,
            "at": timezone.localtime(done_at).strftime("%Y-%m-%d %H:%M"),
            "owner": owner,
        }
        + (f" {note}" if note else ""),
        step=step,
    )
    if closing:
        _entry(incident, EntryKind.CLOSED, by, _("The review is done: the incident is closed."))
    audit_record(
        action="security.incident.step",
        actor=by,
        obj=incident,
        after={"step": step, "owner": owner, "done_at": done_at.isoformat(), "closed": closing},
    )
    return row


@guarded("systems")
def incident_systems(*, by, number: str, systems, version: int) -> list[InfoSystem]:
    """Set the information systems the incident affects."""
    incident = _locked(by, number, version)
    linked = _systems(systems)
    before = sorted(s.code for s in incident.systems.all())
    after = [s.code for s in linked]
    if before == after:
        return linked
    IncidentSystem.objects.filter(incident=incident).delete()
    IncidentSystem.objects.bulk_create([IncidentSystem(incident=incident, system=s) for s in linked])
    _bump(incident)
    _entry(
        incident,
        EntryKind.SYSTEMS,
        by,
        _("Affected systems: %(codes)s.") % {"codes": "、".join(after) or "—"},
        before=before,
        after=after,
    )
    audit_record(
        action="security.incident.systems",
        actor=by,
        obj=incident,
        before={"systems": before},
        after={"systems": after},
    )
    return linked


@guarded("note")
def incident_note(*, by, number: str, text: str) -> IncidentEntry:
    """Add a note to the timeline (what was found, who was called); notes need no version."""
    incident = _locked(by, number, None)
    text = _text("text", text, required=True, what=_("Write the note."))
    entry = _entry(incident, EntryKind.NOTE, by, text)
    audit_record(action="security.incident.note", actor=by, obj=incident, after={"entry": entry.pk})
    return entry
