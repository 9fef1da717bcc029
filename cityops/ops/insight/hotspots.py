"""Hot spots of cases on the town's grids: Getis-Ord Gi* (esda's ``G_Local`` with ``star=True``)
over the count of cases reported in each grid, with queen-contiguity weights of the grid polygons
(libpysal) and pseudo p-values from conditional permutations under a fixed seed, so the same data
gives the same classes. Counts come from the daily case rollup (``CaseDailyStat``), restricted to
the reader's scope: an area's reader's statistic compares their own area's grids only.

A scope of fewer than ``MIN_GRIDS`` grids (most villages have about five) has too few neighbourhoods
to compare among themselves. Its grids are then classed by the statistic over the whole town's
grids — is this grid, with its neighbours, busier than the town at large? — and only the reader's
own grids are shown, with their own counts; the other grids' counts stay unseen (``Frame``)."""

import json
import math
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.cases.models import CaseDailyStat
from cityops.core.scoping import SystemReader
from cityops.geo.models import Grid

PERMUTATIONS = 999
SEED = 20260101
MIN_GRIDS = 9  # fewer grids (a village's few) leave too few neighbourhoods to compare
MIN_CASES = 20  # fewer cases in the period are noise, not a pattern
# (p at most, confidence) from the strongest class down
LEVELS = ((0.01, 99), (0.05, 95), (0.10, 90))
CLASS_LABELS = {
    "hot99": gettext_lazy("Hot spot, 99 % confidence"),
    "hot95": gettext_lazy("Hot spot, 95 % confidence"),
    "hot90": gettext_lazy("Hot spot, 90 % confidence"),
    "none": gettext_lazy("Not significant"),
    "cold90": gettext_lazy("Cold spot, 90 % confidence"),
    "cold95": gettext_lazy("Cold spot, 95 % confidence"),
    "cold99": gettext_lazy("Cold spot, 99 % confidence"),
}
# the usual diverging scale of hot-spot maps: red for hot, blue for cold, pale for neither
CLASS_COLOURS = {
    "hot99": "#b2182b",
    "hot95": "#ef8a62",
    "hot90": "#fddbc7",
    "none": "#f0f0f0",
    "cold90": "#d1e5f0",
    "cold95": "#67a9cf",
    "cold99": "#2166ac",
}


@dataclass
class GridResult:
    grid: Grid
    cases: int
    z: float | None
    p: float | None
    cls: str

    @property
    def label(self) -> str:
        return str(CLASS_LABELS[self.cls])

    @property
    def colour(self) -> str:
        return CLASS_COLOURS[self.cls]

    @property
    def hot(self) -> bool:
        return self.cls.startswith("hot")


@dataclass
class HotSpots:
    """Gi* of one period, or ``refusal`` saying why there is none (too few grids or cases)."""

    start: date
    end: date
    cases: int
    grids: list[GridResult] = field(default_factory=list)
    refusal: str = ""
    islands: int = 0
    compared_grids: int = 0  # when the statistic reached beyond the reader's grids: the town's grids
    compared_cases: int = 0  # and their cases

    def count(self, prefix: str) -> int:
        return sum(1 for g in self.grids if g.cls.startswith(prefix))


def classify(z: float, p: float) -> str:
    """The class of a grid from its z-score's sign and its pseudo p-value."""
    for alpha, confidence in LEVELS:
        if p <= alpha:
            return f"{'hot' if z > 0 else 'cold'}{confidence}"
    return "none"


def scoped_grids(user) -> list[Grid]:
    return list(Grid.objects.restrict(user, "ops.view").select_related("village").order_by("code"))


@dataclass
class Frame:
    """The grids the statistic compares, whose rollup rows are counted, and — when that reaches
    beyond the reader's scope — the reader's own grids, the only ones shown."""

    grids: list[Grid]
    reader: object
    shown: frozenset[int] | None = None

    @property
    def shown_grids(self) -> list[Grid]:
        return self.grids if self.shown is None else [g for g in self.grids if g.pk in self.shown]


def frame_for(user) -> Frame:
    """The reader's grids; for a scope of too few grids, the town's with the reader's shown."""
    grids = scoped_grids(user)
    if 0 < len(grids) < MIN_GRIDS:
        town = list(Grid.objects.select_related("village").order_by("code"))
        if len(town) >= MIN_GRIDS:
            return Frame(town, SystemReader(), frozenset(g.pk for g in grids))
    return Frame(grids, user)


def queen_weights(grids: list[Grid]):
    """Queen contiguity of the grid polygons (a shared vertex or edge makes neighbours)."""
    from libpysal.weights import Queen
    from shapely.geometry import shape

    shapes = [shape(json.loads(g.geometry)) for g in grids]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an island is reported by its count on the page
        return Queen.from_iterable(shapes, ids=list(range(len(grids))))


def grid_counts(user, start: date, end: date, group=None) -> dict[int, int]:
    """Cases reported per grid over start..end (optionally of one item group), in the user's scope."""
    qs = CaseDailyStat.objects.restrict(user, "cases.view").filter(day__gte=start, day__lte=end)
    if group is not None:
        qs = qs.filter(big_category=group)
    return {g: n or 0 for g, n in qs.values_list("grid").annotate(n=Sum("reported")).order_by()}


def gi_star(counts: list[int], w) -> tuple[np.ndarray, np.ndarray]:
    """z-scores and pseudo p-values of Gi* with binary weights, reproducible by the fixed seed."""
    from esda import G_Local

    y = np.asarray(counts, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = G_Local(y, w, transform="B", permutations=PERMUTATIONS, star=True, n_jobs=1, seed=SEED)
    return np.asarray(g.Zs), np.asarray(g.p_sim)


def refusal_for(grids: list, total: int) -> str:
    if len(grids) < MIN_GRIDS:
        return _(
            "Too few grids for hot spots: %(n)d in your scope, at least %(min)d are needed to compare neighbourhoods"
        ) % {"n": len(grids), "min": MIN_GRIDS}
    if total < MIN_CASES:
        return _("Too few cases for hot spots: %(n)d in the period, at least %(min)d are needed") % {
            "n": total,
            "min": MIN_CASES,
        }
    return ""


def _result(grid: Grid, cases: int, z: float, p: float) -> GridResult:
    """A grid's result; an undefined z (every grid with the same count) has no class."""
    if math.isnan(z) or math.isnan(p):
        return GridResult(grid, cases, None, None, "none")
    return GridResult(grid, cases, z, p, classify(z, p))


def hot_spots(*, user, start: date, end: date, group=None, frame: Frame | None = None, w=None) -> HotSpots:
    """Gi* of the user's grids over start..end (``frame``/``w`` reuse a computed pair)."""
    frame = frame_for(user) if frame is None else frame
    by_grid = grid_counts(frame.reader, start, end, group)
    counts = [by_grid.get(g.pk, 0) for g in frame.grids]
    total = sum(counts)
    shown = frame.shown_grids
    out = HotSpots(start, end, sum(by_grid.get(g.pk, 0) for g in shown))
    if frame.shown is not None:
        out.compared_grids, out.compared_cases = len(frame.grids), total
    out.refusal = refusal_for(frame.grids, total)
    if out.refusal:
        return out
    w = queen_weights(frame.grids) if w is None else w
    out.islands = sum(1 for i in w.islands if frame.shown is None or frame.grids[i].pk in frame.shown)
    z, p = gi_star(counts, w)
    out.grids = [
        _result(g, n, float(zi), float(pi))
        for g, n, zi, pi in zip(frame.grids, counts, z, p, strict=True)
        if frame.shown is None or g.pk in frame.shown
    ]
    return out


# in time --------------------------------------------------------------------------------------

TREND_LABELS = {
    "new": gettext_lazy("New hot spot"),
    "persistent": gettext_lazy("Persistent hot spot"),
    "intermittent": gettext_lazy("Intermittent hot spot"),
    "past": gettext_lazy("No longer hot"),
}


def last_complete_week(today: date) -> date:
    """The Monday of the last week (Monday–Sunday) that has ended before ``today``."""
    return today - timedelta(days=today.weekday() + 7)


def trend_of(hot: list[bool | None]) -> str | None:
    """How a grid has been hot over the weeks, oldest first (None: a week without a statistic).

    new: hot in the last week only; persistent: hot in the last week and in at least three weeks
    of four; intermittent: hot in the last week, and before it now and then; past: hot before,
    not in the last week."""
    known = [h for h in hot if h is not None]
    if not any(known):
        return None
    last = hot[-1]
    if not last:
        return "past"
    if sum(known) == 1:
        return "new"
    return "persistent" if sum(known) >= 0.75 * len(known) else "intermittent"


@dataclass
class Emerging:
    weeks: list[HotSpots]
    rows: list[dict]  # {"grid", "classes": [cls | None per week], "cases": [...], "trend"}
    refusal: str = ""
    compared_grids: int = 0  # the town's grids, when the reader's were too few to compare


def emerging(*, user, last_week: date, weeks: int, group=None) -> Emerging:
    """Gi* week by week over the ``weeks`` weeks ending with the week of Monday ``last_week``."""
    frame = frame_for(user)
    if len(frame.grids) < MIN_GRIDS:
        return Emerging([], [], refusal_for(frame.grids, MIN_CASES))
    w = queen_weights(frame.grids)
    mondays = [last_week - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    results = [
        hot_spots(user=user, start=m, end=m + timedelta(days=6), group=group, frame=frame, w=w)
        for m in mondays
    ]
    compared = len(frame.grids) if frame.shown is not None else 0
    if all(r.refusal for r in results):
        return Emerging(results, [], _("Too few cases in every week of the period for hot spots"), compared)
    rows = []
    for i, grid in enumerate(frame.shown_grids):
        classes = [None if r.refusal else r.grids[i].cls for r in results]
        hot = [None if c is None else c.startswith("hot") for c in classes]
        trend = trend_of(hot)
        if trend is None:
            continue
        rows.append(
            {
                "grid": grid,
                "classes": classes,
                "trend": trend,
                "trend_label": str(TREND_LABELS[trend]),
                "weeks_hot": sum(1 for h in hot if h),
            }
        )
    order = {"new": 0, "persistent": 1, "intermittent": 2, "past": 3}
    rows.sort(key=lambda r: (order[r["trend"]], -r["weeks_hot"], r["grid"].code))
    return Emerging(results, rows, compared_grids=compared)
