"""The KPI tables as an Excel workbook: one sheet per grouping and a sheet of definitions, streamed.

Rows are computed a window of periods at a time (``kpi_table`` over a month of days, a quarter of
weeks, a year of months), so the first rows leave at once and a worker holds one window, never the
year. Windows begin on period boundaries, so every row is the one a single ``kpi_table`` over the
whole range would give. What one request may ask for is bounded before anything is sent
(``docs/api.md``): a few groupings, and a number of rows — counted in the rollups, one query per
grouping, when the ceiling of periods × members could pass the limit.
"""

from collections.abc import Iterator
from datetime import date, timedelta

from django.conf import settings
from django.utils import translation

from cityops.accounts.models import User
from cityops.cases.choices import Channel
from cityops.cases.kpi_definitions import COUNT_LABELS, KPIS
from cityops.cases.kpis import GROUP_LABELS, PERIOD_LABELS, group_label, kpi_row_count, kpi_table, parse_group
from cityops.cases.models import ItemCategory
from cityops.cases.rollup import next_month
from cityops.core.errors import DomainError
from cityops.core.export import Column, Sheet
from cityops.geo.models import Area, Grid, Village
from cityops.org.models import Department

MAX_GROUPS = 4  # sheets of one workbook (the KPI page asks for three)
MAX_ROWS = 200_000  # rows of all its sheets together: about a year by day of 550 pairs
WINDOW = {"day": 31, "week": 13, "month": 3, "year": 1}  # periods computed together

HEADERS = ["周期", "开始日期", "结束日期", "编码", "名称"]


def _next_start(period: str, day: date) -> date:
    """The first day of the period after the one holding ``day``."""
    if period == "day":
        return day + timedelta(days=1)
    if period == "week":
        return day + timedelta(days=7 - day.weekday())
    if period == "month":
        return next_month(day)
    return date(day.year + 1, 1, 1)


def windows(period: str, start: date, end: date) -> Iterator[tuple[date, date]]:
    """start..end cut into runs of WINDOW[period] periods, each cut on a period boundary."""
    lo = start
    while lo <= end:
        hi = lo
        for _ in range(WINDOW[period]):
            hi = _next_start(period, hi)
        yield lo, min(hi - timedelta(days=1), end)
        lo = hi


def _periods(period: str, start: date, end: date) -> int:
    """How many periods start..end touches."""
    if period == "day":
        return (end - start).days + 1
    if period == "week":
        return (end - (start - timedelta(days=start.weekday()))).days // 7 + 1
    if period == "month":
        return (end.year - start.year) * 12 + end.month - start.month + 1
    return end.year - start.year + 1


MEMBERS = {  # how many members a dimension has in the whole town: a bound for any scope
    "area": Area.objects.count,
    "village": Village.objects.count,
    "grid": Grid.objects.count,
    "department": Department.objects.count,
    "category": ItemCategory.objects.filter(parent__isnull=True).count,
    "channel": lambda: len(Channel),
    "inspector": User.objects.count,
}


def row_ceiling(*, group: str, period: str, start: date, end: date) -> int:
    """The most rows a table can have: periods × the members of each dimension (no rollup read)."""
    ceiling = _periods(period, start, end)
    for dimension in parse_group(group):
        ceiling *= MEMBERS[dimension]()
    return ceiling


def check_bounds(*, user, groups: list[str], period: str, start: date, end: date) -> None:
    """Refuse (400, naming the parameter and the limit) a workbook larger than one request may be.
    The rows are counted in the rollups only when their ceiling could pass the limit."""
    if len(groups) > MAX_GROUPS:
        raise DomainError(
            f"an export holds at most {MAX_GROUPS} groupings (group), not {len(groups)}",
            errors=[{"field": "group", "message": f"at most {MAX_GROUPS}"}],
        )
    kw = {"period": period, "start": start, "end": end}
    if sum(row_ceiling(group=g, **kw) for g in groups) <= MAX_ROWS:
        return
    rows = sum(kpi_row_count(user=user, group=g, **kw) for g in groups)
    if rows > MAX_ROWS:
        raise DomainError(
            f"this export would hold {rows:,} rows, more than the limit of {MAX_ROWS:,}: choose a longer "
            "period, a shorter range (start, end) or fewer groupings",
            errors=[{"field": "period", "message": f"{rows:,} rows; at most {MAX_ROWS:,}"}],
        )


def _headers(dims: tuple[str, ...]) -> list[str]:
    """One code and name column for one dimension (编码, 名称), labelled by dimension for two."""
    if len(dims) < 2:
        return HEADERS
    return HEADERS[:3] + [f"{GROUP_LABELS[d]}{h}" for d in dims for h in ("编码", "名称")]


def _sheet(user, group: str, period: str, start: date, end: date) -> Sheet:
    dims = parse_group(group)
    kpis = [k for k in KPIS if not k.groups or (len(dims) == 1 and dims[0] in k.groups)]
    names = [Column(h, 22 if h.endswith("名称") else 12) for h in _headers(dims)]
    names[0:3] = [Column(HEADERS[0], 12), Column(HEADERS[1], 11, "date"), Column(HEADERS[2], 11, "date")]
    columns = [
        *names,
        *(Column(str(label), 10) for label in COUNT_LABELS.values()),
        *(Column(str(k.label), 10, "percent") for k in kpis),
        Column("综合得分", 10, "decimal"),
        Column("等级", 6),
    ]

    def rows():
        for lo, hi in windows(period, start, end):
            for row in kpi_table(user=user, group=group, period=period, start=lo, end=hi):
                values = [row.period, row.start, row.end, row.key, row.name]
                values += [row.key2, row.name2] if len(dims) == 2 else []
                values += [row.counts[c] for c in COUNT_LABELS]
                values += [row.kpis[k.key]["value"] for k in kpis]
                yield [*values, row.score, row.grade]

    return Sheet(str(group_label(group)), columns, rows(), frozen_columns=len(names))


def _definitions(period: str, start: date, end: date) -> Sheet:
    rows = [
        ["统计区间", f"{start} 至 {end}（按{PERIOD_LABELS[period]}）"],
        ["指标", "分子", "分母", "键"],
        *([str(kpi.label), str(kpi.numerator_label), str(kpi.denominator_label), kpi.key] for kpi in KPIS),
        [],
        ["部门综合得分", "立案数分值×10% + 结案率分值×30% + 按期处置率分值×30% + 返工率分值×30%"],
        ["综管员综合得分", "有效上报率×40% + (1−漏报率)×20% + 按时核实率×20% + 按时核查率×20%"],
        ["等级", "A ≥ 90, B 75–90, C 60–75, D 40–60, E < 40"],
    ]
    columns = [Column("", 16), Column("", 40), Column("", 16), Column("", 24)]
    return Sheet("指标说明", columns, rows, header=False)


def kpi_workbook_sheets(*, user, groups: list[str], period: str, start: date, end: date) -> list[Sheet]:
    """The workbook's sheets, after the bounds are checked; their rows are read as they are written.

    In Chinese whoever asks (its fixed headers are Chinese): every label is made a string here,
    while the request's language is overridden, not later while the response streams."""
    check_bounds(user=user, groups=groups, period=period, start=start, end=end)
    with translation.override(settings.LANGUAGE_CODE):
        return [*(_sheet(user, g, period, start, end) for g in groups), _definitions(period, start, end)]
