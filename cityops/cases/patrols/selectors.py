"""Reads of patrols, each restricted to the acting user.

An inspector sees their own plans and sessions, wherever their plans take them in their village,
and the coverage of their grid. Everyone else sees what ``restrict`` gives their scope: a village
dispatcher their village, an area dispatcher their area, the duty officer the town. Department
handlers see no patrols: an inspector's track is where a person walked, not a department's case.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from cityops.accounts.roles import Role
from cityops.cases.models import PatrolCoverage, PatrolPlan, PatrolSession
from cityops.cases.patrols.tracks import local_day, session_track
from cityops.core.errors import NotFound

ACTION = "cases.view"


def _readable(user) -> bool:
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.can(ACTION)
        and not user.is_department_bound()
    )


def _visible(model, user):
    if not _readable(user):
        return model.objects.none()
    if getattr(user, "role", None) == Role.INSPECTOR and model is not PatrolCoverage:
        return model.objects.filter(inspector=user)
    return model.objects.restrict(user, ACTION)


def _by_place(qs, *, area: str | None = None, village: str | None = None, grid: str | None = None):
    for value, lookup in ((area, "area__code"), (village, "village__code"), (grid, "grid__code")):
        if value:
            qs = qs.filter(**{lookup: value})
    return qs


def plan_list(*, user, area=None, village=None, grid=None, inspector: str | None = None, active=None):
    """Patrol plans the user may see, by grid and inspector."""
    qs = _by_place(_visible(PatrolPlan, user), area=area, village=village, grid=grid)
    if inspector:
        qs = qs.filter(inspector__username=inspector)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.select_related("grid", "village", "inspector").order_by(
        "grid__code", "inspector__username", "item_kind"
    )


@dataclass
class SessionFilter:
    mine: bool = False
    open: bool | None = None
    area: str | None = None
    village: str | None = None
    grid: str | None = None
    inspector: str | None = None
    day: date | None = None


def session_list(*, user, filters: SessionFilter | None = None):
    """Patrol sessions the user may see, newest first."""
    f = filters or SessionFilter()
    qs = _by_place(_visible(PatrolSession, user), area=f.area, village=f.village, grid=f.grid)
    if f.mine:
        qs = qs.filter(inspector=user)
    if f.inspector:
        qs = qs.filter(inspector__username=f.inspector)
    if f.open is not None:
        qs = qs.filter(ended_at__isnull=f.open)
    if f.day:
        start, end = local_day(f.day)
        qs = qs.filter(started_at__gte=start, started_at__lt=end)
    return qs.select_related("grid", "village", "inspector").order_by("-started_at", "-pk")


def session_get(*, user, session_id: int) -> PatrolSession:
    session = session_list(user=user).filter(pk=session_id).first()
    if session is None:
        raise NotFound(f"There is no patrol session {session_id} in your scope.")
    return session


def session_feature(session: PatrolSession) -> dict:
    """The session's track as a GeoJSON LineString feature with the times of its points."""
    track = session_track(session)
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[p[0], p[1]] for p in track]},
        "properties": {
            "session": session.pk,
            "inspector": session.inspector.username,
            "grid": session.grid.code,
            "times": [p[2] for p in track],
            "distance_m": round(session.distance_m, 1),
            "minutes_inside": round(session.minutes_inside, 1),
        },
    }


def coverage_list(*, user, day: date, area=None, village=None, grid=None, missed: bool | None = None):
    """The coverage rows of one day the user may see, by grid."""
    qs = _by_place(_visible(PatrolCoverage, user), area=area, village=village, grid=grid).filter(day=day)
    if missed is not None:
        qs = qs.filter(missed=missed)
    return qs.select_related("grid", "village", "area").order_by("grid__code")


def coverage_totals(qs) -> dict:
    """Grids, planned and actual visits, missed grids and the mean coverage of a list of rows."""
    rows = list(qs.values_list("planned_visits", "expected_visits", "visits", "missed", "coverage"))
    n = len(rows)
    return {
        "grids": n,
        "planned_visits": round(sum(r[0] for r in rows), 2),
        "expected_visits": sum(r[1] for r in rows),
        "visits": sum(r[2] for r in rows),
        "missed": sum(1 for r in rows if r[3]),
        "coverage": round(sum(r[4] for r in rows) / n, 4) if n else 0.0,
    }


def missed_days(*, user, since: date, until: date | None = None):
    """Coverage rows flagged missed between two days (inclusive), for a report or an alert."""
    until = until or timezone.localdate()
    qs = _visible(PatrolCoverage, user).filter(day__gte=since, day__lte=until, missed=True)
    return qs.select_related("grid", "village").order_by("-day", "grid__code")
