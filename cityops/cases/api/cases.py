from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from cityops.cases import selectors
from cityops.cases.choices import Channel
from cityops.cases.choices import Status as CaseStatus
from cityops.cases.intake import IntakeIn, Reporter, case_intake
from cityops.cases.photos import photos_of
from cityops.cases.schemas import CaseDetail, CasePage, HotlineIn, IntakeOut, NotificationOut
from cityops.cases.services import ActionIn, case_transition
from cityops.core.api import PageQuery, paginate
from cityops.core.inputs import Moment

router = Router(tags=["cases"])


class CaseQuery(Schema):
    status: list[CaseStatus] | None = Field(None, description="One or more statuses.")
    colour: str | None = Field(None, description="green, yellow, red or none")
    area: str | None = None
    village: str | None = None
    grid: str | None = None
    department: str | None = None
    channel: Channel | None = None
    item: str | None = None
    number: str | None = None
    mine: bool = Field(False, description="Only cases assigned to me to verify or re-check.")
    open: bool = Field(False, description="Only open cases.")
    escalated: bool = False
    supervised: bool = False


class ReportForm(Schema):
    item: str = Field(min_length=1, max_length=32, description="Patrol item code.")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    description: str = Field("", max_length=4000)
    address: str = Field("", max_length=200)
    on_the_spot: bool = Field(False, description="Disposed on the spot by the inspector (minor items).")


class ActionForm(Schema):
    action: str
    note: str = Field("", max_length=2000)
    result: str = ""
    department: str = ""
    days: int | None = None
    deadline: Moment | None = None
    version: int | None = None


def _require(request, action: str) -> None:
    if not request.user.can(action):
        raise PermissionDenied(f"Your role may not do {action}.")


def row(c) -> dict:
    status = CaseStatus(c.status)
    return {
        "number": c.number,
        "item": c.item.code,
        "item_name": c.item.name,
        "kind": c.item.kind,
        "channel": c.channel,
        "status": c.status,
        "status_label": str(status.label),
        "status_colour": status.colour,
        "colour": getattr(c, "colour", "none"),
        "urgency": c.urgency,
        "grid": c.grid.code,
        "village": c.village.code,
        "area": c.area.code,
        "department": c.department.code,
        "workstation": c.workstation.code,
        "escalation": c.escalation,
        "supervision": c.supervision,
        "reports": c.reports,
        "reported_at": c.reported_at,
        "step_deadline": c.step_deadline,
        "due_at": c.due_at,
        "version": c.version,
    }


def detail(case, user) -> dict:
    history = [
        {
            "action": e.action,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "actor": e.actor_name,
            "at": e.at,
            "note": e.note,
            "data": e.data,
            "attachments": [reverse("cases:photo", args=[case.number, a.pk]) for a in e.attachments.all()],
        }
        for e in selectors.case_history(case)
    ]
    return {
        **row(case),
        "description": case.description,
        "address": case.address,
        "lon": case.lon,
        "lat": case.lat,
        "assignee": case.assignee.username if case.assignee_id else None,
        "rework_count": case.rework_count,
        "return_count": case.return_count,
        "extension_requested": case.extension_requested,
        "closed_at": case.closed_at,
        "closed_on_time": case.closed_on_time,
        "actions": selectors.case_actions(case, user),
        "history": history,
    }


def _intake_answer(result) -> Status:
    """201 with the new case, or 200 with the open case the report joined."""
    body = {
        "number": result.case.number,
        "duplicate": result.duplicate,
        "notice": result.notice,
        "token": result.report.token,
        "status": result.case.status,
    }
    return Status(200 if result.duplicate else 201, body)


def _intake_answer(result) -> Status:
    """201 with the new case, or 200 with the open case the report joined."""
    body = {
        "number": result.case.number,
        "duplicate": result.duplicate,
        "notice": result.notice,
        "token": result.report.token,
        "status": result.case.status,
    }
    return Status(200 if result.duplicate else 201, body)


@router.get("", response=CasePage, summary="Cases in your scope, most urgent first")
def case_list(request, q: Query[CaseQuery], paging: Query[PageQuery]):
    _require(request, "cases.view")
    f = selectors.CaseFilter.of(q.dict(), assigned_to_me="mine", open_only="open")
    items, meta = paginate(selectors.case_list(user=request.user, filters=f), paging)
    return {**meta, "results": [row(c) for c in items]}


@router.post("", response={201: IntakeOut, 200: IntakeOut}, summary="Report a case (inspector patrol)")
def report(request, form: Form[ReportForm], photos: File[list[UploadedFile]] = None):
    _require(request, "cases.intake")
    data = IntakeIn(
        channel=Channel.PATROL,
        item_code=form.item,
        lon=form.lon,
        lat=form.lat,
        description=form.description,
        address=form.address,
        reporter=Reporter(user=request.user),
        photos=photos_of(photos),
        on_the_spot=form.on_the_spot,
    )
    return _intake_answer(case_intake(data, by=request.user))


@router.post("/hotline", response={201: IntakeOut, 200: IntakeOut}, summary="A 12345 hotline transfer")
def hotline(request, body: HotlineIn):
    _require(request, "cases.intake")
    data = IntakeIn(
        channel=Channel.HOTLINE,
        item_code=body.item,
        lon=body.lon,
        lat=body.lat,
        description=body.description,
        address=body.address,
        reporter=Reporter(name=body.caller_name, phone=body.caller_phone),
        external_ref=body.ticket,
        deadline=body.deadline,
    )
    return _intake_answer(case_intake(data, by=request.user))


@router.get("/inbox", response=list[NotificationOut], summary="Your notifications, newest first")
def inbox(request, unread: bool = False):
    items = selectors.inbox(user=request.user, unread_only=unread)[:200]
    return [
        {
            "id": n.id,
            "kind": n.kind,
            "text": n.text,
            "case": n.case.number if n.case_id else None,
            "created_at": n.created_at,
            "read": n.read_at is not None,
        }
        for n in items
    ]


@router.post("/inbox/read", response=dict, summary="Mark all your notifications read")
def inbox_read(request):
    count = selectors.inbox(user=request.user, unread_only=True).update(read_at=timezone.now())
    return {"marked": count}


@router.get("/{number}", response=CaseDetail, summary="One case with its history and your possible actions")
def case_detail(request, number: str):
    _require(request, "cases.view")
    return detail(selectors.case_get(user=request.user, number=number), request.user)


@router.post("/{number}/actions", response=CaseDetail, summary="Take an action of the case lifecycle")
def case_action(request, number: str, form: Form[ActionForm], photos: File[list[UploadedFile]] = None):
    _require(request, "cases.view")
    case = selectors.case_get(user=request.user, number=number)
    data = ActionIn(
        action=form.action,
        note=form.note,
        result=form.result,
        department=form.department,
        days=form.days,
        deadline=form.deadline,
        version=form.version,
        photos=photos_of(photos),
    )
    case_transition(case_id=case.pk, by=request.user, data=data)
    return detail(selectors.case_get(user=request.user, number=number), request.user)
