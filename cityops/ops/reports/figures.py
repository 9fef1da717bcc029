"""What a report says, read through the functions the pages read: the KPI tables of the KPI page
(``kpi_table`` with a year bucket, then ``merge_rows``, exactly as ``cases/views/kpis.py`` does),
the patrol coverage rows, the alarms and the cameras' online rates (``video/rates.py``).

A report is computed as a reader of its scope (the town, an area or a village), never as the person
who asked: the same row gives the same figures whoever requested it.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Avg, Count, Q, Sum

from cityops.cases.kpis import KpiRow, kpi_table, merge_rows
from cityops.cases.models import Case, PatrolCoverage
from cityops.cases.rollup import day_start
from cityops.core.scoping import SystemReader
from cityops.iot.choices import Severity
from cityops.iot.models import Alarm
from cityops.ops.reports.periods import Period
from cityops.video import rates

TARGET_EFFECTIVE = 0.985  # 有效处置率 ≥ 98.5 %
TOP_ITEMS = 10
# The counters and KPIs a report shows of each line (a village, a department, the town).
COUNTS = ("reported", "registered", "due", "closed", "effective", "overdue_open")
RATES = ("effective_disposal_rate", "closure_rate", "on_time_disposal_rate")


class ScopeReader(SystemReader):
    """A read-only reader of one unit (the town when both are None), as the reports job reads."""

    def __init__(self, area_id: int | None = None, village_id: int | None = None):
        self.area_id, self.village_id = area_id, village_id

    def scope_ids(self) -> dict:
        return {"area": self.area_id, "village": self.village_id, "grid": None}


@dataclass
class Line:
    """One village, department or the whole town: counters and rates of the period."""

    key: str
    name: str
    counts: dict[str, int]
    rates: dict[str, dict]  # key → {"value", "numerator", "denominator"}

    @property
    def effective(self) -> float | None:
        return self.rates["effective_disposal_rate"]["value"]

    @property
    def met(self) -> bool | None:
        return None if self.effective is None else self.effective >= TARGET_EFFECTIVE


@dataclass
class Figures:
    period: Period
    total: Line
    previous: Line
    last_year: Line
    villages: list[Line]
    departments: list[Line]
    items: list[dict]
    patrol: dict
    alarms: dict
    video: list[rates.Rate]
    video_villages: list[rates.Rate] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing was reported, nothing fell due: no case to report on."""
        return not (self.total.counts["reported"] or self.total.counts["due"])


def _line(row: KpiRow | None, key: str = "", name: str = "") -> Line:
    counts = {c: row.counts[c] if row else 0 for c in COUNTS}
    parts = {
        k: {p: row.kpis[k][p] for p in ("value", "numerator", "denominator")}
        if row
        else {"value": None, "numerator": 0, "denominator": 0}
        for k in RATES
    }
    return Line(row.key if row else key, row.name if row else name, counts, parts)


def case_lines(reader, dimension: str, period: Period) -> list[Line]:
    """Each member's line, as the KPI page's table of every indicator by ``dimension`` has it."""
    rows = kpi_table(user=reader, group=dimension, period="year", start=period.start, end=period.end)
    merged = merge_rows(rows, by=("key",), group=dimension, start=period.start, end=period.end)
    return [_line(r) for r in sorted(merged, key=lambda r: r.key)]


def case_total(reader, period: Period) -> Line:
    """The whole scope's line, as the KPI page's total row."""
    rows = kpi_table(user=reader, group="town", period="year", start=period.start, end=period.end)
    total = merge_rows(rows, by=(), group=None, start=period.start, end=period.end)
    return _line(total[0] if total else None, "town")


def _between(period: Period, name: str) -> Q:
    return Q(
        **{f"{name}__gte": day_start(period.start), f"{name}__lt": day_start(period.end + timedelta(days=1))}
    )


def top_items(reader, period: Period) -> list[dict]:
    """The patrol items with the most cases registered among those reported in the period."""
    qs = Case.objects.restrict(reader, "cases.view").filter(_between(period, "reported_at"))
    rows = (
        qs.filter(registered_at__isnull=False)
        .values("item__code", "item__name")
        .annotate(n=Count("id"))
        .order_by("-n", "item__code")[:TOP_ITEMS]
    )
    return [{"code": r["item__code"], "name": r["item__name"], "cases": r["n"]} for r in rows]


def patrol(reader, period: Period) -> dict:
    """Grid-days of patrol, visits against expected, missed grid-days and the mean coverage."""
    qs = PatrolCoverage.objects.restrict(reader, "cases.view").filter(day__range=(period.start, period.end))
    sums = qs.aggregate(
        grid_days=Count("id"),
        expected=Sum("expected_visits"),
        visits=Sum("visits"),
        missed=Count("id", filter=Q(missed=True)),
        coverage=Avg("coverage"),
    )
    return {k: v if k == "coverage" else v or 0 for k, v in sums.items()}  # no rows: no mean


def alarms(reader, period: Period) -> dict:
    """Sensor alarms raised in the period: by severity, and how many opened a case."""
    qs = Alarm.objects.restrict(reader, "iot.view").filter(_between(period, "started_at"))
    counts = dict(qs.values_list("severity").annotate(n=Count("id")).order_by())
    return {
        "total": sum(counts.values()),
        "by_severity": [(str(s.label), counts.get(s.value, 0)) for s in Severity],
        "with_case": qs.filter(case_id__isnull=False).count(),
    }


def compute(reader, period: Period, step=lambda name, share: None) -> Figures:
    """Every figure of the report; ``step(name, share)`` is told the progress as it goes."""
    step("cases", 0.05)
    total = case_total(reader, period)
    previous, last_year = case_total(reader, period.previous()), case_total(reader, period.year_before())
    step("villages", 0.2)
    villages = case_lines(reader, "village", period)
    step("departments", 0.3)
    departments = case_lines(reader, "department", period)
    step("items", 0.4)
    items = top_items(reader, period)
    step("patrols", 0.5)
    patrols = patrol(reader, period)
    alarm_counts = alarms(reader, period)
    step("cameras", 0.55)
    video = [r for r in rates.project_rates(user=reader, start=period.start, end=period.end) if r.channels]
    video_villages = rates.unit_rates(user=reader, start=period.start, end=period.end, level="village")
    return Figures(
        period,
        total,
        previous,
        last_year,
        villages,
        departments,
        items,
        patrols,
        alarm_counts,
        video,
        video_villages,
    )
