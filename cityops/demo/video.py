"""The demo town's cameras: 科技护城墙 and 明厨亮灶, with a month of online history.

- 科技护城墙 (public security, target 98 %): 589 sites with 1,017 channels in service, 90 % of a plan
  of 654 sites and 1,130 channels. Only what is built has rows: the rest of the plan is the
  project's planned counts, as a project office reports it. A site is a camera pole at a gate of a
  place people gather at (schools, service centres, markets, shelters, dormitories, the library),
  at a village entrance (two per village, on its edge), or at a crossroads inside a grid (the rest,
  spread over the grids); it has one to three channels (221 × 1, 308 × 2, 60 × 3).
- 明厨亮灶 (school kitchens, target 95 %): the 50 schools and 51 canteens of the demo geography
  (places of kind school and canteen), one site per canteen and seven channels in each (store,
  rough processing, two over the stoves, cold dishes, washing, sample retention): 357, all accepted.
- GB/T 28181 IDs: centre 44190000 (Dongguan), industry 00 (roads) or 01 (communities) for public
  security and 11 (education) for kitchens, type 132 (IP camera; 131 for the older analogue
  cameras behind encoders), network 0 (public-security video network) or 7 (internet) for schools.
  A business group (215) per project holds a virtual organisation (216) per village (public
  security) or per area (kitchens).
- Streams: ``rtsp://127.0.0.1:8554/<gb_id>``, no credentials, so a loopback simulator on one port
  can answer every camera by its path.
- History: the last 30 days and today so far as health changes and outages (rolled up into
  ``ChannelDay`` rows), drawn from outages: short
  blips everywhere, flaky cameras in two villages (which miss the 98 %), a few long outages that
  ended, faults waiting days for a repair crew (about
  1 % of the cameras are down at any time, and those down at the end are offline now (``Channel.health`` says so).

The registry is written through the registry's own services, as a user's would be: the projects
and the virtual-organisation tree one by one, and every site and channel in one call of the
all-or-nothing import (``registry_import``: every ID, point, date and build status checked, one
audit record). The schools and canteens are reference data kept in the admin (no service writes
them), and the import has no column for a channel's canteen and room, so those are written
directly, as are the measured parts: the health now, and the ``HealthChange`` and ``Outage`` rows
of the outages drawn (without cases: they are history; the worker's sweep opens the cases of those
still open). The ``ChannelDay`` rows are then rolled up from that history by the app's own rollup,
so the worker's rollup of yesterday and today finds the same figures. Seeding again when the projects exist changes
nothing.
"""

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import shapely
from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point

from cityops.demo import names
from cityops.demo.people import ACTOR, Progress, Tally, no_progress
from cityops.geo.geometry import M_PER_DEG_LAT, M_PER_DEG_LON_EQUATOR
from cityops.geo.models import Grid, Place, Village
from cityops.geo.selectors import locator
from cityops.video import gbid
from cityops.video.alerts import alert_kinds_seed
from cityops.video.choices import BuildStatus, Health, HealthSource, KitchenRoom, ProjectKind
from cityops.video.models import (
    AlertKind,
    Canteen,
    Channel,
    HealthChange,
    Outage,
    Project,
    School,
)
from cityops.video.registry_import import registry_import
from cityops.video.rollup import rollup_days
from cityops.video.services import group_create, project_create

SEED = 2026_14
CENTRE = "44190000"
PS_CODE, KITCHEN_CODE = "kjhcq", "mcld"
PS_SITES, PS_CHANNELS = 589, 1017
PS_PLANNED_SITES, PS_PLANNED_CHANNELS = 654, 1130
CHANNELS_PER_SITE = {1: 221, 2: 308, 3: 60}  # 589 sites, 1,017 channels
ENTRANCES_PER_VILLAGE = 2
GATE_KINDS = ("school", "service_centre", "market", "shelter", "dormitory", "library")
KITCHEN_ROOMS = [
    (KitchenRoom.STORE, "库房"),
    (KitchenRoom.PREP, "粗加工区"),
    (KitchenRoom.COOKING, "烹饪区1"),
    (KitchenRoom.COOKING, "烹饪区2"),
    (KitchenRoom.COLD, "专间"),
    (KitchenRoom.WASHING, "洗消间"),
    (KitchenRoom.SAMPLE, "留样间"),
]
RTSP = "rtsp://127.0.0.1:8554/{gb_id}"
HISTORY_DAYS = 30
OFFLINE_REASON = "connect: connection refused"
ONLINE_REASON = "answered DESCRIBE (H264)"
DAY_S = 86_400
BAD_VILLAGES = 2
FLAKY_SHARE = 0.4  # of the cameras in a bad village
# Faults that wait for a repair crew: about 1 % of the cameras down at any time (0.004 × 2.5 days).
FAULTS_PER_DAY = 0.004
FAULT_MEAN_DAYS = 2.5
FAULT_MAX_DAYS = 12
PS_MODELS = [
    ("海康威视", "DS-2CD3T86FWDV2-I5S"),
    ("海康威视", "DS-2DE4425IW-DE"),
    ("大华", "DH-IPC-HFW4433M-I2"),
    ("宇视", "IPC-B314-APKZ"),
]
KITCHEN_MODELS = [("海康威视", "DS-2CD3326WDV3-I"), ("大华", "DH-IPC-HDW2433T-A")]
DIRECTIONS = {1: ["全景"], 2: ["东向", "西向"], 3: ["东向", "西向", "全景"]}
MEAL_HOURS = {
    "kindergarten": ["07:30-08:30", "11:00-12:30", "14:30-15:30"],
    "primary": ["06:30-08:00", "10:30-12:30"],
    "secondary": ["06:30-08:00", "10:30-12:30", "16:30-18:30"],
}


@dataclass
class SitePlan:
    name: str
    lon: float
    lat: float
    industry: str  # 00 roads, 01 communities


class _Draw:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def near(self, lon: float, lat: float, metres: float, shape) -> tuple[float, float]:
        """A point within ``metres`` of a place and inside ``shape``."""
        kx = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat))
        for _ in range(50):
            angle, dist = self.rng.uniform(0, 2 * math.pi), self.rng.uniform(10, metres)
            x, y = lon + dist * math.cos(angle) / kx, lat + dist * math.sin(angle) / M_PER_DEG_LAT
            if shape.contains(Point(x, y)):
                return round(x, 7), round(y, 7)
        return lon, lat

    def inside(self, shape) -> tuple[float, float]:
        inner = shape.buffer(-20 / M_PER_DEG_LAT) or shape
        minx, miny, maxx, maxy = inner.bounds
        for _ in range(200):
            x, y = self.rng.uniform((minx, miny), (maxx, maxy))
            if inner.contains(Point(x, y)):
                return round(float(x), 7), round(float(y), 7)
        p = shape.representative_point()
        return p.x, p.y

    def edge(self, shape) -> tuple[float, float]:
        """A point 30 m inside a village's edge: where a road enters it."""
        ring = shape.exterior
        p = ring.interpolate(float(self.rng.uniform(0, ring.length)))
        c = shape.centroid
        d = math.hypot(c.x - p.x, c.y - p.y) or 1.0
        step = 30 / M_PER_DEG_LAT
        return round(p.x + (c.x - p.x) * step / d, 7), round(p.y + (c.y - p.y) * step / d, 7)


def _ps_sites(
    d: _Draw, villages: list[Village], shapes: dict, places: list[Place], grids: list
) -> list[SitePlan]:
    plans = []
    for place in places:
        if place.kind in GATE_KINDS:
            lon, lat = d.near(place.lon, place.lat, 60, shapes[place.village.code])
            plans.append(SitePlan(f"{place.name}门口", lon, lat, "00"))
    for v in villages:
        for n in range(1, ENTRANCES_PER_VILLAGE + 1):
            plans.append(SitePlan(f"{v.name}村口{n}", *d.edge(shapes[v.code]), "01"))
    order = [grids[int(i)] for i in d.rng.permutation(len(grids))]
    per_grid: dict[str, int] = {}
    while len(plans) < PS_SITES:
        g = order[(len(plans)) % len(order)]
        per_grid[g.code] = per_grid.get(g.code, 0) + 1
        plans.append(SitePlan(f"{g.name}路口{per_grid[g.code]}", *d.inside(shapes[g.code]), "00"))
    if len(plans) != PS_SITES:
        raise ValueError(f"the demo placed {len(plans)} public-security sites, not {PS_SITES}")
    return plans


def _located(points: list[tuple[float, float]]):
    loc = locator()
    idx = loc.locate_many(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    if (idx < 0).any():
        raise ValueError(f"{int((idx < 0).sum())} demo cameras fall outside the town's grids")
    return [loc.locations[int(i)] for i in idx]


def _dates(rng, start: date, spread_days: int, accept: float, today: date) -> dict:
    building = start + timedelta(days=int(rng.integers(0, spread_days)))
    built = building + timedelta(days=int(rng.integers(20, 90)))
    accepted = built + timedelta(days=int(rng.integers(30, 120)))
    if rng.random() >= accept or accepted >= today - timedelta(days=HISTORY_DAYS):
        accepted = None
    return {
        "planned_on": start - timedelta(days=90),
        "building_on": building,
        "built_on": built,
        "accepted_on": accepted,
        "build_status": BuildStatus.ACCEPTED if accepted else BuildStatus.BUILT,
    }


@dataclass
class Registry:
    """What the demo registers: the projects and groups (by service), the schools and canteens, the
    import's rows (one per channel) and the canteen and room of each kitchen channel."""

    projects: list[dict] = field(default_factory=list)
    groups: list[tuple[str, str, str | None]] = field(default_factory=list)  # gb_id, name, parent
    schools: list[School] = field(default_factory=list)
    canteens: list[Canteen] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    rooms: dict[str, tuple[Canteen, str]] = field(default_factory=dict)  # gb_id → (canteen, room)


def _groups(reg: Registry, name: str, industry: str, network: str, units: list[tuple[str, str]]) -> dict:
    """A business group (215) and a virtual organisation (216) under it per unit: {unit code: gb_id}."""
    top = gbid.build(CENTRE, industry, "215", network, 1)
    reg.groups.append((top, name, None))
    children = {}
    for n, (code, unit_name) in enumerate(units, 1):
        children[code] = gbid.build(CENTRE, industry, "216", network, n)
        reg.groups.append((children[code], unit_name, top))
    return children


def _row(project: str, site: dict, **channel) -> dict:
    dates = {k: v.isoformat() if isinstance(v, date) else (v or "") for k, v in channel.pop("dates").items()}
    return {"project": project, **site, **channel, **dates}


def _public_security(reg: Registry, d: _Draw, today: date) -> None:
    villages = list(Village.objects.order_by("code"))
    grids = list(Grid.objects.order_by("code"))
    shapes = {r.code: shapely.from_geojson(r.geometry) for r in [*villages, *grids]}
    places = list(Place.objects.select_related("village").order_by("code"))
    reg.projects.append(
        {
            "code": PS_CODE,
            "name": "科技护城墙",
            "kind": ProjectKind.PUBLIC_SECURITY,
            "planned_sites": PS_PLANNED_SITES,
            "planned_channels": PS_PLANNED_CHANNELS,
            "description": "镇级公共安全视频监控建设（雪亮工程）",
        }
    )
    by_village = _groups(reg, "公安视频", "00", "0", [(v.code, v.name) for v in villages])
    plans = _ps_sites(d, villages, shapes, places, grids)
    where = _located([(p.lon, p.lat) for p in plans])
    sizes = np.repeat(list(CHANNELS_PER_SITE), list(CHANNELS_PER_SITE.values()))
    sizes = sizes[d.rng.permutation(len(sizes))]
    serial, first = 0, len(reg.rows)
    village_codes = {v.pk: v.code for v in villages}
    for n, (plan, loc, size) in enumerate(zip(plans, where, sizes, strict=True), 1):
        site = {
            "site": f"KJHCQ-{n:04d}",
            "site_name": plan.name,
            "site_lon": plan.lon,
            "site_lat": plan.lat,
            "site_address": f"{names.CITY_PREFIX}{loc.village_name}",
        }
        dates = _dates(d.rng, date(2023, 3, 1), 540, 0.85, today)
        vendor, model = PS_MODELS[int(d.rng.integers(len(PS_MODELS)))]
        for direction in DIRECTIONS[int(size)]:
            serial += 1
            type_code = "131" if d.rng.random() < 0.1 else "132"
            gb_id = gbid.build(CENTRE, plan.industry, type_code, "0", serial)
            reg.rows.append(
                _row(
                    PS_CODE,
                    site,
                    gb_id=gb_id,
                    name=f"{plan.name}{direction}",
                    vendor=vendor,
                    model=model,
                    main_url=RTSP.format(gb_id=gb_id),
                    group=by_village[village_codes[loc.village_id]],
                    dates=dates,
                )
            )
    if len(reg.rows) - first != PS_CHANNELS:
        raise ValueError(f"the demo made {len(reg.rows) - first} public-security channels, not {PS_CHANNELS}")


def _meal_hours(name: str) -> list[str]:
    if "幼儿园" in name:
        return MEAL_HOURS["kindergarten"]
    return MEAL_HOURS["primary" if "小学" in name else "secondary"]


def _kitchens(reg: Registry, d: _Draw, today: date) -> None:
    schools_at = list(Place.objects.filter(kind="school").order_by("code"))
    canteens_at = list(Place.objects.filter(kind="canteen").select_related("parent").order_by("code"))
    reg.projects.append(
        {
            "code": KITCHEN_CODE,
            "name": "明厨亮灶",
            "kind": ProjectKind.KITCHEN,
            "planned_sites": len(canteens_at),
            "planned_channels": len(canteens_at) * len(KITCHEN_ROOMS),
            "description": "中小学校、幼儿园食堂“互联网+明厨亮灶”",
        }
    )
    where = _located([(p.lon, p.lat) for p in schools_at + canteens_at])
    loc_of = {p.code: loc for p, loc in zip(schools_at + canteens_at, where, strict=True)}
    areas = sorted({(loc.area_code, loc.area_name) for loc in where})
    by_area = _groups(reg, "明厨亮灶", "11", "7", [(code, f"{name}学校食堂") for code, name in areas])
    schools = {}
    for p in schools_at:
        loc = loc_of[p.code]
        schools[p.pk] = School(
            code=p.code,
            name=p.name,
            address=p.address,
            lon=p.lon,
            lat=p.lat,
            area_id=loc.area_id,
            village_id=loc.village_id,
            grid_id=loc.grid_id,
        )
    reg.schools += schools.values()
    serial = 0
    for p in canteens_at:
        school, loc = schools[p.parent_id], loc_of[p.code]
        canteen = Canteen(school=school, code=p.code, name=p.name, meal_hours=_meal_hours(school.name))
        reg.canteens.append(canteen)
        site = {
            "site": f"MCLD-{p.code.removeprefix('DLS-')}",
            "site_name": p.name,
            "site_lon": p.lon,
            "site_lat": p.lat,
            "site_address": p.address,
        }
        dates = _dates(d.rng, date(2024, 3, 1), 120, 1.0, today)
        vendor, model = KITCHEN_MODELS[int(d.rng.integers(len(KITCHEN_MODELS)))]
        for room, label in KITCHEN_ROOMS:
            serial += 1
            gb_id = gbid.build(CENTRE, "11", "132", "7", serial)
            reg.rows.append(
                _row(
                    KITCHEN_CODE,
                    site,
                    gb_id=gb_id,
                    name=f"{p.name}{label}",
                    vendor=vendor,
                    model=model,
                    main_url=RTSP.format(gb_id=gb_id),
                    group=by_area[loc.area_code],
                    dates=dates,
                )
            )
            reg.rooms[gb_id] = (canteen, room)


# ---- a month of online history -----------------------------------------------------------------------


def _outages(rng, channels: list[Channel], window_s: int, bad: set[int]) -> list[tuple[int, float, float]]:
    """(channel index, start, end) in seconds from the window's start; an end at ``window_s`` is open.

    Short blips every day (a flaky camera in a bad village has many), and faults that take days to
    repair arriving at a steady rate, so the share down is about the same on every day of the month
    and the cameras down at the end are the ones still waiting for repair."""
    out = []
    days = math.ceil(window_s / DAY_S)
    lead_s = FAULT_MAX_DAYS * DAY_S  # faults that began before the window still count inside it
    for i, c in enumerate(channels):
        flaky = c.village_id in bad and rng.random() < FLAKY_SHARE
        p, mean_h = (0.35, 4.0) if flaky else (0.04, 1.2)
        for day in np.nonzero(rng.random(days) < p)[0]:
            start = day * DAY_S + rng.uniform(0, DAY_S)
            out.append((i, start, start + min(rng.exponential(mean_h), 20) * 3600))
        for _ in range(rng.poisson(FAULTS_PER_DAY * (window_s + lead_s) / DAY_S)):
            start = rng.uniform(-lead_s, window_s)
            out.append((i, start, start + min(rng.exponential(FAULT_MEAN_DAYS), FAULT_MAX_DAYS) * DAY_S))
    return [(i, max(0.0, s), min(float(window_s), e)) for i, s, e in out if s < window_s and e > 0]


def _merged(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping or touching offline spans of one channel joined into outages, in order."""
    out: list[tuple[float, float]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


@dataclass
class History:
    changes: list[HealthChange] = field(default_factory=list)
    outages: list[Outage] = field(default_factory=list)


def _history(rng, channels: list[Channel], now: datetime) -> History:
    """From 30 days ago to now: each channel first seen at the window's start, its outages and
    their health changes, and its health now (the online time per day is rolled up from these)."""
    today = timezone.localdate(now)
    t0 = timezone.make_aware(datetime.combine(today - timedelta(days=HISTORY_DAYS), datetime.min.time()))
    window_s = int((now - t0).total_seconds())
    villages = sorted({c.village_id for c in channels if not c.canteen_id})
    bad = {villages[int(i)] for i in rng.choice(len(villages), BAD_VILLAGES, replace=False)}
    spans: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for i, s, e in _outages(rng, channels, window_s, bad):
        spans[i].append((s, e))
    out = History()
    for i, c in enumerate(channels):
        outages = _merged(spans.get(i, []))
        _set_health(c, now, t0, outages, window_s)
        _outage_rows(out, c, t0, outages, window_s)
    return out


def _change(c: Channel, at: datetime, previous: str, health: str, reason: str) -> HealthChange:
    return HealthChange(
        channel=c, at=at, previous=previous, health=health, source=HealthSource.RTSP, reason=reason
    )


def _outage_rows(out: History, c: Channel, t0: datetime, outages, window_s: int) -> None:
    where = {"area_id": c.area_id, "village_id": c.village_id, "grid_id": c.grid_id}
    down_at_start = bool(outages) and outages[0][0] <= 0
    first = Health.OFFLINE if down_at_start else Health.ONLINE
    out.changes.append(
        _change(c, t0, Health.UNKNOWN, first, OFFLINE_REASON if down_at_start else ONLINE_REASON)
    )
    for n, (s, e) in enumerate(outages):
        start = t0 + timedelta(seconds=round(s))
        end = t0 + timedelta(seconds=round(e)) if e < window_s else None
        out.outages.append(Outage(channel=c, started_at=start, ended_at=end, reason=OFFLINE_REASON, **where))
        if n or not down_at_start:
            out.changes.append(_change(c, start, Health.ONLINE, Health.OFFLINE, OFFLINE_REASON))
        if end is not None:
            out.changes.append(_change(c, end, Health.OFFLINE, Health.ONLINE, ONLINE_REASON))


def _set_health(c: Channel, now: datetime, t0: datetime, outages, window_s: int) -> None:
    c.health_source = HealthSource.RTSP
    c.last_probe_at = now - timedelta(seconds=30)
    last = outages[-1] if outages else None
    if last is not None and last[1] >= window_s:
        c.health, c.failures = Health.OFFLINE, 3
        c.health_since = t0 + timedelta(seconds=round(last[0]))
        c.last_ok_at = c.health_since - timedelta(seconds=60)
        c.last_error = OFFLINE_REASON
    else:
        c.health, c.failures = Health.ONLINE, 0
        c.health_since = t0 + timedelta(seconds=round(last[1])) if last else t0
        c.last_ok_at = c.last_probe_at
        c.codec = "H264"


# ---- the step --------------------------------------------------------------------------------------------

HEALTH_FIELDS = [
    "health",
    "health_since",
    "health_source",
    "failures",
    "last_probe_at",
    "last_ok_at",
    "last_error",
    "codec",
]


def _register(reg: Registry) -> int:
    """The registry through its services: projects, the tree, then every site and channel in one
    all-or-nothing import; the schools and canteens, and each kitchen channel's canteen and room."""
    for p in reg.projects:
        project_create(**p, actor_name=ACTOR)
    for gb_id, name, parent in reg.groups:
        group_create(gb_id=gb_id, name=name, parent=parent, actor_name=ACTOR)
    School.objects.bulk_create(reg.schools)
    for canteen in reg.canteens:
        canteen.school_id = canteen.school.pk
    Canteen.objects.bulk_create(reg.canteens)
    result = registry_import(data=_import_file(reg.rows), filename="demo-video.csv", actor_name=ACTOR)
    rooms: dict[tuple, list[str]] = defaultdict(list)
    for gb_id, (canteen, room) in reg.rooms.items():
        rooms[(canteen.pk, room)].append(gb_id)
    for (canteen_id, room), ids in rooms.items():
        Channel.objects.filter(gb_id__in=ids).update(canteen_id=canteen_id, room=room)
    return (
        len(reg.projects)
        + len(reg.groups)
        + len(reg.schools)
        + len(reg.canteens)
        + result.sites_created
        + result.channels_created
    )


def _registered(built_on: date) -> datetime:
    """A channel entered the registry when it was built (before the month of history)."""
    return timezone.make_aware(datetime.combine(built_on, datetime.min.time()))


def _import_file(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def seed_video(progress: Progress = no_progress, *, now: datetime | None = None, seed: int = SEED) -> Tally:
    """The two video projects with their schools, canteens, sites, channels and a month of history."""
    if Project.objects.filter(code__in=[PS_CODE, KITCHEN_CODE]).exists():
        return Tally(unchanged=Channel.objects.filter(project__code__in=[PS_CODE, KITCHEN_CODE]).count())
    now = now or timezone.now()
    today = timezone.localdate(now)
    d = _Draw(np.random.default_rng(seed))
    reg = Registry()
    _public_security(reg, d, today)
    _kitchens(reg, d, today)
    with transaction.atomic():
        created = _register(reg)
        by_id = Channel.objects.select_related("canteen").in_bulk(
            [r["gb_id"] for r in reg.rows], field_name="gb_id"
        )
        channels = [by_id[r["gb_id"]] for r in reg.rows]
        history = _history(d.rng, channels, now)
        for c in channels:  # one UPDATE each: bulk_update's CASE over 1,374 rows is slower
            fields = {f: getattr(c, f) for f in HEALTH_FIELDS}
            Channel.objects.filter(pk=c.pk).update(created_at=_registered(c.built_on), **fields)
        Outage.objects.bulk_create(history.outages, batch_size=2000)
        HealthChange.objects.bulk_create(history.changes, batch_size=2000)
        rollup_days(today - timedelta(days=HISTORY_DAYS), today, now=now)
    return Tally(created=created)


def seed_alert_kinds(progress: Progress = no_progress) -> Tally:
    """The analytics' alert kinds, each mapped to its patrol item (the catalogue is seeded before),
    so that an AI alert from the simulated cameras opens a case."""
    changed = alert_kinds_seed()
    return Tally(created=changed, unchanged=AlertKind.objects.count() - changed)
