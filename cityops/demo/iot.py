"""The demo town's sensors: a few thousand devices of the standard types, placed where they belong.

The demo geography has no rivers or roads, so: creek water-level gauges stand on village borders
(creeks often are the borders in the Pearl River Delta) and road ponding gauges in low grids;
smoke detectors are in the workers' dormitories and markets; gas detectors in the school
canteens; air-quality and noise monitors at each village centre, with roadside noise monitors
(zone class 4a) in every area; manhole covers and streetlights in every grid; waste-bin sensors
around markets and village centres; parking sensors around the service centres. Everything is
written through the same all-or-nothing device import users have, so seeding twice changes nothing.

A manhole cover says which network it belongs to (``properties.network``), so that its alarm opens
a case of that network's covers. Drainage covers are the most common in a Chinese town's streets
(storm and sewage, often in pairs), then water supply and the cable networks; gas and streetlight
covers are the fewest. The network comes from the device code (a stable hash), not from the
placement's random numbers, so the other devices stand where they stood before networks existed.
"""

import csv
import io
import json
import math
import zlib
from datetime import date, timedelta

import numpy as np
import shapely
from shapely.geometry import Point

from cityops.demo.people import ACTOR, Progress, Tally, no_progress
from cityops.geo.models import Grid, Place, Village
from cityops.iot.device_import import CODES, device_import
from cityops.iot.profiles import profiles_install

SEED = 2026_11
MANHOLES_PER_GRID = 8
LIGHTS_PER_GRID = 10
SMOKE_PER_DORMITORY = 40
SMOKE_PER_MARKET = 20
GAS_PER_CANTEEN = 3
BINS_PER_MARKET = 10
BINS_PER_VILLAGE = 10
PARKING_PER_CENTRE = 20
CREEK_GAUGES_PER_VILLAGE = 2
PONDING_GAUGES_PER_AREA = 2
ROAD_NOISE_PER_AREA = 2
M_PER_DEG = 111_320.0
# Shares of a town's manhole covers by network, in percent (an estimate, not a survey).
COVER_SHARES = (
    ("storm", 30),
    ("sewage", 25),
    ("water", 14),
    ("telecom", 12),
    ("power", 10),
    ("gas", 5),
    ("streetlight", 4),
)


def cover_network(code: str) -> str:
    """The network of the demo's manhole ``code``: the same for the same code, shares as above."""
    point = zlib.crc32(code.encode()) % sum(share for _, share in COVER_SHARES)
    for network, share in COVER_SHARES:
        if point < share:
            return network
        point -= share
    raise AssertionError("unreachable: the shares cover every point")


class _Placer:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.rows: list[list] = []
        self.start = date(2023, 1, 1)

    def add(
        self, code: str, name: str, type_code: str, lon: float, lat: float, properties: dict | None = None
    ):
        installed = self.start + timedelta(days=int(self.rng.integers(0, 1000)))
        props = json.dumps(properties, ensure_ascii=False, sort_keys=True) if properties else ""
        self.rows.append(
            [code, name, type_code, round(lon, 7), round(lat, 7), installed.isoformat(), "active", "", props]
        )

    def inside(self, shape, tries: int = 200) -> tuple[float, float]:
        """A random point inside a polygon (kept 5 m clear of its edge)."""
        inner = shape.buffer(-5 / M_PER_DEG) or shape
        minx, miny, maxx, maxy = inner.bounds
        for _ in range(tries):
            x, y = self.rng.uniform((minx, miny), (maxx, maxy))
            if inner.contains(Point(x, y)):
                return float(x), float(y)
        p = shape.representative_point()
        return p.x, p.y

    def near(self, lon: float, lat: float, metres: float, shape) -> tuple[float, float]:
        """A random point within ``metres`` of a place, inside ``shape`` (the place's village)."""
        for _ in range(50):
            angle, dist = self.rng.uniform(0, 2 * math.pi), self.rng.uniform(5, metres)
            x = lon + dist * math.cos(angle) / (M_PER_DEG * math.cos(math.radians(lat)))
            y = lat + dist * math.sin(angle) / M_PER_DEG
            if shape.contains(Point(x, y)):
                return x, y
        return lon, lat

    def on_border(self, shape) -> tuple[float, float]:
        """A point 15 m inside the border of a polygon, as a creek gauge on a village boundary."""
        ring = shape.exterior
        p = ring.interpolate(float(self.rng.uniform(0, ring.length)))
        c = shape.centroid
        d = math.hypot(c.x - p.x, c.y - p.y) or 1.0
        step = 15 / M_PER_DEG
        return p.x + (c.x - p.x) * step / d, p.y + (c.y - p.y) * step / d


def _grids(p: _Placer, grids: list[Grid], shapes: dict[str, object]) -> None:
    for g in grids:
        short = g.code.removeprefix("DLS-")
        for n in range(1, MANHOLES_PER_GRID + 1):
            code = f"MH-{short}-{n:02d}"
            where = p.inside(shapes[g.code])
            p.add(code, f"{g.name}智能井盖{n:02d}", "manhole", *where, {"network": cover_network(code)})
        for n in range(1, LIGHTS_PER_GRID + 1):
            p.add(f"SL-{short}-{n:02d}", f"{g.name}路灯{n:02d}", "streetlight", *p.inside(shapes[g.code]))


def _villages(p: _Placer, villages: list[Village], shapes: dict[str, object]) -> None:
    for v in villages:
        short, shape = v.code.removeprefix("DLS-"), shapes[v.code]
        centre = (
            (v.centroid_lon, v.centroid_lat)
            if shape.contains(Point(v.centroid_lon, v.centroid_lat))
            else p.inside(shape)
        )
        p.add(f"AQ-{short}", f"{v.name}空气质量监测站", "air_quality", *p.near(*centre, 100, shape))
        zone = "2" if v.is_community else "1"
        p.add(
            f"NZ-{short}", f"{v.name}噪声监测点", "noise", *p.near(*centre, 100, shape), {"zone_class": zone}
        )
        for n in range(1, BINS_PER_VILLAGE + 1):
            p.add(f"WB-{short}-{n:02d}", f"{v.name}垃圾桶{n:02d}", "waste_bin", *p.near(*centre, 400, shape))
        for n in range(1, CREEK_GAUGES_PER_VILLAGE + 1):
            warning = round(float(p.rng.uniform(3.0, 6.0)), 2)
            levels = {
                "warning_level": warning,
                "guaranteed_level": round(warning + float(p.rng.uniform(0.8, 1.5)), 2),
                "historic_max": round(warning + float(p.rng.uniform(0.5, 2.0)), 2),
            }
            p.add(f"WL-{short}-{n}", f"{v.name}河涌水位计{n}", "water_level", *p.on_border(shape), levels)


def _areas(p: _Placer, grids: list[Grid], shapes: dict[str, object]) -> None:
    by_area: dict[str, list[Grid]] = {}
    for g in grids:
        by_area.setdefault(g.area.code, []).append(g)
    for area, members in sorted(by_area.items()):
        short = area.removeprefix("DLS-")
        picks = p.rng.choice(len(members), PONDING_GAUGES_PER_AREA + ROAD_NOISE_PER_AREA, replace=False)
        for n, i in enumerate(picks[:PONDING_GAUGES_PER_AREA], 1):
            g = members[int(i)]
            levels = {"warning_level": 0.15, "guaranteed_level": 0.3, "historic_max": 0.5}  # road ponding, m
            p.add(
                f"WL-{short}-LOW{n}",
                f"{g.name}低洼路段积水监测{n}",
                "water_level",
                *p.inside(shapes[g.code]),
                levels,
            )
        for n, i in enumerate(picks[PONDING_GAUGES_PER_AREA:], 1):
            g = members[int(i)]
            p.add(
                f"NZ-{short}-RD{n}",
                f"{g.name}道路噪声监测{n}",
                "noise",
                *p.inside(shapes[g.code]),
                {"zone_class": "4a"},
            )


def _places(p: _Placer, places: list[Place], shapes: dict[str, object]) -> None:
    plan = {
        "dormitory": [("SM", "烟感", "smoke", SMOKE_PER_DORMITORY, 60)],
        "market": [
            ("SM", "烟感", "smoke", SMOKE_PER_MARKET, 40),
            ("WB", "垃圾桶", "waste_bin", BINS_PER_MARKET, 150),
        ],
        "canteen": [("GS", "燃气探测器", "gas", GAS_PER_CANTEEN, 15)],
        "service_centre": [("PK", "车位", "parking", PARKING_PER_CENTRE, 80)],
    }
    for place in places:
        shape = shapes[place.village.code]
        short = place.code.removeprefix("DLS-")
        for prefix, label, type_code, count, radius in plan.get(place.kind, ()):
            for n in range(1, count + 1):
                where = p.near(place.lon, place.lat, radius, shape)
                p.add(f"{prefix}-{short}-{n:02d}", f"{place.name}{label}{n:02d}", type_code, *where)


def demo_device_file(seed: int = SEED) -> bytes:
    """The demo devices as an import file (CSV, the same bytes for the same geography)."""
    grids = list(Grid.objects.select_related("area", "village").order_by("code"))
    villages = list(Village.objects.order_by("code"))
    places = list(Place.objects.select_related("village").order_by("code"))
    shapes = {r.code: shapely.from_geojson(r.geometry) for r in [*grids, *villages]}
    p = _Placer(np.random.default_rng(seed))
    _grids(p, grids, shapes)
    _villages(p, villages, shapes)
    _areas(p, grids, shapes)
    _places(p, places, shapes)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CODES)
    writer.writerows(p.rows)
    return out.getvalue().encode("utf-8")


def seed_iot(progress: Progress = no_progress) -> Tally:
    """The standard device types and rules, and the demo devices (only what is missing or changed)."""
    profiles_install(actor_name=ACTOR)
    result = device_import(data=demo_device_file(), filename="demo-iot.csv", actor_name=ACTOR)
    return Tally(result.created, result.updated, result.unchanged)
