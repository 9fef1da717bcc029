"""Live cases for the demo, and the town's case content that the history shares with them.

``trickle(n)`` reports n new cases through ``case_intake``, as an inspector on patrol, a resident or
the 12345 hotline would, so the demo's screens keep moving. ``load_refs`` gathers what every
synthetic case is made of — the patrol items with their weights, the grids with points inside
them and their inspectors, the workstations — and the text helpers write its words, so cases of
the year's history and live cases look alike.
"""

import random
from dataclasses import dataclass

import numpy as np
import shapely

from cityops.accounts.models import User
from cityops.accounts.roles import Role
from cityops.cases.choices import RESIDENT_CHANNELS, Channel
from cityops.cases.intake import IntakeIn, IntakeResult, Reporter, case_intake
from cityops.cases.models import PatrolItem
from cityops.core.errors import ValidationFailed
from cityops.demo import names
from cityops.geo.models import Grid
from cityops.org.models import Workstation

POINTS_PER_GRID = 256
# Relative frequency of the big categories (codes of the demo catalogue); others weigh 1.
BIG_WEIGHTS = {
    "SJ01": 12, "SJ04": 10, "SJ06": 6, "SJ02": 5, "SJ03": 5, "SJ08": 4, "SJ07": 3, "SJ11": 3,
    "SJ12": 3, "SJ09": 2, "SJ15": 2, "SJ13": 2, "BJ01": 5, "BJ03": 4, "BJ02": 3, "BJ04": 2,
}  # fmt: skip
# How much more often a category is reported at the height of the rainy season (1 = twice).
RAIN_BOOST = {"SJ13": 2.0, "SJ05": 1.5, "BJ04": 1.0, "BJ01": 0.5, "SJ08": 0.4, "SJ01": 0.3}
# Big categories that sensors and cameras report; with none of them, any item.
IOT_BIGS = {"SJ06", "SJ13", "SJ08", "BJ01", "SJ05"}
VIDEO_BIGS = {"SJ04", "SJ01", "SJ02", "SJ03", "SJ12"}
ROADS = [
    "大岭山大道",
    "莞长路",
    "连平路",
    "环城路",
    "鸡翅岭路",
    "新塘路",
    "杨屋路",
    "太公岭路",
    "金桔路",
    "百花路",
    "教育路",
    "农场路",
]
CHANNEL_NAMES = {Channel.IOT: "物联感知", Channel.VIDEO: "视频AI", Channel.HOTLINE: "12345热线"}


@dataclass(frozen=True)
class ItemRef:
    id: int
    code: str
    name: str
    category_id: int
    big_category_id: int
    big_code: str
    department_id: int
    department_code: str
    handler: str  # the actor name of the department's handlers
    urgency: str
    resident: bool
    spot: bool
    dispatch: tuple[int, str]
    disposal: tuple[int, str]
    recheck: tuple[int, str]


@dataclass(frozen=True)
class GridRef:
    id: int
    code: str
    name: str
    area_id: int
    village_id: int
    village_name: str
    points: tuple[tuple[float, float], ...]
    inspectors: tuple[tuple[int, str], ...]  # (id, username)


@dataclass
class Refs:
    items: list[ItemRef]
    grids: list[GridRef]
    item_weights: np.ndarray
    item_rain_boost: np.ndarray
    grid_weights: np.ndarray
    village_ws: dict[int, tuple[int, str]]  # village id → (workstation id, name)
    area_ws: dict[int, tuple[int, str]]  # area id → (workstation id, code)
    town_ws: tuple[int, str]

    def eligible(self, channel: str) -> np.ndarray:
        """1 for the items the channel may report, else 0 (all items when none qualifies)."""
        if channel in RESIDENT_CHANNELS:
            mask = [i.resident for i in self.items]
        elif channel == Channel.IOT:
            mask = [i.big_code in IOT_BIGS for i in self.items]
        elif channel == Channel.VIDEO:
            mask = [i.big_code in VIDEO_BIGS for i in self.items]
        else:
            mask = [True] * len(self.items)
        out = np.array(mask, dtype=float)
        return out if out.any() else np.ones(len(self.items))


def _item_refs() -> list[ItemRef]:
    rows = (
        PatrolItem.objects.filter(active=True).select_related("department", "big_category").order_by("code")
    )
    return [
        ItemRef(
            i.id,
            i.code,
            i.name,
            i.category_id,
            i.big_category_id,
            i.big_category.code,
            i.department_id,
            i.department.code,
            f"{i.department.short_name or i.department.name}处置人员",
            i.urgency,
            i.resident_reportable,
            i.on_the_spot,
            (i.dispatch_limit, i.dispatch_unit),
            (i.disposal_limit, i.disposal_unit),
            (i.recheck_limit, i.recheck_unit),
        )
        for i in rows
    ]


def grid_points(geometry: str, rng: np.random.Generator, k: int = POINTS_PER_GRID) -> tuple:
    """k points inside a grid's polygon, uniformly spread (rejection sampling in its bounds)."""
    polygon = shapely.from_geojson(geometry)
    shapely.prepare(polygon)
    x0, y0, x1, y1 = polygon.bounds
    found: list[tuple[float, float]] = []
    while len(found) < k:
        xs, ys = rng.uniform(x0, x1, 4 * k), rng.uniform(y0, y1, 4 * k)
        inside = shapely.contains_xy(polygon, xs, ys)
        found += [
            (round(float(x), 6), round(float(y), 6)) for x, y in zip(xs[inside], ys[inside], strict=True)
        ]
    return tuple(found[:k])


def _grid_refs(rng: np.random.Generator) -> list[GridRef]:
    inspectors: dict[int, list[tuple[int, str]]] = {}
    for pk, username, grid in (
        User.objects.filter(role=Role.INSPECTOR, is_active=True, scope_grid__isnull=False)
        .order_by("username")
        .values_list("pk", "username", "scope_grid_id")
    ):
        inspectors.setdefault(grid, []).append((pk, username))
    grids = Grid.objects.select_related("village").order_by("code")
    return [
        GridRef(
            g.id,
            g.code,
            g.name,
            g.area_id,
            g.village_id,
            g.village.name,
            grid_points(g.geometry, rng),
            tuple(inspectors.get(g.id, ())),
        )
        for g in grids
    ]


def _workstations() -> tuple[dict, dict, tuple]:
    rows = list(Workstation.objects.values_list("id", "code", "name", "level", "area_id", "village_id"))
    village = {v: (pk, name) for pk, code, name, level, a, v in rows if level == "village"}
    area = {a: (pk, code) for pk, code, name, level, a, v in rows if level == "area"}
    town = next(((pk, code) for pk, code, name, level, a, v in rows if level == "town"), None)
    return village, area, town


def load_refs(seed: int) -> Refs:
    """The items, grids and workstations synthetic cases are made of; fails clearly when missing."""
    rng = np.random.default_rng(seed)
    items, grids = _item_refs(), _grid_refs(rng)
    village_ws, area_ws, town_ws = _workstations()
    missing = [g.code for g in grids if g.village_id not in village_ws or g.area_id not in area_ws]
    if not items or not grids or town_ws is None or missing:
        raise ValidationFailed(
            "synthetic cases need the patrol item catalogue, the grids and every workstation; seed the "
            f"catalogue and the organisation first ({len(items)} items, {len(grids)} grids, "
            f"grids without a workstation: {', '.join(missing[:5]) or 'none'})"
        )
    skew = rng.lognormal(0, 0.8, len(items))
    item_weights = np.array(
        [BIG_WEIGHTS.get(i.big_code, 1) * (0.4 if i.urgency == "urgent" else 1) for i in items]
    )
    areas = np.array([float(a) for a in Grid.objects.order_by("code").values_list("area_m2", flat=True)])
    grid_weights = np.sqrt(np.maximum(areas, 1)) * rng.lognormal(0, 0.35, len(grids))
    return Refs(
        items=items,
        grids=grids,
        item_weights=item_weights * skew,
        item_rain_boost=np.array([RAIN_BOOST.get(i.big_code, 0.0) for i in items]),
        grid_weights=grid_weights / grid_weights.sum(),
        village_ws=village_ws,
        area_ws=area_ws,
        town_ws=town_ws,
    )


# words of a case ---------------------------------------------------------------------------------


# What people write at each step of a case.
NOTES = {
    "confirmed": ["现场核实，问题属实", "已到现场核实，情况属实"],
    "not_found": ["现场核实，未发现所反映问题", "到场查看，问题已不存在"],
    "cancel": ["重复上报", "不属于受理范围", "现场未发现问题", "信息不完整，无法核实"],
    "return": ["非本部门职责，申请退回重新派遣", "地址有误，请核实后重新派遣"],
    "request_extension": ["工程量较大，需协调施工，申请延期", "需等待材料到位，申请延期"],
    "dispose": ["已处置完毕，现场已恢复", "已安排人员整改完成", "已清理完毕"],
    "recheck_pass": ["现场核查，已整改到位", "核查通过，予以结案"],
    "recheck_fail": ["核查未整改到位，需返工", "现场仍存在问题，退回返工"],
}


def address(rnd: random.Random, grid: GridRef) -> str:
    return f"{names.CITY_PREFIX}{grid.village_name}{rnd.choice(ROADS)}{rnd.randint(1, 320)}号"


def description(rnd: random.Random, channel: str, item: ItemRef, where: str) -> str:
    if channel == Channel.PATROL:
        return f"巡查发现{item.name}，位置：{where}"
    if channel == Channel.HOTLINE:
        return f"市民来电反映{where}附近{item.name}，请尽快处理"
    if channel == Channel.IOT:
        return f"传感器告警：{item.name}（{where}）"
    if channel == Channel.VIDEO:
        return f"视频AI识别到{item.name}，点位：{where}"
    return rnd.choice(["市民反映", "群众举报", "居民投诉"]) + f"：{where}{item.name}，希望尽快处理"


def contact(rnd: random.Random) -> tuple[str, str]:
    """A resident's name and mobile number."""
    surname = names.SURNAMES[min(int(rnd.paretovariate(1.2)) - 1, len(names.SURNAMES) - 1)]
    given = "".join(rnd.choice(names.GIVEN_CHARS) for _ in range(rnd.choice((1, 2, 2))))
    return surname + given, f"{rnd.choice(names.MOBILE_PREFIXES)}{rnd.randrange(10**8):08d}"


def reporter_name(channel: str, contact_name: str, inspector: str) -> str:
    """The actor name of the report event, as intake writes it."""
    return inspector or CHANNEL_NAMES.get(channel) or contact_name or channel


# the live trickle --------------------------------------------------------------------------------

TRICKLE_CHANNELS = {Channel.PATROL: 0.8, Channel.RESIDENT: 0.1, Channel.HOTLINE: 0.1}


def _intake(refs: Refs, rnd: random.Random) -> IntakeIn:
    channel = rnd.choices(list(TRICKLE_CHANNELS), weights=list(TRICKLE_CHANNELS.values()))[0]
    grid = rnd.choices(refs.grids, weights=list(refs.grid_weights))[0]
    if channel == Channel.PATROL and not grid.inspectors:
        channel = Channel.RESIDENT
    weights = refs.item_weights * refs.eligible(channel)
    item = refs.items[rnd.choices(range(len(refs.items)), weights=list(weights))[0]]
    lon, lat = rnd.choice(grid.points)
    where = address(rnd, grid)
    name, phone = contact(rnd)
    reporter = Reporter(name=name, phone=phone)
    if channel == Channel.PATROL:
        reporter = Reporter(user=User.objects.get(pk=rnd.choice(grid.inspectors)[0]))
    return IntakeIn(
        channel=channel,
        item_code=item.code,
        lon=lon,
        lat=lat,
        description=description(rnd, channel, item, where),
        address=where[:200],
        reporter=reporter,
        external_ref=f"12345-{rnd.randrange(10**10):010d}" if channel == Channel.HOTLINE else "",
    )


def trickle(n: int = 1, *, refs: Refs | None = None, rnd: random.Random | None = None) -> list[IntakeResult]:
    """Report n new live cases through the intake service (patrol, resident and hotline)."""
    refs = refs or load_refs(seed=random.randrange(2**32))
    rnd = rnd or random.Random()
    results = []
    for _ in range(n):
        data = _intake(refs, rnd)
        by = data.reporter.user if data.channel == Channel.PATROL else None
        results.append(case_intake(data, by=by))
    return results
