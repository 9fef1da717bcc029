"""Patrols: plans, check-in with a GPS track, check-out, and the daily coverage of every grid.

The phone sends its track in numbered chunks of ``[lon, lat, unix seconds, accuracy m]`` points.
A chunk is stored once per (session, seq), so a resend after a bad network changes nothing.
Distance and minutes inside the grid are sums over consecutive points in time order: a chunk that
continues the track adds to them, a late chunk that fills a hole has them recomputed from all
chunks. The track maths live in ``tracks``, the daily coverage in ``coverage``;
both are re-exported here. ``docs/patrols.md`` gives every formula.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import shapely
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from cityops.accounts.models import User
from cityops.accounts.roles import Role
from cityops.audit.services import audit_record, changed_fields
from cityops.cases.models import PatrolCoverage, PatrolPlan, PatrolSession, PatrolTrackChunk
from cityops.cases.models.patrol import PlanKind, SessionState
from cityops.cases.patrols.coverage import coverage_compute as coverage_compute  # re-exported
from cityops.cases.patrols.coverage import coverage_recent
from cityops.cases.patrols.tracks import (
    DEFAULT_MIN_MINUTES,
    MAX_ACCURACY_M,
    clean_points,
    grid_shape,
    is_number,
    session_track,
    to_datetime,
    track_stats,
)
from cityops.cases.patrols.tracks import TrackIn as TrackIn  # re-exported
from cityops.cases.patrols.tracks import sessions_import as sessions_import  # re-exported
from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.core.upsert import Outcome
from cityops.geo.models import Grid
from cityops.geo.selectors import locate_point

STALE_AFTER = timedelta(hours=12)
COVERAGE_EVERY = timedelta(minutes=5)
PLANNERS = frozenset({Role.DUTY_OFFICER, Role.DISPATCHER})
SWEEPER = "sweeper"


def _fail(field: str, message: str):
    raise ValidationFailed(message, errors=[{"field": field, "message": message}])


def _raise(errors: list[tuple[str, str]]) -> None:
    if errors:
        raise ValidationFailed(
            "; ".join(m for _, m in errors), errors=[{"field": f, "message": m} for f, m in errors]
        )


def _whole(value, lo: int, hi: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


# plans ------------------------------------------------------------------------------------------


@dataclass
class PlanIn:
    grid: str
    inspector: str
    item_kind: str = PlanKind.ALL
    visits_per_week: int = 5
    min_minutes: int = DEFAULT_MIN_MINUTES
    valid_from: date | None = None


def _may_plan(by) -> None:
    """``by`` None is a trusted system caller (the demo seed, the CLI)."""
    if by is not None and not (by.is_active and (by.is_superuser or by.role in PLANNERS)):
        raise Forbidden("Your role may not plan patrols; a workstation dispatcher or duty officer can.")


def _plan_grid(by, code: str) -> Grid:
    qs = Grid.objects.all() if by is None else Grid.objects.restrict(by, "cases.intake")
    grid = qs.filter(code=code).first()
    if grid is None:
        raise NotFound(f"There is no grid {code!r} in your scope.")
    return grid


def _plan_errors(data: PlanIn, grid: Grid, inspector: User | None) -> list[tuple[str, str]]:
    errors = []
    if data.item_kind not in PlanKind.values:
        errors.append(("item_kind", f"item_kind must be one of {', '.join(PlanKind.values)}"))
    if not _whole(data.visits_per_week, 1, 21):
        errors.append(("visits_per_week", "visits_per_week must be a whole number from 1 to 21"))
    if not _whole(data.min_minutes, 1, 720):
        errors.append(("min_minutes", "min_minutes must be a whole number from 1 to 720"))
    if inspector is None or inspector.role != Role.INSPECTOR or not inspector.is_active:
        errors.append(("inspector", f"{data.inspector!r} is not an active inspector"))
    elif inspector.scope_village_id != grid.village_id:
        why = f"inspector {inspector.username} is scoped neither to grid {grid.code} nor to its village"
        errors.append(("inspector", why))
    return errors


def _plan_state(plan: PatrolPlan) -> dict:
    keys = ("item_kind", "visits_per_week", "min_minutes", "active", "valid_from", "valid_until")
    return {k: getattr(plan, k) for k in keys}


def plan_set(*, by, data: PlanIn, actor_name: str = "") -> tuple[PatrolPlan, Outcome]:
    """Create, change or reactivate the plan of (inspector, grid, item kind)."""
    _may_plan(by)
    grid = _plan_grid(by, data.grid)
    inspector = User.objects.filter(username=data.inspector).first()
    today = timezone.localdate()
    errors = _plan_errors(data, grid, inspector)
    if by is not None and data.valid_from is not None and data.valid_from < today:
        errors.append(("valid_from", "a plan starts today or later; past days keep the plans they had"))
    _raise(errors)
    fields = {"visits_per_week": data.visits_per_week, "min_minutes": data.min_minutes, "active": True}
    fields["valid_until"] = None
    with transaction.atomic():
        key = {"inspector": inspector, "grid": grid, "item_kind": data.item_kind}
        plan = PatrolPlan.objects.select_for_update().filter(**key).first()
        if plan is None:
            plan = PatrolPlan.objects.create(
                **key,
                area_id=grid.area_id,
                village_id=grid.village_id,
                valid_from=data.valid_from or today,
                **fields,
            )
            before, after, outcome = {}, _plan_state(plan), Outcome.CREATED
        else:
            if data.valid_from or not plan.active:
                fields["valid_from"] = data.valid_from or today
            old = _plan_state(plan)
            for name, value in fields.items():
                setattr(plan, name, value)
            before, after = changed_fields(old, _plan_state(plan))
            if not after:
                return plan, Outcome.UNCHANGED
            plan.save()
            outcome = Outcome.UPDATED
        after.update(inspector=inspector.username, grid=grid.code)
        audit_record(
            action=f"cases.patrol_plan.{'create' if outcome == Outcome.CREATED else 'update'}",
            actor=by,
            actor_name=actor_name,
            obj=plan,
            before=before or None,
            after=after,
        )
    return plan, outcome


def plan_deactivate(*, by, plan_id: int, actor_name: str = "") -> PatrolPlan:
    """Stop a plan from today on; its past days keep counting it. Deactivating twice changes nothing."""
    _may_plan(by)
    with transaction.atomic():
        qs = PatrolPlan.objects.all() if by is None else PatrolPlan.objects.restrict(by, "cases.intake")
        plan = qs.select_for_update().filter(pk=plan_id).first()
        if plan is None:
            raise NotFound(f"There is no patrol plan {plan_id} in your scope.")
        if not plan.active:
            return plan
        plan.active, plan.valid_until = False, max(timezone.localdate(), plan.valid_from)
        plan.save(update_fields=["active", "valid_until", "updated_at"])
        audit_record(
            action="cases.patrol_plan.deactivate",
            actor=by,
            actor_name=actor_name,
            obj=plan,
            before={"active": True},
            after={"active": False, "valid_until": plan.valid_until},
        )
    return plan


# sessions ---------------------------------------------------------------------------------------


def _position_errors(lon, lat, accuracy) -> list[tuple[str, str]]:
    errors = []
    if not is_number(lon) or not -180 <= lon <= 180:
        errors.append(("lon", "lon must be a longitude from -180 to 180"))
    if not is_number(lat) or not -90 <= lat <= 90:
        errors.append(("lat", "lat must be a latitude from -90 to 90"))
    if accuracy is not None and (not is_number(accuracy) or accuracy < 0):
        errors.append(("accuracy", "accuracy must be a number of metres, 0 or more"))
    elif accuracy is not None and accuracy > MAX_ACCURACY_M:
        why = f"the fix is accurate to {accuracy:.0f} m; check in with one better than {MAX_ACCURACY_M:.0f} m"
        errors.append(("accuracy", why))
    return errors


def _outside(message: str):
    _raise([("lon", message), ("lat", message)])


def _checkin_grid(by, lon: float, lat: float, code: str | None) -> Grid:
    """The grid to patrol: the one named or the one at the point, if it is the inspector's or planned."""
    allowed = Grid.objects.filter(
        Q(pk=by.scope_grid_id) | Q(patrol_plans__inspector=by, patrol_plans__active=True)
    ).distinct()
    if code:
        grid = allowed.filter(code=code).first()
        if grid is None:
            _fail(
                "grid",
                f"you may not patrol grid {code}: it is not your grid and no active plan names you for it",
            )
        if not shapely.intersects_xy(grid_shape(grid), lon, lat):
            _outside(f"the point ({lon}, {lat}) is outside grid {grid.code} {grid.name}; check in inside it")
        return grid
    where = locate_point(lon, lat)
    if where is None:
        _outside(f"the point ({lon}, {lat}) is outside the town")
    grid = allowed.filter(pk=where.grid_id).first()
    if grid is None:
        _outside(
            f"the point ({lon}, {lat}) is in grid {where.grid_code} {where.grid_name}, which you do not patrol"
        )
    return grid


def _open_session(by, grid: Grid) -> PatrolSession | None:
    current = PatrolSession.objects.select_for_update().filter(inspector=by, ended_at__isnull=True).first()
    if current is not None and current.grid_id != grid.pk:
        raise Conflict(
            f"You are still on patrol in grid {current.grid.code} (session {current.pk}); "
            f"check out of it before checking in to {grid.code}."
        )
    return current


def session_start(
    *, by, lon, lat, accuracy=None, grid: str | None = None, now=None
) -> tuple[PatrolSession, bool]:
    """Check in; returns the session and whether it is new (a retried check-in finds the open one)."""
    now = now or timezone.now()
    if getattr(by, "role", None) != Role.INSPECTOR or not by.is_active:
        raise Forbidden("Only inspectors check in to a patrol.")
    _raise(_position_errors(lon, lat, accuracy))
    target = _checkin_grid(by, lon, lat, grid)
    with transaction.atomic():
        current = _open_session(by, target)
        if current is not None:
            return current, False
        try:
            with transaction.atomic():
                session = PatrolSession.objects.create(
                    inspector=by,
                    grid=target,
                    area_id=target.area_id,
                    village_id=target.village_id,
                    started_at=now,
                    start_lon=lon,
                    start_lat=lat,
                )
        except IntegrityError:  # a concurrent check-in of the same inspector won
            return _open_session(by, target), False
        audit_record(
            action="cases.patrol.check_in",
            actor=by,
            obj=session,
            after={"grid": target.code, "lon": lon, "lat": lat, "accuracy": accuracy},
        )
    return session, True


def _own_session(by, session_id: int) -> PatrolSession:
    """The inspector's own session, locked; anyone else's is a 404 (not even its existence shows)."""
    if not getattr(by, "is_active", False):
        raise NotFound(f"You have no patrol session {session_id}.")
    session = PatrolSession.objects.select_for_update().filter(pk=session_id, inspector_id=by.pk).first()
    if session is None:
        raise NotFound(f"You have no patrol session {session_id}.")
    return session


def _extend(session: PatrolSession, kept: list[list]) -> None:
    if not kept:
        return
    shape = grid_shape(session.grid)
    last_t = session.last_point_at.timestamp() if session.last_point_at else None
    if last_t is None or kept[0][2] >= last_t:
        head = [] if last_t is None else [[session.last_lon, session.last_lat, last_t, 0]]
        distance, minutes = track_stats(head + kept, shape)
        session.distance_m += distance
        session.minutes_inside += minutes
        session.points += len(kept)
    else:  # a late chunk fills a hole: recompute (the new chunk is already stored)
        track = session_track(session)
        session.distance_m, session.minutes_inside = track_stats(track, shape)
        session.points = len(track)
    last = kept[-1]
    if last_t is None or last[2] >= last_t:
        session.last_lon, session.last_lat, session.last_point_at = last[0], last[1], to_datetime(last[2])
    session.save(
        update_fields=["points", "distance_m", "minutes_inside", "last_lon", "last_lat", "last_point_at"]
    )


@dataclass
class PointsResult:
    session: PatrolSession
    kept: int = 0
    dropped: int = 0
    duplicate: bool = False


def session_points(*, session_id: int, by, seq, points, now=None) -> PointsResult:
    """Add one chunk of the inspector's track; a resend of a stored (session, seq) changes nothing."""
    now = now or timezone.now()
    if not _whole(seq, 0, 2**31 - 1):
        _fail("seq", "seq must be a whole number, 0 or more")
    with transaction.atomic():
        session = _own_session(by, session_id)
        if session.chunks.filter(seq=seq).exists():
            return PointsResult(session, duplicate=True)
        if session.ended_at is not None:
            raise Conflict(
                f"Patrol session {session.pk} ended at {timezone.localtime(session.ended_at):%Y-%m-%d %H:%M}; "
                "check in again to send more points."
            )
        kept, dropped = clean_points(points, since=session.started_at, until=now)
        PatrolTrackChunk.objects.create(session=session, seq=seq, points=kept, dropped=dropped)
        _extend(session, kept)
    return PointsResult(session, len(kept), dropped)


def session_end(*, session_id: int, by, now=None) -> PatrolSession:
    """Check out; checking out of an ended session (a retry) changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _own_session(by, session_id)
        if session.ended_at is not None:
            return session
        session.ended_at, session.state = now, SessionState.CHECKOUT
        session.save(update_fields=["ended_at", "state"])
        audit_record(
            action="cases.patrol.check_out",
            actor=by,
            obj=session,
            after={
                "points": session.points,
                "distance_m": round(session.distance_m, 1),
                "minutes_inside": round(session.minutes_inside, 1),
            },
        )
    return session


def sessions_close_stale(*, now=None) -> int:
    """Close every session open for more than 12 hours at its last point (its check-in if none)."""
    now = now or timezone.now()
    closed = 0
    for pk in PatrolSession.objects.filter(
        ended_at__isnull=True, started_at__lt=now - STALE_AFTER
    ).values_list("pk", flat=True):
        with transaction.atomic():
            qs = PatrolSession.objects.filter(pk=pk, ended_at__isnull=True)
            if qs.update(ended_at=Coalesce("last_point_at", "started_at"), state=SessionState.TIMEOUT):
                session = PatrolSession.objects.get(pk=pk)
                audit_record(
                    action="cases.patrol.timeout",
                    actor_name=SWEEPER,
                    obj=session,
                    after={"ended_at": session.ended_at},
                )
                closed += 1
    return closed


def patrol_sweep(*, now=None) -> dict:
    """The worker's round: close stale sessions; recompute recent coverage every 5 minutes."""
    now = now or timezone.now()
    closed = sessions_close_stale(now=now)
    last = PatrolCoverage.objects.filter(day=timezone.localdate(now)).aggregate(at=Max("computed_at"))["at"]
    recomputed = last is None or now - last >= COVERAGE_EVERY or closed > 0
    if recomputed:
        coverage_recent(now=now)
    return {"closed": closed, "coverage": recomputed}
