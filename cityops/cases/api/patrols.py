"""The patrols API, mounted at /api/v1/patrols: plans, check-in, track chunks, check-out, coverage."""

from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field, WithJsonSchema

from cityops.cases.models.patrol import PlanKind, SessionState
from cityops.cases.patrols import selectors
from cityops.cases.patrols.services import (
    PlanIn,
    plan_deactivate,
    plan_set,
    session_end,
    session_points,
    session_start,
)
from cityops.core.api import PageMeta, PageQuery, paginate
from cityops.core.inputs import Day, Id, Username
from cityops.core.upsert import Outcome

router = Router(tags=["patrols"])


class CheckInIn(Schema):
    lon: float = Field(description="Longitude of the phone's fix (WGS84).")
    lat: float = Field(description="Latitude of the phone's fix (WGS84).")
    accuracy: float | None = Field(None, description="Accuracy of the fix in metres; at most 100.")
    grid: str | None = Field(None, description="Grid code; by default the grid at the point.")


# Checked by the service, which names the bad point; the schemas only document the shape.
SEQ = WithJsonSchema({"type": "integer", "minimum": 0})
POINTS = WithJsonSchema(
    {
        "type": "array",
        "maxItems": 1000,
        "items": {"type": "array", "items": {"type": "number"}, "minItems": 4},
    }
)


class PointsIn(Schema):
    seq: Annotated[Any, SEQ] = Field(
        description="Chunk number from 0; a resend of a stored seq changes nothing."
    )
    points: Annotated[Any, POINTS] = Field(
        description="1 to 1000 points [lon, lat, unix seconds, accuracy m]."
    )


class SessionOut(Schema):
    id: int
    inspector: str
    inspector_name: str
    grid: str
    grid_name: str
    village: str
    area: str
    state: str
    state_label: str
    state_colour: str
    started_at: datetime
    ended_at: datetime | None
    start_lon: float
    start_lat: float
    last_point_at: datetime | None
    points: int
    distance_m: float
    minutes_inside: float


class SessionPage(PageMeta):
    results: list[SessionOut]


class PointsOut(Schema):
    session: int
    seq: int
    duplicate: bool
    kept: int
    dropped: int
    points: int
    distance_m: float
    minutes_inside: float
    last_point_at: datetime | None


class PlanBody(Schema):
    grid: str
    inspector: str = Field(description="Username of an inspector of the grid's village.")
    item_kind: str = Field(PlanKind.ALL, description="all, component or event")
    visits_per_week: int = Field(5, description="1 to 21 visits a week.")
    min_minutes: int = Field(30, description="Minutes inside the grid that make a session a visit.")
    valid_from: Day | None = Field(None, description="First day the plan counts; today by default.")


class PlanOut(Schema):
    id: int
    inspector: str
    inspector_name: str
    grid: str
    grid_name: str
    village: str
    item_kind: str
    visits_per_week: int
    min_minutes: int
    active: bool
    valid_from: date
    valid_until: date | None


class PlanPage(PageMeta):
    results: list[PlanOut]


class CoverageRow(Schema):
    grid: str
    grid_name: str
    village: str
    area: str
    day: date
    working_day: bool
    planned_visits: float
    expected_visits: int
    visits: int
    sessions: int
    minutes: float
    coverage: float
    missed: bool
    colour: str
    computed_at: datetime


class CoveragePage(PageMeta):
    day: date
    totals: dict
    results: list[CoverageRow]


def _require(request) -> None:
    if not request.user.can("cases.view"):
        raise PermissionDenied("Your role may not see patrols.")


def session_row(s) -> dict:
    state = SessionState(s.state)
    return {
        "id": s.pk,
        "inspector": s.inspector.username,
        "inspector_name": str(s.inspector),
        "grid": s.grid.code,
        "grid_name": s.grid.name,
        "village": s.village.code,
        "area": s.area.code,
        "state": s.state,
        "state_label": str(state.label),
        "state_colour": state.colour,
        "started_at": s.started_at,
        "ended_at": s.ended_at,
        "start_lon": s.start_lon,
        "start_lat": s.start_lat,
        "last_point_at": s.last_point_at,
        "points": s.points,
        "distance_m": round(s.distance_m, 1),
        "minutes_inside": round(s.minutes_inside, 1),
    }


def plan_row(p) -> dict:
    return {
        "id": p.pk,
        "inspector": p.inspector.username,
        "inspector_name": str(p.inspector),
        "grid": p.grid.code,
        "grid_name": p.grid.name,
        "village": p.village.code,
        "item_kind": p.item_kind,
        "visits_per_week": p.visits_per_week,
        "min_minutes": p.min_minutes,
        "active": p.active,
        "valid_from": p.valid_from,
        "valid_until": p.valid_until,
    }


def coverage_row(c) -> dict:
    fields = ("day", "working_day", "planned_visits", "expected_visits", "visits", "sessions", "minutes")
    return {
        **{name: getattr(c, name) for name in fields},
        "grid": c.grid.code,
        "grid_name": c.grid.name,
        "village": c.village.code,
        "area": c.area.code,
        "coverage": c.coverage,
        "missed": c.missed,
        "colour": c.colour,
        "computed_at": c.computed_at,
    }


@router.post("/sessions", response={201: SessionOut, 200: SessionOut}, summary="Check in to a patrol")
def check_in(request, body: CheckInIn):
    session, created = session_start(
        by=request.user, lon=body.lon, lat=body.lat, accuracy=body.accuracy, grid=body.grid
    )
    return Status(
        201 if created else 200, session_row(selectors.session_get(user=request.user, session_id=session.pk))
    )


@router.post("/sessions/{session_id}/points", response=PointsOut, summary="Send a chunk of the GPS track")
def points(request, session_id: Id, body: PointsIn):
    result = session_points(session_id=session_id, by=request.user, seq=body.seq, points=body.points)
    s = result.session
    return {
        "session": s.pk,
        "seq": body.seq,
        "duplicate": result.duplicate,
        "kept": result.kept,
        "dropped": result.dropped,
        "points": s.points,
        "distance_m": round(s.distance_m, 1),
        "minutes_inside": round(s.minutes_inside, 1),
        "last_point_at": s.last_point_at,
    }


@router.post("/sessions/{session_id}/end", response=SessionOut, summary="Check out of a patrol")
def check_out(request, session_id: Id):
    session = session_end(session_id=session_id, by=request.user)
    return session_row(selectors.session_get(user=request.user, session_id=session.pk))


class SessionQuery(Schema):
    mine: bool = Field(False, description="Only my own sessions.")
    open: bool | None = Field(None, description="Only open (true) or ended (false) sessions.")
    area: str | None = None
    village: str | None = None
    grid: str | None = None
    inspector: Username | None = None
    day: Day | None = Field(None, description="Sessions started on this day.")


@router.get("/sessions", response=SessionPage, summary="Patrol sessions in your scope, newest first")
def session_list(request, q: Query[SessionQuery], paging: Query[PageQuery]):
    _require(request)
    filters = selectors.SessionFilter(**q.model_dump())
    items, meta = paginate(selectors.session_list(user=request.user, filters=filters), paging)
    return {**meta, "results": [session_row(s) for s in items]}


@router.get("/sessions/{session_id}", response=SessionOut, summary="One patrol session")
def session_detail(request, session_id: Id):
    _require(request)
    return session_row(selectors.session_get(user=request.user, session_id=session_id))


@router.get("/sessions/{session_id}/track", response=dict, summary="A session's track as GeoJSON")
def session_track(request, session_id: Id):
    _require(request)
    return selectors.session_feature(selectors.session_get(user=request.user, session_id=session_id))


class CoverageQuery(Schema):
    day: Day | None = Field(None, description="The day; today by default.")
    area: str | None = None
    village: str | None = None
    grid: str | None = None
    missed: bool | None = Field(None, description="Only grids whose patrols were (not) missed.")


@router.get("/coverage", response=CoveragePage, summary="Patrol coverage of the grids on one day")
def coverage(request, q: Query[CoverageQuery], paging: Query[PageQuery]):
    _require(request)
    day = q.day or timezone.localdate()
    qs = selectors.coverage_list(
        user=request.user, day=day, area=q.area, village=q.village, grid=q.grid, missed=q.missed
    )
    items, meta = paginate(qs, paging)
    return {
        **meta,
        "day": day,
        "totals": selectors.coverage_totals(qs),
        "results": [coverage_row(c) for c in items],
    }


class PlanQuery(Schema):
    area: str | None = None
    village: str | None = None
    grid: str | None = None
    inspector: Username | None = None
    active: bool | None = True


@router.get("/plans", response=PlanPage, summary="Patrol plans in your scope")
def plan_list(request, q: Query[PlanQuery], paging: Query[PageQuery]):
    _require(request)
    items, meta = paginate(selectors.plan_list(user=request.user, **q.model_dump()), paging)
    return {**meta, "results": [plan_row(p) for p in items]}


@router.post("/plans", response={201: PlanOut, 200: PlanOut}, summary="Plan an inspector's patrols of a grid")
def plan_post(request, body: PlanBody):
    plan, outcome = plan_set(by=request.user, data=PlanIn(**body.model_dump()))
    plan = selectors.plan_list(user=request.user, active=None).get(pk=plan.pk)
    return Status(201 if outcome == Outcome.CREATED else 200, plan_row(plan))


@router.post("/plans/{plan_id}/deactivate", response=PlanOut, summary="Stop a patrol plan from today on")
def plan_stop(request, plan_id: Id):
    plan = plan_deactivate(by=request.user, plan_id=plan_id)
    return plan_row(selectors.plan_list(user=request.user, active=None).get(pk=plan.pk))
