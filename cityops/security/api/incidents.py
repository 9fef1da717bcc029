"""The incidents' API: read them (the security officer and the auditor), register and respond (the
security officer); every change goes through the services, which refuse and audit a role that may
not, a step out of order or a change made on an older version (409)."""

from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Status

from cityops.core.api import PageQuery, paginate
from cityops.security import categories
from cityops.security.incidents import selectors, services
from cityops.security.incidents.selectors import IncidentFilter
from cityops.security.models import Incident
from cityops.security.schemas import (
    CategoryOut,
    EntryOut,
    GradeIn,
    IncidentDetail,
    IncidentFiguresOut,
    IncidentIn,
    IncidentNoteIn,
    IncidentPage,
    IncidentQuery,
    OwnerIn,
    StepDoneIn,
    SystemsIn,
)

router = Router(tags=["security"])
VIEW = "security.view"


def _require(request, action: str = VIEW) -> None:
    if not request.user.can(action):
        raise PermissionDenied(f"Your role may not do {action}.")


def incident_row(i: Incident) -> dict:
    return {
        "number": i.number,
        "title": i.title,
        "category": i.category,
        "subcategory": i.subcategory,
        "grade": i.grade,
        "drill": i.drill,
        "status": i.status,
        "discovered_at": i.discovered_at,
        "closed_at": i.closed_at,
        "version": i.version,
    }


def incident_detail(i: Incident) -> dict:
    cat, sub = categories.names(i.category, i.subcategory)
    return {
        **incident_row(i),
        "category_name": cat,
        "subcategory_name": sub,
        "description": i.description,
        "summary": i.summary,
        "registered_at": i.registered_at,
        "registered_by": i.registered_by_name,
        "systems": [s.code for s in i.systems.order_by("code")],
        "steps": [
            {
                "step": s.kind,
                "owner": s.owner,
                "done_at": s.done_at,
                "recorded_by": s.recorded_by,
                "note": s.note,
            }
            for s in selectors.incident_steps(i)
        ],
        "timers": [
            {
                "report": t.kind,
                "state": t.state.value,
                "working_days": t.working_days,
                "amount": t.amount,
                "started_at": t.started_at,
                "due_at": t.due_at,
                "met_at": t.met_at,
                "minutes_left": t.left,
                "rule": t.rule,
            }
            for t in selectors.incident_timers(i)
        ],
    }


def _detail(request, number: str) -> dict:
    return incident_detail(selectors.incident_get(user=request.user, number=number))


@router.get(
    "/categories",
    response=list[CategoryOut],
    summary="The incident categories and subcategories (GB/T 20986-2023)",
)
def category_list(request):
    _require(request)
    return [
        {
            "code": c.code,
            "name": c.name,
            "subcategories": [{"code": s.code, "name": s.name} for s in c.subcategories],
        }
        for c in categories.categories()
    ]


@router.get("/incidents", response=IncidentPage, summary="Incidents (drills included, marked), newest first")
def incident_list(request, q: Query[IncidentQuery], paging: Query[PageQuery]):
    _require(request)
    f = IncidentFilter(**{k: v or "" for k, v in q.dict().items()})
    items, meta = paginate(selectors.incident_list(user=request.user, filters=f), paging)
    return {"items": [incident_row(i) for i in items], "meta": meta}


@router.get(
    "/incidents/figures",
    response=IncidentFiguresOut,
    summary="Open real incidents by grade (drills excluded)",
)
def incident_figures(request):
    _require(request)
    f = selectors.incident_figures(user=request.user)
    return {**f, "by_grade": [{k: b[k] for k in ("grade", "label", "count")} for b in f["by_grade"]]}


@router.post("/incidents", response={201: IncidentDetail}, summary="Register an incident")
def incident_register(request, body: IncidentIn):
    incident = services.incident_register(by=request.user, **body.dict())
    return Status(201, _detail(request, incident.number))


@router.get(
    "/incidents/{number}", response=IncidentDetail, summary="An incident with its steps and report timers"
)
def incident_get(request, number: str):
    _require(request)
    return _detail(request, number)


@router.get("/incidents/{number}/timeline", response=list[EntryOut], summary="An incident's timeline")
def incident_timeline(request, number: str):
    _require(request)
    incident = selectors.incident_get(user=request.user, number=number)
    return [
        {"at": e.at, "kind": e.kind, "by": e.actor_name, "text": e.text}
        for e in selectors.incident_entries(incident)
    ]


@router.post(
    "/incidents/{number}/grade",
    response=IncidentDetail,
    summary="Change the grade (the first report's clock follows)",
)
def incident_grade(request, number: str, body: GradeIn):
    services.incident_grade(by=request.user, number=number, **body.dict())
    return _detail(request, number)


@router.post(
    "/incidents/{number}/steps/{step}/owner", response=IncidentDetail, summary="Name who answers for a step"
)
def step_owner(request, number: str, step: str, body: OwnerIn):
    services.step_owner(by=request.user, number=number, step=step, **body.dict())
    return _detail(request, number)


@router.post(
    "/incidents/{number}/steps/{step}/done",
    response=IncidentDetail,
    summary="Record the next step done (detect, report, contain, eradicate, recover, review, in order)",
)
def step_done(request, number: str, step: str, body: StepDoneIn):
    services.step_done(by=request.user, number=number, step=step, **body.dict())
    return _detail(request, number)


@router.put("/incidents/{number}/systems", response=IncidentDetail, summary="Set the affected systems")
def incident_systems(request, number: str, body: SystemsIn):
    services.incident_systems(by=request.user, number=number, **body.dict())
    return _detail(request, number)


@router.post("/incidents/{number}/notes", response={201: EntryOut}, summary="Add a note to the timeline")
def incident_note(request, number: str, body: IncidentNoteIn):
    entry = services.incident_note(by=request.user, number=number, text=body.text)
    return Status(201, {"at": entry.at, "kind": entry.kind, "by": entry.actor_name, "text": entry.text})
