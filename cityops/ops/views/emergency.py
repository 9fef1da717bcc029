"""Emergency command pages: the incident list, the raise form, the incident with its map, task board
and timeline, the actions of the command (``ops.command``) and the printable after-action report."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.core.errors import DomainError
from cityops.core.pages import is_htmx, pager, querystring, requires
from cityops.ops.choices.emergency import (
    EntryKind,
    IncidentKind,
    IncidentStatus,
    Level,
    ResourceKind,
    ResourceState,
    TaskStatus,
)
from cityops.ops.emergency import selectors, services
from cityops.ops.emergency.forms import CloseForm, LevelForm, NoteForm, RaiseForm, TaskForm, TaskUpdateForm
from cityops.ops.models import Resource
from cityops.video.choices import Health

VIEW, COMMAND = "ops.view", "ops.command"
PAGE_SIZE = 25
BOARD_REFRESH_SECONDS = 5
# The statuses a task may be moved to from the board, by its status now.
BOARD_MOVES = {
    k: [TaskStatus(s) for s in TaskStatus.values if s in v] for k, v in services.TASK_MOVES.items()
}


def _incident(request, pk, action=VIEW):
    incident = selectors.incident_get(user=request.user, pk=pk, action=action)
    if incident is None:
        raise Http404(_("No such incident."))
    return incident


def present(incident):
    """Labels and colours of an incident's enums."""
    level = Level(incident.level)
    incident.level_label, incident.level_colour, incident.level_numeral = (
        level.label,
        level.colour,
        level.numeral,
    )
    incident.kind_label = IncidentKind(incident.kind).label
    status = IncidentStatus(incident.status)
    incident.status_label, incident.status_colour = status.label, status.colour
    return incident


@requires(VIEW)
def incident_list(request):
    """Incidents in scope with filters (status, type, level, real or drill)."""
    filters = {k: request.GET.get(k, "") for k in ("status", "kind", "level", "drill")}
    qs = selectors.incident_list(user=request.user, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = pager(page, lambda **changes: querystring(request.GET, **changes))
    context.update(
        rows=[present(i) for i in page.object_list],
        filters=filters,
        kinds=IncidentKind.choices,
        levels=Level.choices,
        statuses=IncidentStatus.choices,
        figures=selectors.incident_figures(user=request.user),
    )
    return render(request, "ops/emergency/incidents.html", context)


@requires(COMMAND)
def incident_raise(request):
    """Raise an incident by hand, from an IoT alarm or from a case (``?alarm=`` / ``?case=`` prefill)."""
    form = RaiseForm(request.POST or None, user=request.user, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        common = {
            "by": request.user,
            "kind": d["kind"],
            "level": d["level"],
            "title": d["title"],
            "description": d["description"],
            "drill": d["drill"],
        }
        grid_ids = [g.pk for g in d["grids"]]
        try:
            if d.get("alarm"):
                incident = services.incident_from_alarm(
                    alarm_id=d["alarm"], extra_grid_ids=grid_ids, **common
                )
            elif d.get("case"):
                incident = services.incident_from_case(case_id=d["case"], extra_grid_ids=grid_ids, **common)
            else:
                incident = services.incident_raise(grid_ids=grid_ids, **common)
        except DomainError as exc:
            form.add_error(_field_of(exc, form), exc.detail)
        else:
            messages.success(request, _("Incident raised."))
            return redirect("ops:incident", pk=incident.pk)
    return render(request, "ops/emergency/raise.html", {"form": form}, status=422 if form.errors else 200)


def _field_of(exc, form):
    name = exc.errors[0]["field"] if getattr(exc, "errors", None) else None
    return name if name in form.fields else None


def _board_context(request, incident) -> dict:
    tasks = selectors.incident_tasks(incident)
    for t in tasks:
        status = TaskStatus(t.status)
        t.status_label, t.status_colour = status.label, status.colour
        t.moves = BOARD_MOVES[t.status]
    counts = {s: sum(1 for t in tasks if t.status == s) for s in TaskStatus.values}
    return {
        "incident": incident,
        "tasks": tasks,
        "task_counts": [(TaskStatus(s), n) for s, n in counts.items()],
        "overdue": sum(1 for t in tasks if t.overdue),
        "can_command": request.user.can(COMMAND) and incident.status == IncidentStatus.OPEN,
        "refresh": BOARD_REFRESH_SECONDS,
        "refreshed_at": timezone.localtime(),
    }


def _timeline(incident):
    entries = selectors.incident_timeline(incident)
    for e in entries:
        kind = EntryKind(e.kind)
        e.kind_label, e.kind_colour = kind.label, kind.colour
    return entries


def _map_data(incident, grids, near) -> dict:
    return {
        "incident": {
            "lon": incident.lon,
            "lat": incident.lat,
            "title": incident.title,
            "colour": incident.level_colour,
        },
        "grids": {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": g.geojson, "properties": {"code": g.code, "name": g.name}}
                for g in grids
            ],
        },
        "sensors": [
            {
                "lon": s["lon"],
                "lat": s["lat"],
                "label": s["name"],
                "lines": [
                    f"{r['quantity']}: {'—' if r['value'] is None else round(r['value'], 3)} {r['unit']}".strip()
                    for r in s["readings"]
                ],
            }
            for s in near["sensors"]
        ],
        "cameras": [
            {
                "lon": c.lon,
                "lat": c.lat,
                "label": c.name,
                "lines": [str(Health(c.health).label)],
                "colour": Health(c.health).colour,
            }
            for c in near["cameras"]
        ],
        "resources": [
            {
                "lon": r.lon,
                "lat": r.lat,
                "label": r.name,
                "lines": [
                    f"{ResourceKind(r.kind).label} · {r.capacity} {r.capacity_unit}".strip(),
                    str(ResourceState(r.state).label),
                ],
            }
            for r in near["resources"]
        ],
    }


@requires(VIEW)
def incident_detail(request, pk):
    """The incident: facts, map, task board (live), timeline and, for the command, its actions."""
    incident = present(_incident(request, pk))
    grids = selectors.affected_grids(incident)
    near = selectors.nearby(user=request.user, grids=grids)
    for r in near["resources"]:
        r.kind_label, r.state_label, r.state_colour = (
            ResourceKind(r.kind).label,
            ResourceState(r.state).label,
            ResourceState(r.state).colour,
        )
    for c in near["cameras"]:
        c.health_label, c.health_colour = Health(c.health).label, Health(c.health).colour
    context = _board_context(request, incident)
    plan = services.plan_for(incident)
    context.update(
        grids=grids,
        near=near,
        timeline=_timeline(incident),
        map_data=_map_data(incident, grids, near),
        plan=plan,
        plan_active=plan is not None and incident.plan_id == plan.pk,
        level_form=LevelForm(initial={"level": incident.level}),
        note_form=NoteForm(),
        close_form=CloseForm(),
        task_form=TaskForm(),
        deployable=Resource.objects.restrict(request.user, COMMAND).filter(state=ResourceState.AVAILABLE)
        if context["can_command"]
        else [],
    )
    return render(request, "ops/emergency/incident.html", context)


@requires(VIEW)
def task_board(request, pk):
    """The task board alone, for the page's polling."""
    incident = present(_incident(request, pk))
    return render(request, "ops/emergency/partials/task_board.html", _board_context(request, incident))


def _act(request, pk, do, done: str):
    """Run one command on the incident; a refusal comes back as an error message on the page."""
    incident = _incident(request, pk, COMMAND)
    try:
        do(incident)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done)
    if is_htmx(request):
        return task_board(request, pk)
    return redirect("ops:incident", pk=pk)


@require_POST
@requires(COMMAND)
def incident_level(request, pk):
    form = LevelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a level."))
        return redirect("ops:incident", pk=pk)
    return _act(
        request,
        pk,
        lambda i: services.incident_set_level(
            incident=i, level=form.cleaned_data["level"], reason=form.cleaned_data["reason"], by=request.user
        ),
        _("Level changed."),
    )


@require_POST
@requires(COMMAND)
def plan_activate(request, pk):
    return _act(
        request, pk, lambda i: services.plan_activate(incident=i, by=request.user), _("Plan activated.")
    )


@require_POST
@requires(COMMAND)
def note_add(request, pk):
    text = request.POST.get("text", "")
    return _act(
        request, pk, lambda i: services.note_add(incident=i, text=text, by=request.user), _("Note added.")
    )


@require_POST
@requires(COMMAND)
def incident_close(request, pk):
    summary = request.POST.get("summary", "")
    return _act(
        request,
        pk,
        lambda i: services.incident_close(incident=i, summary=summary, by=request.user),
        _("Incident closed."),
    )


@require_POST
@requires(COMMAND)
def task_add(request, pk):
    form = TaskForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The task needs a title, a unit and a deadline in minutes."))
        return redirect("ops:incident", pk=pk)
    d = form.cleaned_data
    return _act(
        request,
        pk,
        lambda i: services.task_create(
            incident=i,
            title=d["title"],
            deadline_minutes=d["deadline_minutes"],
            by=request.user,
            **form.assignee(),
        ),
        _("Task added."),
    )


@require_POST
@requires(COMMAND)
def task_update(request, pk, task_pk):
    form = TaskUpdateForm(request.POST)

    def do(incident):
        task = incident.tasks.filter(pk=task_pk).first()
        if task is None or not form.is_valid():
            raise Http404(_("No such task."))
        services.task_update(
            task=task, status=form.cleaned_data["status"], reason=form.cleaned_data["reason"], by=request.user
        )

    return _act(request, pk, do, _("Task updated."))


@require_POST
@requires(COMMAND)
def resource_deploy(request, pk):
    resource = (
        Resource.objects.restrict(request.user, COMMAND).filter(pk=request.POST.get("resource") or 0).first()
    )
    if resource is None:
        raise Http404(_("No such resource."))
    return _act(
        request,
        pk,
        lambda i: services.resource_deploy(incident=i, resource=resource, by=request.user),
        _("Resource deployed."),
    )


@requires(VIEW)
def after_action_report(request, pk):
    """The after-action report: a printable page (print it to PDF from the browser)."""
    incident = present(_incident(request, pk))
    context = _board_context(request, incident)
    tasks = context["tasks"]
    context.update(
        grids=selectors.affected_grids(incident),
        timeline=_timeline(incident),
        resources=[(e.text, e.at) for e in incident.timeline.filter(kind=EntryKind.RESOURCE)],
        done_on_time=sum(1 for t in tasks if t.status == TaskStatus.DONE and not t.late),
        done_late=sum(1 for t in tasks if t.late),
        unfinished=sum(1 for t in tasks if t.status != TaskStatus.DONE),
        printed_at=timezone.localtime(),
    )
    return render(request, "ops/emergency/report.html", context)
