"""The patrols' panel on the operations centre's screen (``cityops.core.screen``) and the inspectors'
last positions, a layer of a drilled-down map.

*Patrol coverage now* is the share of a unit's grids where an inspector is on patrol now: a patrol
session of that grid whose last position (or its check-in, before the first point) is at most
``NOW_MINUTES`` old. It is given for the unit and for each unit one level below it. *Found on patrol
today* are the patrol items of the cases inspectors reported today, most first.

Both read the patrol sessions and today's cases, never history: a session older than the sweeper's
``STALE_AFTER`` is closed and cannot count, so the read stays on the sessions' ``started_at`` index.
Everything is kept to the reader: ``session_list`` (department handlers see no patrols), and an
inspector's name only for the roles that plan and direct patrols (``PLANNERS``); others see where
inspectors are, not who.
"""

from datetime import timedelta

from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.cases.choices import Channel
from cityops.cases.models import Case
from cityops.cases.patrols.selectors import session_list
from cityops.cases.patrols.services import PLANNERS, STALE_AFTER
from cityops.cases.patrols.tracks import local_day
from cityops.core.screen import Unit, panel
from cityops.geo.models import Grid

NOW_MINUTES = 30
TOP_ITEMS = 3
CHILD = {"town": "area", "area": "village", "village": "grid", "grid": None}


def may_name_inspectors(user) -> bool:
    """Whether ``user`` sees who an inspector on the map is (those who plan and direct patrols)."""
    return bool(getattr(user, "is_superuser", False) or getattr(user, "role", None) in PLANNERS)


def _recent_sessions(user, unit: Unit, now):
    """Sessions of the unit whose last position (or check-in) is within the last ``NOW_MINUTES``."""
    since = now - timedelta(minutes=NOW_MINUTES)
    return (
        session_list(user=user)
        .filter(started_at__gte=now - STALE_AFTER, started_at__lte=now, **unit.filter())
        .annotate(seen_at=Coalesce("last_point_at", "started_at"))
        .filter(seen_at__gte=since)
    )


def _grids(user, unit: Unit):
    qs = Grid.objects.restrict(user, "cases.view")
    return qs.filter(pk=unit.id) if unit.level == "grid" else qs.filter(**unit.filter())


def _share(covered: int, grids: int) -> float | None:
    return None if not grids else round(covered / grids, 4)


def coverage_now(user, unit: Unit, now=None) -> dict:
    """Grids of the unit, those with an inspector on patrol now, and the same for each child unit."""
    now = now or timezone.now()
    sessions = list(_recent_sessions(user, unit, now).values_list("grid_id", "inspector_id", "ended_at"))
    covered = {grid_id for grid_id, _inspector, _ended in sessions}
    fields = ("pk", "area__code", "area__name", "village__code", "village__name", "code", "name")
    grids = list(_grids(user, unit).order_by("code").values_list(*fields))
    child = CHILD[unit.level]
    at = {"area": 1, "village": 3, "grid": 5}.get(child)
    parts: dict[str, dict] = {}
    for row in grids if at else ():
        part = parts.setdefault(
            row[at], {"unit": f"{child}:{row[at]}", "name": row[at + 1], "grids": 0, "covered": 0}
        )
        part["grids"] += 1
        part["covered"] += row[0] in covered
    for part in parts.values():
        part["share"] = _share(part["covered"], part["grids"])
    hit = len(covered & {row[0] for row in grids})
    return {
        "grids": len(grids),
        "covered": hit,
        "share": _share(hit, len(grids)),
        "on_patrol": len({inspector for _grid, inspector, ended in sessions if ended is None}),
        "minutes": NOW_MINUTES,
        "parts": [parts[k] for k in sorted(parts)],
    }


def found_today(user, unit: Unit, now=None) -> list[dict]:
    """The patrol items of the cases inspectors reported today in the unit, most first."""
    start, end = local_day(timezone.localdate(now or timezone.now()))
    # the channel is counted, not filtered on: a filter would lead the planner to the channel's
    # index (most cases are patrol cases) instead of the day's few rows on ``reported_at``
    rows = (
        Case.objects.restrict(user, "cases.view")
        .filter(reported_at__gte=start, reported_at__lt=end, **unit.filter())
        .values("item__code", "item__name")
        .annotate(n=Count("id", filter=Q(channel=Channel.PATROL)))
        .filter(n__gt=0)
        .order_by("-n", "item__code")[:TOP_ITEMS]
    )
    return [{"code": r["item__code"], "name": r["item__name"], "cases": r["n"]} for r in rows]


@panel("cases.patrols", title=_("Patrols"), action="cases.view", order=15)
def patrol_figures(user, unit: Unit) -> dict | None:
    """Patrol coverage now in the unit and below it, and what inspectors found today; None for a
    reader who sees no patrols (a department handler)."""
    if user.is_department_bound():
        return None
    now = timezone.now()
    return {"now": coverage_now(user, unit, now), "found_today": found_today(user, unit, now)}


def inspector_points(user, unit: Unit, limit: int = 500, now=None) -> list[dict]:
    """Each inspector's last position in the unit within the sweeper's window (``STALE_AFTER``): where,
    when, whether still on patrol and whether recent (within ``NOW_MINUTES``); the name only for
    readers who may see it."""
    now = now or timezone.now()
    since = now - timedelta(minutes=NOW_MINUTES)
    qs = (
        session_list(user=user)
        .filter(started_at__gte=now - STALE_AFTER, started_at__lte=now, **unit.filter())
        .order_by("inspector_id", "-started_at")
    )
    named = may_name_inspectors(user)
    latest: dict[int, object] = {}
    for s in qs:
        latest.setdefault(s.inspector_id, s)
    out = []
    for s in sorted(latest.values(), key=lambda s: (s.grid.code, s.inspector_id))[:limit]:
        seen = s.last_point_at or s.started_at
        point = {
            "lon": s.start_lon if s.last_lon is None else s.last_lon,
            "lat": s.start_lat if s.last_lat is None else s.last_lat,
            "at": timezone.localtime(seen).isoformat(timespec="minutes"),
            "grid": s.grid.code,
            "on_patrol": s.ended_at is None,
            "recent": seen >= since,
        }
        if named:
            point["name"] = str(s.inspector)
        out.append(point)
    return out
