"""GPS tracks: point validation, distance and time inside a grid, and the share of a grid walked.

Coverage is the share of a grid's area within 25 m of the day's tracks. The grid is rasterised to
25 m cells on its local metric plane (``to_metric``); a cell is walked when its centre lies within
25 m of a track point. Between two fixes of one session at most 10 minutes and 2 km apart the
track is filled in every 10 m, so a phone that samples every 30 s still draws a continuous strip.
``sessions_import`` stores finished tracks recorded elsewhere (an older system, the demo history).
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import shapely
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cityops.accounts.models import User
from cityops.accounts.roles import Role
from cityops.audit.services import audit_record
from cityops.cases.models import PatrolSession, PatrolTrackChunk
from cityops.cases.models.patrol import SessionState
from cityops.core.errors import ValidationFailed
from cityops.geo.geometry import M_PER_DEG_LAT, M_PER_DEG_LON_EQUATOR, to_metric
from cityops.geo.models import Grid

CLOCK_SKEW = timedelta(minutes=2)  # a phone's clock runs a little ahead of or behind the server's
MAX_ACCURACY_M = 100.0  # worse fixes are dropped from tracks and refused at check-in
MAX_POINTS = 1000  # per chunk
MAX_GAP_S = 600  # a longer hole in a track is no evidence of where the inspector was
MAX_FILL_M = 2000.0  # a longer jump between two fixes is not filled in
FILL_STEP_M = 10.0
COVER_RADIUS_M = 25.0
CELL_M = 25.0
DEFAULT_MIN_MINUTES = 30
MAX_ERRORS = 20


def _fail(field: str, message: str):
    raise ValidationFailed(message, errors=[{"field": field, "message": message}])


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def to_datetime(unix_s: float) -> datetime:
    return datetime.fromtimestamp(unix_s, tz=UTC)


def _when(unix_s: float) -> str:
    try:
        return timezone.localtime(to_datetime(unix_s)).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return str(unix_s)


def _point_error(p, lo: float, hi: float) -> str | None:
    if not isinstance(p, list) or len(p) != 4 or not all(is_number(v) for v in p):
        return "a point is [lon, lat, unix seconds, accuracy m]: four numbers"
    lon, lat, t, accuracy = p
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return f"[{lon}, {lat}] is not a WGS84 longitude and latitude"
    if t > hi:
        return f"the time {_when(t)} is more than 2 minutes in the future"
    if t < lo:
        return f"the time {_when(t)} is before the patrol started ({_when(lo + CLOCK_SKEW.total_seconds())})"
    if accuracy < 0:
        return "accuracy must be 0 or more metres"
    return None


def _all_valid(raw: list, lo: float, hi: float) -> bool:
    """Whether every point is valid, tested on arrays (the per-point loop only runs to explain)."""
    if not all(type(p) is list and len(p) == 4 for p in raw):
        return False
    if not {type(v) for p in raw for v in p} <= {int, float}:  # no bool, str or None
        return False
    lon, lat, t, accuracy = np.asarray(raw, dtype=float).T
    with np.errstate(invalid="ignore"):
        ok = (np.abs(lon) <= 180) & (np.abs(lat) <= 90) & (t >= lo) & (t <= hi) & (accuracy >= 0)
    return bool(ok.all())


def clean_points(raw, *, since: datetime, until: datetime, field: str = "points") -> tuple[list[list], int]:
    """The valid points sorted by time and the number dropped as inaccurate; bad input is a 422."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_POINTS:
        message = f"{field} must be a list of 1 to {MAX_POINTS} points [lon, lat, unix seconds, accuracy m]"
        raise ValidationFailed(message, errors=[{"field": field, "message": message}])
    lo, hi = (since - CLOCK_SKEW).timestamp(), (until + CLOCK_SKEW).timestamp()
    if not _all_valid(raw, lo, hi):
        errors = []
        for i, p in enumerate(raw):
            problem = _point_error(p, lo, hi)
            if problem:
                errors.append({"field": f"{field}[{i}]", "message": problem})
            if len(errors) >= MAX_ERRORS:
                break
        first = errors[0]
        raise ValidationFailed(f"{first['field']}: {first['message']}", errors=errors)
    kept = [[round(p[0], 7), round(p[1], 7), p[2], round(p[3], 1)] for p in raw if p[3] <= MAX_ACCURACY_M]
    kept.sort(key=lambda p: p[2])
    return kept, len(raw) - len(kept)


def _segment_m(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Lengths of the segments between consecutive points on the local equirectangular plane."""
    kx = M_PER_DEG_LON_EQUATOR * np.cos(np.radians((lat[1:] + lat[:-1]) / 2))
    return np.hypot(np.diff(lon) * kx, np.diff(lat) * M_PER_DEG_LAT)


def track_stats(points: list[list], shape) -> tuple[float, float]:
    """Distance in metres and minutes inside ``shape`` of a time-ordered track.

    A segment counts fully when both ends are inside, half when one is, and not at all when the
    fixes are more than 10 minutes apart.
    """
    if len(points) < 2:
        return 0.0, 0.0
    lon, lat, t = np.asarray(points, dtype=float)[:, :3].T
    inside = shapely.intersects_xy(shape, lon, lat).astype(float)
    dt = np.diff(t)
    weight = np.where(dt <= MAX_GAP_S, (inside[1:] + inside[:-1]) / 2, 0.0)
    return float(_segment_m(lon, lat).sum()), float((dt * weight).sum() / 60)


_shapes: dict = {}
_rasters: dict = {}


def grid_shape(grid: Grid):
    """The grid's polygon, prepared for fast point tests, cached until the grid changes."""
    key = (grid.pk, grid.updated_at)
    if key not in _shapes:
        if len(_shapes) > 2000:
            _shapes.clear()
        shape = shapely.from_geojson(grid.geometry)
        shapely.prepare(shape)
        _shapes[key] = shape
    return _shapes[key]


@dataclass(frozen=True)
class Raster:
    """A grid cut into CELL_M cells on its local plane; ``mask`` marks the cells inside it."""

    lon0: float
    lat0: float
    x0: float
    y0: float
    mask: np.ndarray  # (rows, columns)

    @property
    def cells(self) -> int:
        return int(self.mask.sum())


def grid_raster(grid: Grid) -> Raster:
    key = (grid.pk, grid.updated_at)
    if key not in _rasters:
        if len(_rasters) > 2000:
            _rasters.clear()
        plane = to_metric(shapely.from_geojson(grid.geometry), grid.centroid_lat, grid.centroid_lon)
        x0, y0, x1, y1 = plane.bounds
        xs = x0 + (np.arange(max(1, math.ceil((x1 - x0) / CELL_M))) + 0.5) * CELL_M
        ys = y0 + (np.arange(max(1, math.ceil((y1 - y0) / CELL_M))) + 0.5) * CELL_M
        shapely.prepare(plane)
        mask = shapely.intersects_xy(plane, *np.meshgrid(xs, ys))
        _rasters[key] = Raster(grid.centroid_lon, grid.centroid_lat, x0, y0, mask)
    return _rasters[key]


def _plane(lon: np.ndarray, lat: np.ndarray, lat0: float, lon0: float) -> tuple[np.ndarray, np.ndarray]:
    """Points on the plane of ``to_metric`` (the same formula, on arrays rather than geometries)."""
    kx = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
    return (lon - lon0) * kx, (lat - lat0) * M_PER_DEG_LAT


def cells_walked(raster: Raster, lon: np.ndarray, lat: np.ndarray) -> int:
    """The raster's inside cells whose centre lies within COVER_RADIUS_M of a point."""
    if not len(lon):
        return 0
    x, y = _plane(lon, lat, raster.lat0, raster.lon0)
    x, y = x - raster.x0, y - raster.y0
    ix, iy = np.floor(x / CELL_M).astype(int), np.floor(y / CELL_M).astype(int)
    rows, cols = raster.mask.shape
    walked = np.zeros_like(raster.mask)
    reach = math.ceil(COVER_RADIUS_M / CELL_M)
    for dx in range(-reach, reach + 1):
        for dy in range(-reach, reach + 1):
            cx, cy = ix + dx, iy + dy
            near = ((cx + 0.5) * CELL_M - x) ** 2 + ((cy + 0.5) * CELL_M - y) ** 2 <= COVER_RADIUS_M**2
            near &= (cx >= 0) & (cx < cols) & (cy >= 0) & (cy < rows)
            walked[cy[near], cx[near]] = True
    return int((walked & raster.mask).sum())


def coverage_share(grid: Grid, lon: np.ndarray, lat: np.ndarray) -> float:
    """The share of the grid within COVER_RADIUS_M of the points, which are sorted by longitude."""
    raster = grid_raster(grid)
    if not raster.cells or not len(lon):
        return 0.0
    m_lat = COVER_RADIUS_M / M_PER_DEG_LAT
    m_lon = COVER_RADIUS_M / (M_PER_DEG_LON_EQUATOR * math.cos(math.radians(grid.centroid_lat)))
    a, b = np.searchsorted(lon, [grid.min_lon - m_lon, grid.max_lon + m_lon], side="left")
    lon, lat = lon[a:b], lat[a:b]
    near = (lat >= grid.min_lat - m_lat) & (lat <= grid.max_lat + m_lat)
    return cells_walked(raster, lon[near], lat[near]) / raster.cells


def fill_track(lon: np.ndarray, lat: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The track with points every FILL_STEP_M between fixes close enough in time and space."""
    if len(lon) < 2:
        return lon, lat
    seg = _segment_m(lon, lat)
    fill = (np.diff(t) <= MAX_GAP_S) & (seg <= MAX_FILL_M)
    n = np.where(fill, np.maximum(1, np.ceil(seg / FILL_STEP_M)), 1).astype(int)
    idx = np.repeat(np.arange(len(n)), n)
    frac = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / n[idx]
    out_lon = lon[idx] + (lon[idx + 1] - lon[idx]) * frac
    out_lat = lat[idx] + (lat[idx + 1] - lat[idx]) * frac
    return np.append(out_lon, lon[-1]), np.append(out_lat, lat[-1])


def local_day(day: date) -> tuple[datetime, datetime]:
    """The start of ``day`` and of the next day in the town's time zone."""
    tz = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def session_track(session: PatrolSession) -> list[list]:
    """Every kept point of the session in time order."""
    points = [p for chunk in session.chunks.order_by("seq") for p in chunk.points]
    return sorted(points, key=lambda p: p[2])


def tracks_of_day(start: datetime, end: datetime) -> tuple[list[PatrolSession], np.ndarray, np.ndarray]:
    """The sessions with points in [start, end) and all their points of that time, filled in and
    sorted by longitude."""
    overlap = Q(started_at__lt=end) & (Q(started_at__gte=start) | Q(last_point_at__gte=start))
    sessions = list(PatrolSession.objects.filter(overlap))
    points = defaultdict(list)
    chunks = PatrolTrackChunk.objects.filter(session__started_at__lt=end).filter(
        Q(session__started_at__gte=start) | Q(session__last_point_at__gte=start)
    )
    for session_id, pts in chunks.values_list("session_id", "points").iterator(chunk_size=500):
        points[session_id].extend(pts)
    lo, hi = start.timestamp(), end.timestamp()
    lons, lats = [np.empty(0)], [np.empty(0)]
    for pts in points.values():
        arr = np.asarray(sorted(pts, key=lambda p: p[2]), dtype=float).reshape(-1, 4)
        arr = arr[(arr[:, 2] >= lo) & (arr[:, 2] < hi)]
        lon, lat = fill_track(arr[:, 0], arr[:, 1], arr[:, 2])
        lons.append(lon)
        lats.append(lat)
    lon, lat = np.concatenate(lons), np.concatenate(lats)
    order = np.argsort(lon, kind="stable")
    return sessions, lon[order], lat[order]


# tracks recorded elsewhere ---------------------------------------------------------------------


@dataclass
class TrackIn:
    inspector: User
    grid: Grid
    started_at: datetime
    ended_at: datetime
    points: list  # [[lon, lat, unix seconds, accuracy m], …]


def sessions_import(*, tracks: list[TrackIn], actor_name: str, now=None) -> int:
    """Store finished patrols recorded elsewhere (an older system, the demo) in one transaction."""
    now = now or timezone.now()
    if not tracks:
        return 0
    sessions, chunks = [], []
    for i, tr in enumerate(tracks):
        where = f"tracks[{i}]"
        if not tr.started_at < tr.ended_at <= now:
            _fail(f"{where}.ended_at", "a patrol ends after it starts and not in the future")
        if tr.inspector.role != Role.INSPECTOR or tr.inspector.scope_village_id != tr.grid.village_id:
            _fail(
                f"{where}.inspector",
                f"{tr.inspector.username} is not an inspector of grid {tr.grid.code}'s village",
            )
        kept, dropped = clean_points(
            tr.points, since=tr.started_at, until=tr.ended_at, field=f"{where}.points"
        )
        shape = grid_shape(tr.grid)
        if not kept or not shapely.intersects_xy(shape, kept[0][0], kept[0][1]):
            _fail(f"{where}.points", f"the track does not start inside grid {tr.grid.code}")
        distance, minutes = track_stats(kept, shape)
        sessions.append(
            PatrolSession(
                inspector=tr.inspector,
                grid=tr.grid,
                area_id=tr.grid.area_id,
                village_id=tr.grid.village_id,
                started_at=tr.started_at,
                start_lon=kept[0][0],
                start_lat=kept[0][1],
                ended_at=tr.ended_at,
                state=SessionState.IMPORTED,
                last_point_at=to_datetime(kept[-1][2]),
                last_lon=kept[-1][0],
                last_lat=kept[-1][1],
                points=len(kept),
                distance_m=distance,
                minutes_inside=minutes,
            )
        )
        chunks.append((kept, dropped))
    with transaction.atomic():
        PatrolSession.objects.bulk_create(sessions, batch_size=500)
        PatrolTrackChunk.objects.bulk_create(
            [
                PatrolTrackChunk(session=s, seq=0, points=k, dropped=d)
                for s, (k, d) in zip(sessions, chunks, strict=True)
            ],
            batch_size=500,
        )
        audit_record(
            action="cases.patrol.import",
            actor_name=actor_name,
            object_type="cases.patrolsession",
            after={"sessions": len(sessions), "points": sum(s.points for s in sessions)},
        )
    return len(sessions)
