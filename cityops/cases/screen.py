"""The cases' panels on the operations centre's screen (``cityops.core.screen``).

Period figures (intake, closure, 有效处置率) come from the KPI rollups through ``kpis.kpi_table``,
with the KPI definitions of ``kpi_definitions`` — the same numbers as the KPI page. Figures of *now*
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


def _row_counts(rows, unit: Unit) -> list:
    """The rows of ``unit`` (all of them for the town: one per bucket)."""
    return rows if unit.level == "town" else [r for r in rows if r.key == unit.code]


def _period(user, unit: Unit, period: str, start: date, end: date) -> dict:
    rows = _row_counts(kpi_table(user=user, group=_group(unit), period=period, start=start, end=end), unit)
    totals = {}
    for r in rows:
        for name, value in r.counts.items():
            totals[name] = totals.get(name, 0) + (value or 0)
    rate = EFFECTIVE.compute(totals)
    return {
        "reported": totals.get("reported", 0),
        "registered": totals.get("registered", 0),
        "closed": totals.get("closed", 0),
        "due": totals.get("due", 0),
        "effective": totals.get("effective", 0),
        "effective_disposal_rate": None if rate is None else round(rate, 4),
    }


def _trend(user, unit: Unit, today: date) -> dict:
    start = today - timedelta(days=TREND_DAYS - 1)
    rows = _row_counts(kpi_table(user=user, group=_group(unit), period="day", start=start, end=today), unit)
    by_day = {r.start: r.counts for r in rows}
    days = [start + timedelta(days=i) for i in range(TREND_DAYS)]
    return {
        "days": [d.isoformat() for d in days],
        "reported": [by_day.get(d, {}).get("reported", 0) for d in days],
        "closed": [by_day.get(d, {}).get("closed", 0) for d in days],
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
        "today": _period(user, unit, "day", today, today),
        "month": _period(user, unit, "month", today.replace(day=1), today),
        "year": _period(user, unit, "year", today.replace(month=1, day=1), today),
        "target": EFFECTIVE_DISPOSAL_TARGET,
        "open_now": now_counts["open"],
        "overdue_now": now_counts["overdue"],
        "top_items": [{"code": t["item__code"], "name": t["item__name"], "open": t["n"]} for t in top],
        "trend": _trend(user, unit, today),
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
