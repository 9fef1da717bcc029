"""The demo town's places: schools and their canteens, service centres, shelters, markets …

The counts are the seed's figures: 50 schools with 51 canteens ("明厨亮灶"), a party-and-people
service centre in each of the 23 villages plus the town's government service centre, one library.
"""

import math

import numpy as np
from shapely.geometry import Point

from cityops.demo import names
from cityops.demo.plane import Region, lon_lat

SCHOOLS = 50
CANTEENS = 51
SERVICE_CENTRES = 24
MARGIN_M = 60.0  # keeps places (and a canteen beside its school) clear of the village edge
CANTEEN_DISTANCE_M = (15.0, 40.0)
ORDINALS = "一二三四"


def _base(village_name: str) -> str:
    return village_name.removesuffix("社区").removesuffix("村")


class _Placer:
    """Random points inside villages, and the features built on them."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.features: list[dict] = []

    def point(self, village: Region) -> tuple[float, float]:
        inner = village.shape.buffer(-MARGIN_M)
        minx, miny, maxx, maxy = inner.bounds
        while True:
            x, y = self.rng.uniform((minx, miny), (maxx, maxy))
            if inner.contains(Point(x, y)):
                return float(x), float(y)

    def add(self, code, name, kind, village: Region, xy, parent: str | None = None) -> tuple[float, float]:
        props = {
            "level": "place",
            "code": code,
            "name": name,
            "kind": kind,
            "address": f"{names.CITY_PREFIX}{village.name}",
        }
        if parent:
            props["parent"] = parent
        lon, lat = lon_lat(*xy)
        geometry = {"type": "Point", "coordinates": [lon, lat]}
        self.features.append({"type": "Feature", "geometry": geometry, "properties": props})
        return xy

    def place(self, code, name, kind, village: Region) -> tuple[float, float]:
        return self.add(code, name, kind, village, self.point(village))

    def beside(self, xy) -> tuple[float, float]:
        angle = self.rng.uniform(0, 2 * math.pi)
        dist = self.rng.uniform(*CANTEEN_DISTANCE_M)
        return xy[0] + dist * math.cos(angle), xy[1] + dist * math.sin(angle)

    def count(self, kind: str) -> int:
        return sum(1 for f in self.features if f["properties"]["kind"] == kind)


def _school_list(villages: list[Region], centre: Region) -> list[tuple[str, Region]]:
    schools = [(name, centre) for name in names.TOWN_SCHOOLS]
    schools += [(f"{_base(v.name)}小学", v) for v in villages if v.name not in names.NO_PRIMARY_SCHOOL]
    schools += [(f"{_base(v.name)}幼儿园", v) for v in villages]
    return schools


def _schools(p: _Placer, villages: list[Region], centre: Region) -> None:
    for n, (name, village) in enumerate(_school_list(villages, centre), 1):
        code = f"DLS-SCH-{n:02d}"
        xy = p.place(code, name, "school", village)
        canteens = 2 if name == names.TWO_CANTEENS else 1
        for c in range(1, canteens + 1):
            c_name = f"{name}第{ORDINALS[c - 1]}食堂" if canteens > 1 else f"{name}食堂"
            p.add(f"{code}-C{c}", c_name, "canteen", village, p.beside(xy), parent=code)


def _service_centres(p: _Placer, villages: list[Region], centre: Region) -> None:
    p.place("DLS-SVC-00", names.TOWN_SERVICE_CENTRE, "service_centre", centre)
    for n, v in enumerate(villages, 1):
        p.place(f"DLS-SVC-{n:02d}", f"{v.name}党群服务中心", "service_centre", v)
    p.place("DLS-LIB-01", names.LIBRARY, "library", centre)


def _pick(p: _Placer, villages: list[Region], n: int) -> list[Region]:
    return [villages[i] for i in sorted(p.rng.choice(len(villages), n, replace=False))]


def _others(p: _Placer, villages: list[Region], centre: Region) -> None:
    shelters = [(name, centre) for name in names.TOWN_SHELTERS]
    for i, v in enumerate(_pick(p, villages, names.VILLAGE_SHELTERS)):
        site = names.SHELTER_SITES[i % len(names.SHELTER_SITES)]
        shelters.append((f"{_base(v.name)}{site}应急避难场所", v))
    for n, (name, v) in enumerate(shelters, 1):
        p.place(f"DLS-SHL-{n:02d}", name, "shelter", v)
    markets = [(names.TOWN_MARKET, centre)]
    markets += [(f"{_base(v.name)}市场", v) for v in _pick(p, villages, names.VILLAGE_MARKETS)]
    for n, (name, v) in enumerate(markets, 1):
        p.place(f"DLS-MKT-{n:02d}", name, "market", v)
    for n, v in enumerate(_pick(p, villages, names.DORMITORIES), 1):
        p.place(f"DLS-DRM-{n:02d}", f"{_base(v.name)}工业区员工宿舍", "dormitory", v)


def place_features(rng: np.random.Generator, villages: list[Region]) -> list[dict]:
    """Point features of every demo place, each inside its village (and so inside a grid)."""
    centre = next(v for v in villages if v.name == names.AREAS[0][2][0][0])
    p = _Placer(rng)
    _schools(p, villages, centre)
    _service_centres(p, villages, centre)
    _others(p, villages, centre)
    expected = {"school": SCHOOLS, "canteen": CANTEENS, "service_centre": SERVICE_CENTRES}
    for kind, n in expected.items():
        if p.count(kind) != n:
            raise ValueError(f"the demo town has {p.count(kind)} places of kind {kind}, not {n}")
    return p.features
