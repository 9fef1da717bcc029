"""The applications API under /api/v1/egov/applications: the clerk's queue and an application's
steps, drafts, the department's figures, and the public tracking lookup; thin over the services and
selectors, as the pages are."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status

from cityops.core.api import PageQuery, paginate, problem, problem_response
from cityops.core.errors import NotFound, ValidationFailed
from cityops.core.inputs import Id
from cityops.core.masking import mask_id_number, mask_phone
from cityops.core.middleware import client_ip
from cityops.egov.applications import clock, intake, public, selectors, workflow
from cityops.egov.applications.figures import Where, by_item, now_figures, period_figures
from cityops.egov.applications.services import ActionIn, application_act
from cityops.egov.choices import Status as S
from cityops.egov.models import Application
from cityops.egov.schemas import (
    ActionBody,
    ApplicationDetail,
    ApplicationFiguresOut,
    ApplicationIn,
    ApplicationPage,
    ApplicationQuery,
    DashboardQuery,
    DraftOut,
    DraftUpdate,
    PublicApplication,
    TrackIn,
)

router = Router(tags=["egov applications"])
MAX_DAYS = 366


def _require(request, action: str) -> None:
    if not request.user.can(action):
        raise PermissionDenied(f"Your role may not do {action}.")


def _row(app: Application) -> dict:
    return {
        "number": app.number,
        "item": app.item.code,
        "item_name": app.version.name,
        "version": app.version.number,
        "department": app.department.code,
        "channel": app.channel,
        "status": app.status,
        "received_at": app.received_at,
        "due_at": app.due_at,
        "assignee": app.assignee.username if app.assignee_id else None,
    }


def _detail(app: Application, user) -> dict:
    now = timezone.now()
    running = app.clock_started_at is not None
    return {
        **_row(app),
        "revision": app.revision,
        "situations": [s.name for s in app.situations.all()],
        "applicant_kind": app.applicant_kind,
        "applicant_name": app.applicant_name,
        "id_number": mask_id_number(app.id_number),
        "phone": mask_phone(app.phone),
        "accepted_at": app.accepted_at,
        "deemed_accepted": app.deemed_accepted,
        "decided_at": app.decided_at,
        "decision": app.decision,
        "reason_code": app.reason_code,
        "fee_amount": app.fee_amount,
        "extension_requested": app.extension_requested,
        "extension_days": app.extension_days,
        "clock": {
            "phase": app.clock_phase,
            "running": running,
            "due_at": app.due_at,
            "legal_due_at": app.legal_due_at,
            "minutes_left": clock.left_minutes(app, now) if app.clock_phase != "none" else None,
        },
        "materials": [
            {
                "position": m.position,
                "name": m.name,
                "required": m.required,
                "situation": m.situation,
                "finding": m.finding,
                "note": m.note,
                "requested": m.requested,
            }
            for m in selectors.materials(app)
        ],
        "events": [
            {
                "action": e.action,
                "label": workflow.label(e.action),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor_name,
                "at": e.at,
                "note": e.note,
            }
            for e in selectors.timeline(app)
        ],
        "actions": [t.action for t in workflow.allowed(app, user)],
    }


def _draft(app: Application) -> dict:
    return {
        "id": app.pk,
        "item": app.item.code,
        "item_name": app.version.name,
        "channel": app.channel,
        "situations": [s.name for s in app.situations.all()],
        "applicant": {
            "kind": app.applicant_kind,
            "name": app.applicant_name,
            "id_number": app.id_number,
            "phone": app.phone,
            "note": app.note,
            "delivery": app.delivery,
        },
        "updated_at": app.updated_at,
    }


def _draft_in(item: str, body) -> intake.DraftIn:
    a = body.applicant
    return intake.DraftIn(
        item=item,
        applicant=intake.ApplicantIn(a.kind, a.name, a.id_number, a.phone, a.note, a.delivery),
        situations=list(body.situations),
    )


# ---- the queue, the figures, the lookup (fixed paths before an application's number) --------------


@router.get("", response=ApplicationPage, summary="Applications in your scope, the most urgent first")
def application_list(request, q: Query[ApplicationQuery], paging: Query[PageQuery]):
    _require(request, "egov.applications")
    f = selectors.QueueFilter(**q.dict())
    items, meta = paginate(selectors.application_queue(user=request.user, filters=f), paging)
    return {"items": [_row(a) for a in items], "meta": meta}


@router.post(
    "",
    response={201: ApplicationDetail, 200: ApplicationDetail, 202: DraftOut},
    summary="Make an application",
)
def application_create(request, body: ApplicationIn):
    """A clerk at a window (channel window) or a resident for themselves (online). ``submit``: made and
    submitted at once (201; 200 when ``submission_key`` was seen before); else a draft is saved (202)."""
    if body.channel == "window":
        _require(request, "egov.process")
    else:
        _require(request, "egov.apply")
    data = _draft_in(body.item, body)
    if not body.submit:
        return Status(202, _draft(intake.draft_save(data=data, channel=body.channel, by=request.user)))
    app, made = intake.apply(
        data=data, channel=body.channel, by=request.user, submission_key=body.submission_key
    )
    return Status(201 if made else 200, _detail(app, request.user))


@router.get("/figures", response=ApplicationFiguresOut, summary="The department dashboard's figures")
def figures(request, q: Query[DashboardQuery]):
    _require(request, "egov.applications")
    today = timezone.localdate()
    end = q.end or today
    start = q.start or end.replace(day=1)
    if start > end or end - start >= timedelta(days=MAX_DAYS):
        message = "the period runs from start to end, at most 366 days"
        raise ValidationFailed(message, errors=[{"field": "query.start", "message": message}])
    where = Where(department=q.department)
    return {
        "now": now_figures(user=request.user, where=where),
        "period": period_figures(user=request.user, where=where, start=start, end=end),
        "items": by_item(user=request.user, where=where, start=start, end=end),
    }


@router.post(
    "/track",
    response=PublicApplication,
    auth=None,
    openapi_extra={"responses": {429: problem_response("Too many look-ups from this address in the hour.")}},
    summary="Where an application stands, by tracking number and the applicant's phone (no sign-in)",
    description="A wrong phone and an unknown number get the same 404. At most "
    "CITYOPS_APPLICATION_LOOKUPS_PER_HOUR look-ups an hour from one address (429 after).",
)
def track(request, body: TrackIn):
    result = public.track(number=body.number, phone=body.phone, client=client_ip(request))
    if result.refused:
        return problem(
            request, 429, "Too many requests", "Too many look-ups from your network; try again in an hour."
        )
    if result.view is None:
        raise NotFound("No application matches this tracking number and mobile number.")
    return result.view


# ---- drafts ------------------------------------------------------------------------------------------


def _own_draft(request, draft_id: Id) -> Application:
    app = Application.objects.filter(pk=draft_id, status=S.DRAFT).select_related("item", "version").first()
    if app is None or not intake.may_edit(app, request.user):
        raise NotFound("No such draft.")
    return app


@router.get("/drafts", response=list[DraftOut], summary="Your drafts, the latest first")
def drafts(request):
    if request.user.can("egov.apply"):
        qs = selectors.own_applications(user=request.user).filter(status=S.DRAFT)
    else:
        qs = selectors.clerk_drafts(user=request.user)
    return [_draft(a) for a in qs[:200]]


@router.put("/drafts/{draft_id}", response=DraftOut, summary="Save a draft again")
def draft_update(request, draft_id: Id, body: DraftUpdate):
    app = _own_draft(request, draft_id)
    saved = intake.draft_save(
        data=_draft_in(app.item.code, body), channel=app.channel, by=request.user, application=app
    )
    return _draft(saved)


@router.post(
    "/drafts/{draft_id}/submit",
    response={201: ApplicationDetail, 200: ApplicationDetail},
    summary="Submit a draft",
)
def draft_submit(request, draft_id: Id):
    """201 when this call submitted it; 200 when it was submitted before (the same application)."""
    app = Application.objects.filter(pk=draft_id).first()
    if app is None or not intake.may_edit(app, request.user):
        raise NotFound("No such draft.")
    made, created = intake.submit(application=app, by=request.user)
    return Status(201 if created else 200, _detail(made, request.user))


@router.delete("/drafts/{draft_id}", response={204: None}, summary="Throw a draft away")
def draft_delete(request, draft_id: Id):
    intake.draft_discard(application=_own_draft(request, draft_id), by=request.user)
    return Status(204, None)


# ---- one application ---------------------------------------------------------------------------------


def _application(request, number: str) -> Application:
    if request.user.can("egov.applications"):
        return selectors.application_get(user=request.user, number=number)
    app = selectors.own_applications(user=request.user).exclude(status=S.DRAFT).filter(number=number).first()
    if app is None:
        raise NotFound(f"No application {number}.")
    return app


@router.get("/{number}", response=ApplicationDetail, summary="An application with its materials and steps")
def application_detail(request, number: str):
    if not (request.user.can("egov.applications") or request.user.can("egov.apply")):
        raise PermissionDenied("Your role may not read applications.")
    return _detail(_application(request, number), request.user)


@router.post(
    "/{number}/actions/{action}", response=ApplicationDetail, summary="Take one step of an application"
)
def application_action(request, number: str, action: str, body: ActionBody):
    """The steps of the lifecycle table (docs/egov.md); ``actions`` of the detail lists those you may take."""
    if action not in workflow.TRANSITIONS or action == "submit":
        message = (
            f"unknown action {action!r}; one of {', '.join(a for a in workflow.TRANSITIONS if a != 'submit')}"
        )
        raise ValidationFailed(message, errors=[{"field": "path.action", "message": message}])
    if not (
        request.user.can("egov.process") or request.user.can("egov.approve") or request.user.can("egov.apply")
    ):
        raise PermissionDenied("Your role may not act on applications.")
    app = _application(request, number)
    data = body.dict()
    revision = data.pop("revision")
    app = application_act(
        application=app, action=action, by=request.user, data=ActionIn(**data), revision=revision
    )
    return _detail(app, request.user)
