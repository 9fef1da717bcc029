"""The daily coverage of every grid: visits against the plans, the share walked, missed patrols.

A plan counts on the days from its ``valid_from`` to the day before its ``valid_until``. On a
working day each plan asks for ``visits_per_week`` / (working days of that week) visits; the day's
*expected* visits are its whole share of the week (the running sum's floor, so the shares of a
week add up to the plans), and a working day that has ended with fewer visits is *missed*. A
visit is a session started that day with at least ``min_minutes`` inside the grid. Holidays and
weekends expect nothing. ``coverage_compute`` recomputes a day from rows: twice changes nothing.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cityops.cases.models import PatrolCoverage, PatrolPlan, PatrolSession
from cityops.cases.patrols.tracks import DEFAULT_MIN_MINUTES, coverage_share, local_day, tracks_of_day
from cityops.core.locks import serialize
from cityops.core.workcalendar import get_calendar
from cityops.geo.models import Grid


@dataclass
class CoverageResult:
    day: date
    grids: int = 0
    visits: int = 0
    missed: int = 0


def _applies(plan: PatrolPlan, day: date) -> bool:
    return plan.valid_from <= day and (plan.valid_until is None or day < plan.valid_until)


def _planned(plans: list[PatrolPlan], day: date, work: list[date]) -> float:
    if day not in work:
        return 0.0
    return sum(p.visits_per_week for p in plans if _applies(p, day)) / len(work)


def _expected(plans: list[PatrolPlan], day: date, work: list[date]) -> int:
    """The day's whole share of the week's planned visits: the shares of a week add up to the plan."""
    if day not in work:
        return 0
    before = sum(_planned(plans, d, work) for d in work if d < day)
    return math.floor(before + _planned(plans, day, work) + 1e-9) - math.floor(before + 1e-9)


def _threshold(plans: list[PatrolPlan], inspector_id: int, day: date) -> float:
    """Minutes inside that make a visit: the inspector's plans of the grid, else the grid's, else 30."""
    live = [p for p in plans if _applies(p, day)]
    own = [p.min_minutes for p in live if p.inspector_id == inspector_id]
    return min(own or [p.min_minutes for p in live] or [DEFAULT_MIN_MINUTES])


@dataclass
class _Day:
    day: date
    work: list[date]  # the working days of its week
    over: bool  # the day has ended, so a shortfall is final
    lon: np.ndarray
    lat: np.ndarray


def _grid_values(grid: Grid, plans: list[PatrolPlan], sessions: list[PatrolSession], d: _Day) -> dict:
    """A coverage row's values for one grid and day."""
    visits = sum(1 for s in sessions if s.minutes_inside >= _threshold(plans, s.inspector_id, d.day))
    planned, expected = _planned(plans, d.day, d.work), _expected(plans, d.day, d.work)
    return {
        "working_day": d.day in d.work,
        "planned_visits": round(planned, 3),
        "expected_visits": expected,
        "visits": visits,
        "sessions": len(sessions),
        "minutes": round(sum(s.minutes_inside for s in sessions), 1),
        "coverage": round(coverage_share(grid, d.lon, d.lat), 4),
        "missed": d.over and planned > 0 and visits < expected,
    }


def coverage_compute(*, day: date, now=None) -> CoverageResult:
    """Recompute the coverage row of every grid for ``day`` from sessions, tracks and plans."""
    now = now or timezone.now()
    start, end = local_day(day)
    monday = day - timedelta(days=day.weekday())
    week = [monday + timedelta(days=i) for i in range(7)]
    plans = defaultdict(list)
    live = Q(valid_until__isnull=True) | Q(valid_until__gt=monday)
    for plan in PatrolPlan.objects.filter(live, valid_from__lte=day):
        plans[plan.grid_id].append(plan)
    sessions, lon, lat = tracks_of_day(start, end)
    by_grid = defaultdict(list)
    for s in sessions:
        if start <= s.started_at < end:
            by_grid[s.grid_id].append(s)
    calendar = get_calendar()
    d = _Day(day, [w for w in week if calendar.is_working_day(w)], day < timezone.localdate(now), lon, lat)
    result, computed = CoverageResult(day), {}
    for grid in Grid.objects.order_by("pk"):
        values = _grid_values(grid, plans.get(grid.pk, []), by_grid.get(grid.pk, []), d)
        values["computed_at"] = now
        computed[grid] = values
        result.grids += 1
        result.visits += values["visits"]
        result.missed += values["missed"]
    _write(day, computed)
    return result


def _write(day: date, computed: dict[Grid, dict]) -> None:
    """Insert or update the day's rows. Two computations of one day at once (the worker's sweep and
    ``cityops patrol-coverage``) take turns, the second reading the rows the first inserted."""
    with transaction.atomic():
        serialize(f"cases.coverage:{day.isoformat()}")
        existing = {row.grid_id: row for row in PatrolCoverage.objects.filter(day=day)}
        new, changed, fields = [], [], set()
        for grid, values in computed.items():
            row = existing.get(grid.pk) or PatrolCoverage(
                grid=grid, area_id=grid.area_id, village_id=grid.village_id, day=day
            )
            for name, value in values.items():
                setattr(row, name, value)
            fields |= values.keys()
            (changed if row.pk else new).append(row)
        PatrolCoverage.objects.bulk_create(new, batch_size=500)
        if changed:
            PatrolCoverage.objects.bulk_update(changed, sorted(fields), batch_size=500)


def coverage_recent(*, days: int = 2, now=None) -> list[CoverageResult]:
    """Recompute the last ``days`` days up to today (today's ``missed`` waits for the day to end)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return [coverage_compute(day=today - timedelta(days=n), now=now) for n in range(days - 1, -1, -1)]
