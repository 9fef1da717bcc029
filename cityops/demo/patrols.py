"""The demo town's patrols: two plans per inspector and 14 days of synthetic GPS tracks.

Every inspector patrols their own grid: events 5 times a week and components twice. The history
walks a street lattice laid over each grid (blocks of 80–130 m) at walking pace, one fix a minute
with GPS noise and the odd fix too inaccurate to keep. On a working day most inspectors patrol in
the morning and the afternoon; now and then one is absent or cuts a patrol short, so about one
grid in ten misses its plan that day.
Tracks are drawn with numpy from a generator seeded by the day and the inspector, so seeding
again creates only the days that are missing and every run draws the same tracks. Sessions go in
through ``sessions_import`` and the coverage of each new day through ``coverage_compute``.
"""

import math
import zlib
from datetime import date, datetime, time, timedelta

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cityops.accounts.models import User
from cityops.accounts.roles import Role
from cityops.cases.models import PatrolCoverage, PatrolPlan, PatrolSession
from cityops.cases.models.patrol import PlanKind
from cityops.cases.patrols.services import PlanIn, TrackIn, coverage_compute, plan_set, sessions_import
from cityops.cases.patrols.tracks import CELL_M, Raster, grid_raster, grid_shape, local_day
from cityops.core.workcalendar import get_calendar
from cityops.demo.people import ACTOR, Progress, Tally, no_progress
from cityops.geo.geometry import M_PER_DEG_LAT, M_PER_DEG_LON_EQUATOR
from cityops.geo.models import Grid

HISTORY_DAYS = 14  # default of CITYOPS_DEMO_PATROL_DAYS


def history_days() -> int:
    return getattr(settings, "CITYOPS_DEMO_PATROL_DAYS", HISTORY_DAYS)


PLANS = ((PlanKind.EVENT, 5), (PlanKind.COMPONENT, 2))
SAMPLE_S = 60  # one fix a minute, as phones report in battery-saving mode
# Tuned so that about one grid in ten misses its plan on a working day (docs/patrols.md).
P_ABSENT = 0.03
P_TWICE = 0.8
P_SHORT = 0.04  # a patrol cut short, too short to count as a visit
P_WEEKEND = 0.12
GPS_NOISE_M = 4.0


def _inspectors() -> list[User]:
    return list(
        User.objects.filter(role=Role.INSPECTOR, is_active=True, scope_grid__isnull=False)
        .select_related("scope_grid")
        .order_by("username")
    )


def plans_seed(progress: Progress = no_progress, *, today: date | None = None) -> Tally:
    """Events 5× and components 2× a week for every inspector in their grid, from the history's start."""
    start = (today or timezone.localdate()) - timedelta(days=history_days())
    existing = set(PatrolPlan.objects.values_list("inspector_id", "grid_id", "item_kind"))
    tally = Tally()
    with transaction.atomic():
        for inspector in progress(_inspectors(), desc="patrol plans", unit="inspector"):
            for kind, visits in PLANS:
                if (inspector.pk, inspector.scope_grid_id, kind) in existing:
                    tally.unchanged += 1
                    continue
                data = PlanIn(
                    grid=inspector.scope_grid.code,
                    inspector=inspector.username,
                    item_kind=kind,
                    visits_per_week=visits,
                    valid_from=start,
                )
                plan_set(by=None, data=data, actor_name=ACTOR)
                tally.created += 1
    return tally


class _Streets:
    """A lattice of streets over a grid, on the grid's local plane (metres from its centroid)."""

    def __init__(self, grid: Grid, raster: Raster):
        rng = np.random.default_rng(zlib.crc32(grid.code.encode()))
        self.raster, self.block = raster, float(rng.uniform(80, 130))
        rows, cols = raster.mask.shape
        self.origin = (raster.x0 + rng.uniform(0, self.block), raster.y0 + rng.uniform(0, self.block))
        ni, nj = int(cols * CELL_M / self.block) + 1, int(rows * CELL_M / self.block) + 1
        self.nodes = {(i, j) for i in range(ni) for j in range(nj) if self._inside(*self.xy((i, j)))}
        self.kx = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(raster.lat0))
        shape = grid_shape(grid)  # a check-in fix must lie in the grid itself, not just in its raster
        self.starts = [
            n for n in sorted(self.nodes) if shapely.intersects_xy(shape, *self.lon_lat(*self.cell_centre(n)))
        ]

    def xy(self, node) -> tuple[float, float]:
        return self.origin[0] + node[0] * self.block, self.origin[1] + node[1] * self.block

    def _inside(self, x: float, y: float) -> bool:
        col, row = int((x - self.raster.x0) // CELL_M), int((y - self.raster.y0) // CELL_M)
        rows, cols = self.raster.mask.shape
        return 0 <= row < rows and 0 <= col < cols and bool(self.raster.mask[row, col])

    def cell_centre(self, node) -> tuple[float, float]:
        x, y = self.xy(node)
        col, row = (x - self.raster.x0) // CELL_M, (y - self.raster.y0) // CELL_M
        return self.raster.x0 + (col + 0.5) * CELL_M, self.raster.y0 + (row + 0.5) * CELL_M

    def route(self, rng: np.random.Generator, metres: float) -> np.ndarray:
        """Street corners visited on a walk of ``metres``: straight on mostly, never back unless stuck."""
        node = self.starts[rng.integers(len(self.starts))]
        path, heading = [self.cell_centre(node), self.xy(node)], None
        for _ in range(int(metres / self.block) + 1):
            steps = [
                d
                for d in ((1, 0), (-1, 0), (0, 1), (0, -1))
                if (node[0] + d[0], node[1] + d[1]) in self.nodes
            ]
            forward = [d for d in steps if heading is None or d != (-heading[0], -heading[1])] or steps
            if not forward:
                break
            heading = (
                heading if heading in forward and rng.random() < 0.6 else forward[rng.integers(len(forward))]
            )
            node = (node[0] + heading[0], node[1] + heading[1])
            path.append(self.xy(node))
        return np.asarray(path)

    def lon_lat(self, x, y):
        """WGS84 of a point of the plane, rounded as the tracks store it (the inverse of ``to_metric``)."""
        return np.round(self.raster.lon0 + x / self.kx, 6), np.round(self.raster.lat0 + y / M_PER_DEG_LAT, 6)


def _track(streets: _Streets, rng: np.random.Generator, start: datetime, minutes: float) -> list[list]:
    speed = rng.uniform(0.9, 1.3)
    corners = streets.route(rng, speed * minutes * 60)
    legs = np.hypot(*np.diff(corners, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(legs)])
    t = np.arange(0, int(minutes * 60), SAMPLE_S)
    s = np.minimum(t * speed, along[-1])
    x = np.interp(s, along, corners[:, 0]) + rng.normal(0, GPS_NOISE_M, len(t))
    y = np.interp(s, along, corners[:, 1]) + rng.normal(0, GPS_NOISE_M, len(t))
    x[0], y[0] = corners[0]  # the check-in fix: inside the grid, no noise
    lon, lat = streets.lon_lat(x, y)
    accuracy = np.where(rng.random(len(t)) < 0.02, rng.uniform(120, 300, len(t)), rng.gamma(3, 4, len(t)) + 3)
    accuracy[0] = 5
    columns = (
        lon.tolist(),
        lat.tolist(),
        (int(start.timestamp()) + t).tolist(),
        np.round(accuracy).astype(int).tolist(),
    )
    return [list(p) for p in zip(*columns, strict=True)]


def _day_sessions(rng: np.random.Generator, day: date, working: bool) -> list[tuple[datetime, float]]:
    """(start, minutes) of one inspector's patrols on ``day``."""
    tz = timezone.get_default_timezone()
    if (working and rng.random() < P_ABSENT) or (not working and rng.random() >= P_WEEKEND):
        return []
    slots = [(time(8, 40), 80)]
    if working and rng.random() < P_TWICE:
        slots.append((time(14, 10), 80))
    out = []
    for begin, spread in slots:
        start = datetime.combine(day, begin, tzinfo=tz) + timedelta(minutes=float(rng.uniform(0, spread)))
        minutes = rng.uniform(12, 28) if rng.random() < P_SHORT else rng.uniform(45, 110)
        out.append((start, float(minutes)))
    return out


def _day_tracks(day: date, inspectors: list[User], streets: dict, done: set[int]) -> list[TrackIn]:
    working = get_calendar().is_working_day(day)
    tracks = []
    for inspector in inspectors:
        grid_streets = streets.get(inspector.scope_grid_id)
        if inspector.pk in done or grid_streets is None or not grid_streets.starts:
            continue
        rng = np.random.default_rng([day.toordinal(), zlib.crc32(inspector.username.encode())])
        for start, minutes in _day_sessions(rng, day, working):
            points = _track(grid_streets, rng, start, minutes)
            ended = start + timedelta(minutes=minutes)
            tracks.append(TrackIn(inspector, inspector.scope_grid, start, ended, points))
    return tracks


def history_seed(progress: Progress = no_progress, *, today: date | None = None) -> Tally:
    """Patrols of the last CITYOPS_DEMO_PATROL_DAYS days for inspectors who have none on a day, and the coverage."""
    today = today or timezone.localdate()
    inspectors = _inspectors()
    streets = {}
    for grid in Grid.objects.filter(pk__in={i.scope_grid_id for i in inspectors}):
        streets[grid.pk] = _Streets(grid, grid_raster(grid))
    tally = Tally()
    days = [today - timedelta(days=n) for n in range(history_days(), 0, -1)]
    for day in progress(days, desc="patrol history", unit="day"):
        start, end = local_day(day)
        on_day = PatrolSession.objects.filter(started_at__gte=start, started_at__lt=end)
        done = set(on_day.values_list("inspector_id", flat=True))
        created = sessions_import(tracks=_day_tracks(day, inspectors, streets, done), actor_name=ACTOR)
        tally.created += created
        tally.unchanged += len(done)
        if created or not PatrolCoverage.objects.filter(day=day).exists():
            coverage_compute(day=day)
    return tally


def patrols_seed(progress: Progress = no_progress) -> Tally:
    """The demo seed step: plans, then the track history and its coverage."""
    plans, history = plans_seed(progress), history_seed(progress)
    return Tally(plans.created + history.created, 0, plans.unchanged + history.unchanged)
