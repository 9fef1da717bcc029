"""The cases' panels on the operations centre's screen (``cityops.core.screen``).

Period figures (intake, closure, 有效处置率) come from the KPI rollups through ``kpis.kpi_table``,
with the KPI definitions of ``kpi_definitions`` — the same numbers as the KPI page — in two reads
(``_periods``). Figures of *now*
(open, overdue, open by item, open per grid) are read from the open cases, on the queue's indexes.
"""

from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.cases.choices import OPEN_STATUSES
from cityops.cases.kpi_definitions import KPI_BY_KEY
from cityops.cases.kpis import kpi_table
from cityops.cases.models import Case
from cityops.cases.patrols import screen as patrol_screen  # noqa: F401 — registers cases.patrols
from cityops.core.screen import Unit, panel

# 有效处置率 target of the town's assessment (docs/kpis.md).
EFFECTIVE_DISPOSAL_TARGET = 0.985
TREND_DAYS = 30
TOP_ITEMS = 5
EFFECTIVE = KPI_BY_KEY["effective_disposal_rate"]


def _group(unit: Unit) -> str:
    return unit.level


def _add(into: dict, counts: dict) -> dict:
    for name, value in counts.items():
        into[name] = into.get(name, 0) + (value or 0)
    return into


def _figures(totals: dict) -> dict:
    rate = EFFECTIVE.compute(totals)
    return {
        "reported": totals.get("reported", 0),
        "registered": totals.get("registered", 0),
        "closed": totals.get("closed", 0),
        "due": totals.get("due", 0),
        "effective": totals.get("effective", 0),
        "effective_disposal_rate": None if rate is None else round(rate, 4),
    }


def _periods(user, unit: Unit, today: date) -> dict:
    """Today, this month, this year and the trend's days from two reads of the rollups of the unit
    alone (the database keeps its rows, not Python): the days
    since the earlier of the trend's first day and the month's, and the year's months before this
    one. The counters add up over days and months (as ``kpi_table`` itself adds them), so the sums
    are the KPI page's figures; the month's days are read once, not by each period again."""
    month_start, year_start = today.replace(day=1), today.replace(month=1, day=1)
    trend_start = today - timedelta(days=TREND_DAYS - 1)
    rows = kpi_table(
        user=user,
        group=_group(unit),
        period="day",
        start=min(trend_start, month_start),
        end=today,
        where=unit.filter(),
    )
    by_day: dict[date, dict] = {}
    for r in rows:
        _add(by_day.setdefault(r.start, {}), r.counts)
    month: dict = {}
    for day, counts in by_day.items():
        if day >= month_start:
            _add(month, counts)
    year = dict(month)
    if month_start > year_start:
        before = kpi_table(
            user=user,
            group=_group(unit),
            period="year",
            start=year_start,
            end=month_start - timedelta(days=1),
            where=unit.filter(),
        )
        for r in before:
            _add(year, r.counts)
    days = [trend_start + timedelta(days=i) for i in range(TREND_DAYS)]
    return {
        "today": _figures(by_day.get(today, {})),
        "month": _figures(month),
        "year": _figures(year),
        "trend": {
            "days": [d.isoformat() for d in days],
            "reported": [by_day.get(d, {}).get("reported", 0) for d in days],
            "closed": [by_day.get(d, {}).get("closed", 0) for d in days],
        },
    }


def open_cases(user, unit: Unit):
    return Case.objects.restrict(user, "cases.view").filter(status__in=OPEN_STATUSES, **unit.filter())


@panel("cases.figures", title=_("Cases"), action="cases.view", order=10)
def case_figures(user, unit: Unit) -> dict:
    today = timezone.localdate()
    now = timezone.now()
    open_qs = open_cases(user, unit)
    now_counts = open_qs.aggregate(open=Count("id"), overdue=Count("id", filter=Q(step_deadline__lt=now)))
    top = (
        open_qs.values("item__code", "item__name")
        .annotate(n=Count("id"))
        .order_by("-n", "item__code")[:TOP_ITEMS]
    )
    return {
        **_periods(user, unit, today),
        "target": EFFECTIVE_DISPOSAL_TARGET,
        "open_now": now_counts["open"],
        "overdue_now": now_counts["overdue"],
        "top_items": [{"code": t["item__code"], "name": t["item__name"], "open": t["n"]} for t in top],
    }


def open_by_grid(user, unit: Unit) -> dict[int, dict]:
    """Open and overdue cases per grid id in the unit (the screen's map colours)."""
    now = timezone.now()
    rows = (
        open_cases(user, unit)
        .values("grid_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(step_deadline__lt=now)))
    )
    return {r["grid_id"]: {"open": r["open"], "overdue": r["overdue"]} for r in rows}


def open_points(user, unit: Unit, limit: int = 500) -> list[dict]:
    """The open cases standing in a unit, overdue first (a drilled-down map's layer)."""
    now = timezone.now()
    qs = open_cases(user, unit).select_related("item").order_by("step_deadline", "id")[:limit]
    return [
        {
            "number": c.number,
            "item": c.item.name,
            "lon": c.lon,
            "lat": c.lat,
            "overdue": bool(c.step_deadline and c.step_deadline < now),
        }
        for c in qs
    ]
