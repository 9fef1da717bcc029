"""Every write of emergency command: raise, change level, activate a plan, tasks, notes, resources, close.

Each service checks the actor's right (``ops.command``) and scope, validates everything before it
writes, runs in one transaction, appends a timeline entry and an audit record. Deadlines are on the
clock (minutes after activation), not on the working-time clock: an emergency does not wait for
Monday morning.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.cases.models import Case
from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.geo.models import Grid
from cityops.geo.selectors import locate_point
from cityops.iot.models import Alarm
from cityops.ops.choices.emergency import (
    EntryKind,
    IncidentKind,
    IncidentStatus,
    Level,
    ResourceKind,
    ResourceState,
    TaskStatus,
)
from cityops.ops.emergency.scope import covering_unit, workstation_in_scope
from cityops.ops.models import Incident, IncidentGrid, IncidentTask, Resource, ResponsePlan, TimelineEntry
from cityops.org.models import Department, Workstation

ACTION = "ops.command"
MAX_TEXT = 4000

# The task lifecycle: from each status, the statuses a task may move to.
TASK_MOVES: dict[str, frozenset[str]] = {
    TaskStatus.ASSIGNED: frozenset({TaskStatus.ACCEPTED, TaskStatus.BLOCKED, TaskStatus.DONE}),
    TaskStatus.ACCEPTED: frozenset({TaskStatus.DONE, TaskStatus.BLOCKED}),
    TaskStatus.BLOCKED: frozenset({TaskStatus.ACCEPTED, TaskStatus.DONE}),
    TaskStatus.DONE: frozenset(),
}


def _require(by):
    if by is None or not by.can(ACTION):
        raise Forbidden(_("Your role may not direct an emergency."))


def _field(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": name, "message": message}])


def _entry(incident, kind, by, text, **data) -> TimelineEntry:
    return TimelineEntry.objects.create(
        incident=incident,
        at=timezone.now(),
        kind=kind,
        actor=by if getattr(by, "pk", None) else None,
        actor_name=str(getattr(by, "username", "") or "system"),
        text=text,
        data=data,
    )


def _locked_open(incident, by) -> Incident:
    """The incident, locked, if ``by`` may direct it and it is open."""
    _require(by)
    locked = Incident.objects.restrict(by, ACTION).select_for_update().filter(pk=incident.pk).first()
    if locked is None:
        raise NotFound(_("No such incident."))
    if locked.status != IncidentStatus.OPEN:
        raise Conflict(_("The incident is closed."))
    return locked


def _grids_in_scope(by, grid_ids) -> list[Grid]:
    ids = sorted({int(g) for g in grid_ids or ()})
    if not ids:
        raise _field("grids", _("An incident needs at least one affected grid."))
    grids = list(Grid.objects.restrict(by, ACTION).filter(pk__in=ids))
    missing = set(ids) - {g.pk for g in grids}
    if missing:
        raise _field(
            "grids",
            _("These grids are not in your scope or do not exist: %(ids)s.")
            % {"ids": ", ".join(str(i) for i in sorted(missing))},
        )
    return grids


def _check_choice(name, value, choices):
    if value not in choices.values:
        raise _field(name, _("Unknown %(field)s: %(value)s.") % {"field": name, "value": value})


@transaction.atomic
def incident_raise(
    *,
    by,
    kind: str,
    level: str,
    title: str,
    grid_ids,
    description: str = "",
    started_at: datetime | None = None,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    drill: bool = False,
    source_case: Case | None = None,
    source_alarm: Alarm | None = None,
) -> Incident:
    """Raise an incident over at least one affected grid, all of them in the actor's scope."""
    _require(by)
    _check_choice("kind", kind, IncidentKind)
    _check_choice("level", level, Level)
    title = (title or "").strip()
    if not title:
        raise _field("title", _("Give the incident a title."))
    grids = _grids_in_scope(by, grid_ids)
    now = timezone.now()
    started_at = started_at or now
    if started_at > now + timedelta(minutes=5):
        raise _field("started_at", _("An incident cannot start in the future."))
    if lon is None or lat is None:
        lon = sum(g.centroid_lon for g in grids) / len(grids)
        lat = sum(g.centroid_lat for g in grids) / len(grids)
    incident = Incident.objects.create(
        kind=kind,
        level=level,
        title=title[:200],
        description=(description or "")[:MAX_TEXT],
        started_at=started_at,
        lon=lon,
        lat=lat,
        address=address[:200],
        drill=drill,
        raised_by=by,
        source_case_id=source_case.pk if source_case else None,
        source_case_number=source_case.number if source_case else "",
        source_alarm_id=source_alarm.pk if source_alarm else None,
        **covering_unit(grids),
    )
    IncidentGrid.objects.bulk_create([IncidentGrid(incident=incident, grid=g) for g in grids])
    if source_alarm:
        how = _("Raised from IoT alarm %(id)s: %(message)s") % {
            "id": source_alarm.pk,
            "message": source_alarm.message,
        }
    elif source_case:
        how = _("Raised from case %(number)s.") % {"number": source_case.number}
    else:
        how = _("Raised by hand.")
    grid_names = "、".join(g.name for g in grids)
    _entry(
        incident,
        EntryKind.RAISED,
        by,
        _("%(how)s %(level)s; affected grids: %(grids)s.")
        % {"how": how, "level": Level(level).label, "grids": grid_names},
        grids=[g.code for g in grids],
        drill=drill,
    )
    audit_record(
        action="ops.incident.raise",
        actor=by,
        obj=incident,
        after={
            "kind": kind,
            "level": level,
            "title": incident.title,
            "grids": [g.code for g in grids],
            "drill": drill,
            "source_case": incident.source_case_id,
            "source_alarm": incident.source_alarm_id,
        },
    )
    return incident


def incident_from_alarm(
    *,
    by,
    alarm_id: int,
    kind: str,
    level: str,
    title: str = "",
    extra_grid_ids=(),
    description: str = "",
    drill: bool = False,
) -> Incident:
    """Raise an incident from an IoT alarm the actor may see: its grid is affected, its device is where."""
    _require(by)
    alarm = Alarm.objects.restrict(by, "iot.view").select_related("device").filter(pk=alarm_id).first()
    if alarm is None:
        raise NotFound(_("No such alarm: %(id)s.") % {"id": alarm_id})
    return incident_raise(
        by=by,
        kind=kind,
        level=level,
        title=title or alarm.message,
        description=description,
        grid_ids=[alarm.grid_id, *extra_grid_ids],
        started_at=alarm.started_at,
        lon=alarm.device.lon,
        lat=alarm.device.lat,
        address=alarm.device.address,
        drill=drill,
        source_alarm=alarm,
    )


def incident_from_case(
    *,
    by,
    case_id: int,
    kind: str,
    level: str,
    title: str = "",
    extra_grid_ids=(),
    description: str = "",
    drill: bool = False,
) -> Incident:
    """Raise an incident from a case the actor may see: its grid is affected, its place is where."""
    _require(by)
    case = Case.objects.restrict(by, "cases.view").select_related("item").filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such case: %(id)s.") % {"id": case_id})
    return incident_raise(
        by=by,
        kind=kind,
        level=level,
        title=title or f"{case.item.name} · {case.number}",
        description=description or case.description,
        grid_ids=[case.grid_id, *extra_grid_ids],
        started_at=case.reported_at,
        lon=case.lon,
        lat=case.lat,
        address=case.address,
        drill=drill,
        source_case=case,
    )


@transaction.atomic
def incident_set_level(*, incident: Incident, level: str, by, reason: str = "") -> Incident:
    """Raise or lower the incident's level; the plan of the new level is activated separately."""
    incident = _locked_open(incident, by)
    _check_choice("level", level, Level)
    if level == incident.level:
        raise Conflict(_("The incident is already at this level."))
    before = incident.level
    incident.level = level
    incident.save(update_fields=["level", "updated_at"])
    text = _("Level changed from %(old)s to %(new)s.") % {
        "old": Level(before).label,
        "new": Level(level).label,
    }
    if reason.strip():
        text = f"{text} {reason.strip()[:MAX_TEXT]}"
    _entry(incident, EntryKind.LEVEL, by, text, before=before, after=level)
    audit_record(
        action="ops.incident.level", actor=by, obj=incident, before={"level": before}, after={"level": level}
    )
    return incident


def plan_for(incident: Incident) -> ResponsePlan | None:
    return ResponsePlan.objects.filter(kind=incident.kind, level=incident.level).first()


@transaction.atomic
def plan_activate(*, incident: Incident, by) -> list[IncidentTask]:
    """Start the plan for the incident's type and level: its tasks, each with its deadline on the clock."""
    incident = _locked_open(incident, by)
    plan = plan_for(incident)
    if plan is None:
        raise Conflict(
            _("There is no response plan for %(kind)s at %(level)s.")
            % {"kind": IncidentKind(incident.kind).label, "level": Level(incident.level).label}
        )
    if incident.plan_id == plan.pk:
        raise Conflict(_("This plan is already active for the incident."))
    now = timezone.now()
    villages = _affected_village_workstations(incident)
    tasks = []
    for pt in plan.tasks.select_related("department").order_by("order", "id"):
        deadline = now + timedelta(minutes=pt.deadline_minutes)
        units = (
            [("department", pt.department)] if pt.department_id else [("workstation", w) for w in villages]
        )
        for field, unit in units:
            tasks.append(
                IncidentTask(
                    incident=incident,
                    plan_task=pt,
                    title=pt.title,
                    instructions=pt.instructions,
                    deadline_at=deadline,
                    status_at=now,
                    **{field: unit},
                )
            )
    IncidentTask.objects.bulk_create(tasks)
    incident.plan, incident.plan_activated_at = plan, now
    incident.save(update_fields=["plan", "plan_activated_at", "updated_at"])
    _entry(
        incident,
        EntryKind.PLAN,
        by,
        _("Plan “%(plan)s” activated: %(n)s tasks.") % {"plan": plan.name, "n": len(tasks)},
        plan=plan.code,
        tasks=len(tasks),
    )
    audit_record(
        action="ops.incident.plan", actor=by, obj=incident, after={"plan": plan.code, "tasks": len(tasks)}
    )
    return tasks


def _affected_village_workstations(incident) -> list[Workstation]:
    village_ids = incident.affected.values_list("grid__village_id", flat=True)
    return list(Workstation.objects.filter(level="village", village_id__in=village_ids).order_by("code"))


@transaction.atomic
def task_create(
    *,
    incident: Incident,
    by,
    title: str,
    deadline_minutes: int,
    department: Department | None = None,
    workstation: Workstation | None = None,
    instructions: str = "",
) -> IncidentTask:
    """Give the incident one more task, to a department or to a workstation inside its affected area."""
    incident = _locked_open(incident, by)
    title = (title or "").strip()
    if not title:
        raise _field("title", _("Give the task a title."))
    if (department is None) == (workstation is None):
        raise _field("unit", _("A task goes to one department or one workstation."))
    if not deadline_minutes or int(deadline_minutes) <= 0:
        raise _field("deadline_minutes", _("A task's deadline is a number of minutes greater than zero."))
    if workstation is not None and not workstation_in_scope(workstation, incident):
        raise _field(
            "unit", _("%(unit)s is outside the incident's affected area.") % {"unit": workstation.name}
        )
    now = timezone.now()
    task = IncidentTask.objects.create(
        incident=incident,
        title=title[:200],
        instructions=(instructions or "")[:MAX_TEXT],
        department=department,
        workstation=workstation,
        deadline_at=now + timedelta(minutes=int(deadline_minutes)),
        status_at=now,
    )
    _entry(
        incident,
        EntryKind.TASK,
        by,
        _("Task “%(task)s” given to %(unit)s.") % {"task": task.title, "unit": task.assignee.name},
        task=task.pk,
    )
    audit_record(
        action="ops.task.create",
        actor=by,
        obj=task,
        after={
            "incident": incident.pk,
            "title": task.title,
            "unit": task.assignee.name,
            "deadline": task.deadline_at.isoformat(),
        },
    )
    return task


@transaction.atomic
def task_update(*, task: IncidentTask, status: str, by, reason: str = "") -> IncidentTask:
    """Move a task along assigned → accepted → done, or to blocked with a reason."""
    incident = _locked_open(task.incident, by)
    task = IncidentTask.objects.select_for_update().get(pk=task.pk, incident=incident)
    _check_choice("status", status, TaskStatus)
    if status not in TASK_MOVES[task.status]:
        raise Conflict(
            _("A task that is %(from)s cannot become %(to)s.")
            % {"from": TaskStatus(task.status).label, "to": TaskStatus(status).label}
        )
    reason = (reason or "").strip()
    if status == TaskStatus.BLOCKED and not reason:
        raise _field("reason", _("Say why the task is blocked."))
    before = task.status
    now = timezone.now()
    task.status, task.status_at = status, now
    task.blocked_reason = reason[:300] if status == TaskStatus.BLOCKED else ""
    task.done_at = now if status == TaskStatus.DONE else None
    task.save(update_fields=["status", "status_at", "blocked_reason", "done_at", "updated_at"])
    text = _("Task “%(task)s” (%(unit)s): %(from)s → %(to)s.") % {
        "task": task.title,
        "unit": task.assignee.name,
        "from": TaskStatus(before).label,
        "to": TaskStatus(status).label,
    }
    if reason:
        text = f"{text} {reason[:MAX_TEXT]}"
    _entry(incident, EntryKind.TASK, by, text, task=task.pk, before=before, after=status)
    audit_record(
        action="ops.task.update",
        actor=by,
        obj=task,
        before={"status": before},
        after={"status": status, "reason": task.blocked_reason},
    )
    return task


@transaction.atomic
def note_add(*, incident: Incident, by, text: str) -> TimelineEntry:
    """A line in the timeline: what was seen, decided or reported."""
    incident = _locked_open(incident, by)
    text = (text or "").strip()
    if not text:
        raise _field("text", _("Write the note."))
    entry = _entry(incident, EntryKind.NOTE, by, text[:MAX_TEXT])
    audit_record(action="ops.incident.note", actor=by, obj=incident, after={"note": entry.text})
    return entry


@transaction.atomic
def resource_deploy(*, incident: Incident, resource: Resource, by) -> Resource:
    """Send an available resource to the incident."""
    incident = _locked_open(incident, by)
    resource = Resource.objects.restrict(by, ACTION).select_for_update().filter(pk=resource.pk).first()
    if resource is None:
        raise NotFound(_("No such resource."))
    if resource.state != ResourceState.AVAILABLE:
        raise Conflict(_("%(name)s is not available.") % {"name": resource.name})
    resource.state, resource.incident = ResourceState.DEPLOYED, incident
    resource.save(update_fields=["state", "incident", "updated_at"])
    _entry(
        incident,
        EntryKind.RESOURCE,
        by,
        _("%(name)s deployed.") % {"name": resource.name},
        resource=resource.pk,
    )
    audit_record(action="ops.resource.deploy", actor=by, obj=resource, after={"incident": incident.pk})
    return resource


@transaction.atomic
def resource_release(*, resource: Resource, by, note: str = "") -> Resource:
    """Bring a deployed resource back to available."""
    _require(by)
    resource = Resource.objects.restrict(by, ACTION).select_for_update().filter(pk=resource.pk).first()
    if resource is None:
        raise NotFound(_("No such resource."))
    if resource.state != ResourceState.DEPLOYED:
        raise Conflict(_("%(name)s is not deployed.") % {"name": resource.name})
    incident = resource.incident
    resource.state, resource.incident = ResourceState.AVAILABLE, None
    resource.save(update_fields=["state", "incident", "updated_at"])
    text = _("%(name)s released.") % {"name": resource.name}
    _entry(incident, EntryKind.RESOURCE, by, f"{text} {note.strip()}".strip(), resource=resource.pk)
    audit_record(action="ops.resource.release", actor=by, obj=resource, before={"incident": incident.pk})
    return resource


@transaction.atomic
def incident_close(*, incident: Incident, by, summary: str) -> Incident:
    """Close the incident with its summary; deployed resources come back, unfinished tasks stay as they are."""
    incident = _locked_open(incident, by)
    summary = (summary or "").strip()
    if not summary:
        raise _field("summary", _("Write the summary before closing the incident."))
    for resource in Resource.objects.filter(incident=incident):
        resource_release(resource=resource, by=by)
    now = timezone.now()
    incident.status, incident.closed_at, incident.summary = (
        IncidentStatus.CLOSED,
        now,
        summary[: MAX_TEXT * 4],
    )
    incident.save(update_fields=["status", "closed_at", "summary", "updated_at"])
    unfinished = incident.tasks.exclude(status=TaskStatus.DONE).count()
    _entry(
        incident,
        EntryKind.CLOSED,
        by,
        _("Incident closed; %(n)s tasks unfinished.") % {"n": unfinished},
        unfinished=unfinished,
    )
    audit_record(
        action="ops.incident.close",
        actor=by,
        obj=incident,
        before={"status": "open"},
        after={"status": "closed", "summary": incident.summary},
    )
    return incident


@transaction.atomic
def resource_upsert(
    *,
    by,
    code: str,
    name: str,
    kind: str,
    capacity: int,
    lon: float,
    lat: float,
    capacity_unit: str = "",
    address: str = "",
    place=None,
) -> Resource:
    """Register or update a resource at a place in the town (located to its grid)."""
    _require(by)
    _check_choice("kind", kind, ResourceKind)
    where = locate_point(lon, lat)
    if where is None:
        raise _field(
            "location", _("The point (%(lon)s, %(lat)s) is outside the town.") % {"lon": lon, "lat": lat}
        )
    values = {
        "name": name,
        "kind": kind,
        "capacity": capacity,
        "capacity_unit": capacity_unit,
        "lon": lon,
        "lat": lat,
        "address": address,
        "place": place,
        "area_id": where.area_id,
        "village_id": where.village_id,
        "grid_id": where.grid_id,
    }
    resource, created = Resource.objects.update_or_create(code=code, defaults=values)
    audit_record(
        action="ops.resource.create" if created else "ops.resource.update",
        actor=by,
        obj=resource,
        after={"code": code, "name": name, "kind": kind, "capacity": capacity},
    )
    return resource
