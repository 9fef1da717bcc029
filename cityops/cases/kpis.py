"""KPIs of grid governance: definitions, formulas, composite scores, and computation from rollups.

Every KPI is numerator / denominator over sums of rollup counters (``docs/kpis.md`` gives each
with its Chinese name and the day each counter is attributed to). KPI queries read rollups only,
never cases, and the coarsest that answers exactly (the grain): when the grouping and the user's
scope need no grid or inspector, the whole months of a month or year table come from
``CaseVillageMonthlyStat`` and the rest from ``CaseVillageDailyStat``; otherwise every day comes
from ``CaseDailyStat``. The coarser rows are the finer ones' sums, so every grain gives the same
figures.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import DateField, F, Func, Q, Sum
from django.db.models.functions import Trunc
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cityops.accounts.models import User
from cityops.cases.choices import RESIDENT_CHANNELS, Channel
from cityops.cases.models import CaseDailyStat, ItemCategory
from cityops.cases.models.stats import COUNTERS, CaseVillageDailyStat, CaseVillageMonthlyStat
from cityops.cases.rollup import month_start, next_month
from cityops.geo.models import Area, Grid, Village
from cityops.org.models import Department

# Sums over the rollups besides the plain counters: shares by channel.
EXTRA_SUMS = {
    "registered_resident": ("registered", Q(channel__in=sorted(RESIDENT_CHANNELS))),
    "reported_patrol": ("reported", Q(channel=Channel.PATROL)),
    "registered_patrol": ("registered", Q(channel=Channel.PATROL)),
}


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by (never an error)."""
    if not denominator:
        return None
    return numerator / denominator


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str  # translated lazily: the user's language on a page, Chinese in the export
    numerator: Callable[[dict], int]
    denominator: Callable[[dict], int]
    numerator_label: str
    denominator_label: str
    groups: tuple[str, ...] = ()  # empty: every grouping; else only these

    def parts(self, totals: dict) -> tuple[int, int]:
        return self.numerator(totals), self.denominator(totals)

    def compute(self, totals: dict) -> float | None:
        return rate(*self.parts(totals))


def _sum(name: str) -> Callable[[dict], int]:
    return lambda t: t.get(name) or 0


def _ratio(key, label, num, den, num_label, den_label, groups=()) -> Kpi:
    """A KPI of sums: ``num`` and ``den`` name a sum (``num`` may be a function of the sums)."""
    numerator = num if callable(num) else _sum(num)
    return Kpi(key, label, numerator, _sum(den), num_label, den_label, tuple(groups))


def _accurate(t: dict) -> int:
    return (t.get("dispatched") or 0) - (t.get("returned") or 0)


# The counters' names, shown in the KPI page's formulas and the export's columns.
COUNT_LABELS = {
    "reported": _("Cases reported"),  # 上报数
    "registered": _("Cases registered"),  # 立案数
    "cancelled": _("Cases cancelled"),  # 作废数
    "dispatched": _("Cases dispatched"),  # 派遣数
    "returned": _("Cases returned"),  # 回退数
    "due": _("Cases due to close"),  # 应结案数
    "disposed": _("Cases disposed"),  # 处置数
    "disposed_on_time": _("Cases disposed on time"),  # 按期处置数
    "closed": _("Cases closed"),  # 结案数
    "closed_on_time": _("Cases closed on time"),  # 按期结案数
    "overdue_open": _("Cases overdue and open"),  # 超期未结数
    "reworked": _("Cases reworked"),  # 返工数
    "effective": _("Cases effectively disposed"),  # 有效处置数
    "verifications": _("Verifications due"),  # 应核实数
    "verifications_on_time": _("Verifications on time"),  # 按时核实数
    "rechecks": _("Re-checks due"),  # 应核查数
    "rechecks_on_time": _("Re-checks on time"),  # 按时核查数
}
C = COUNT_LABELS

KPIS: tuple[Kpi, ...] = (
    _ratio(
        "registration_rate", _("Registration rate"), "registered", "reported", C["registered"], C["reported"]
    ),
    _ratio(
        "dispatch_accuracy",
        _("Dispatch accuracy"),
        _accurate,
        "dispatched",
        _("Cases dispatched − returned"),
        C["dispatched"],
    ),
    _ratio("disposal_rate", _("Disposal rate"), "disposed", "due", C["disposed"], C["due"]),
    _ratio(
        "on_time_disposal_rate",
        _("On-time disposal rate"),
        "disposed_on_time",
        "due",
        C["disposed_on_time"],
        C["due"],
    ),
    _ratio("closure_rate", _("Closure rate"), "closed", "due", C["closed"], C["due"]),
    _ratio(
        "on_time_closure_rate",
        _("On-time closure rate"),
        "closed_on_time",
        "due",
        C["closed_on_time"],
        C["due"],
    ),
    _ratio("rework_rate", _("Rework rate"), "reworked", "due", C["reworked"], C["due"]),
    _ratio(
        "effective_disposal_rate", _("Effective disposal rate"), "effective", "due", C["effective"], C["due"]
    ),
    _ratio(
        "resident_report_share",
        _("Residents' share of cases"),
        "registered_resident",
        "registered",
        _("Cases registered from residents"),
        C["registered"],
    ),
    _ratio(
        "effective_report_rate",
        _("Effective report rate"),
        "registered_patrol",
        "reported_patrol",
        _("Patrol cases registered"),
        _("Patrol cases reported"),
    ),
    _ratio(
        "on_time_verify_rate",
        _("On-time verification rate"),
        "verifications_on_time",
        "verifications",
        C["verifications_on_time"],
        C["verifications"],
    ),
    _ratio(
        "on_time_recheck_rate",
        _("On-time re-check rate"),
        "rechecks_on_time",
        "rechecks",
        C["rechecks_on_time"],
        C["rechecks"],
    ),
    _ratio(
        "missed_report_rate",
        _("Missed report rate"),
        "missed",
        "grid_registered",
        _("Residents' cases registered in the grid"),
        _("Cases registered in the grid"),
        ("inspector",),
    ),
)
KPI_BY_KEY = {k.key: k for k in KPIS}

# 立案数分值 of a department per 30 days: fewer problems in its field score higher.
# (at most this many registered cases, score); more than the last bound scores 0.
DEPARTMENT_COUNT_STEPS = ((50, 100), (100, 90), (300, 75), (500, 60), (999, 40))
GRADES = ((90, "A"), (75, "B"), (60, "C"), (40, "D"))


def department_count_score(registered: int, days: int = 30) -> int:
    """The step score of a department's registered cases, the bounds scaled to the period's length."""
    scale = max(days, 1) / 30
    for bound, score in DEPARTMENT_COUNT_STEPS:
        if registered <= bound * scale:
            return score
    return 0


def _weighted(parts: list[tuple[float | None, float]]) -> float | None:
    """Weighted mean of the parts that exist; the weights of missing parts are shared out."""
    present = [(v, w) for v, w in parts if v is not None]
    if not present:
        return None
    return sum(v * w for v, w in present) / sum(w for _, w in present)


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def department_score(totals: dict, days: int) -> float | None:
    """立案数分值×10% + 结案率分值×30% + 按期处置率分值×30% + 返工率分值×30%; None with nothing due."""
    if not totals.get("due"):
        return None
    rework = KPI_BY_KEY["rework_rate"].compute(totals)
    return _weighted(
        [
            (department_count_score(totals.get("registered") or 0, days), 0.10),
            (_pct(KPI_BY_KEY["closure_rate"].compute(totals)), 0.30),
            (_pct(KPI_BY_KEY["on_time_disposal_rate"].compute(totals)), 0.30),
            (None if rework is None else (1 - rework) * 100, 0.30),
        ]
    )


def inspector_score(totals: dict) -> float | None:
    """有效上报率×40% + (1−漏报率)×20% + 按时核实率×20% + 按时核查率×20%; None with no reports."""
    effective = KPI_BY_KEY["effective_report_rate"].compute(totals)
    if effective is None:
        return None
    missed = KPI_BY_KEY["missed_report_rate"].compute(totals)
    return _weighted(
        [
            (effective * 100, 0.40),
            (None if missed is None else (1 - missed) * 100, 0.20),
            (_pct(KPI_BY_KEY["on_time_verify_rate"].compute(totals)), 0.20),
            (_pct(KPI_BY_KEY["on_time_recheck_rate"].compute(totals)), 0.20),
        ]
    )


def grade(score: float | None) -> str | None:
    """A ≥ 90, B 75–90, C 60–75, D 40–60, E < 40 (a bound belongs to the higher band)."""
    if score is None:
        return None
    for bound, letter in GRADES:
        if score >= bound:
            return letter
    return "E"


# computation from rollups ----------------------------------------------------------------------

GROUPS = {
    "town": None,
    "area": "area",
    "village": "village",
    "grid": "grid",
    "department": "department",
    "category": "big_category",
    "channel": "channel",
    "inspector": "inspector",
}
FINE_ONLY = frozenset({"grid", "inspector"})  # dimensions only the fine rollup has
# fine: CaseDailyStat; village: CaseVillageDailyStat; month: CaseVillageMonthlyStat for whole
# months and CaseVillageDailyStat for the days of partial ones.
GRAINS = ("fine", "village", "month")
PERIODS = ("day", "week", "month", "year")
GROUP_LABELS = {
    "town": _("Whole town"),
    "area": _("Area"),
    "village": _("Village"),
    "grid": _("Grid"),
    "department": _("Department"),
    "category": _("Big category"),
    "channel": _("Channel"),
    "inspector": _("Inspector"),
}
PERIOD_LABELS = {
    "day": pgettext_lazy("KPI period", "day"),
    "week": pgettext_lazy("KPI period", "week"),
    "month": pgettext_lazy("KPI period", "month"),
    "year": pgettext_lazy("KPI period", "year"),
}


@dataclass
class KpiRow:
    period: str
    start: date
    end: date
    key: str
    name: str
    counts: dict[str, int]
    kpis: dict[str, dict] = field(default_factory=dict)
    score: float | None = None
    grade: str | None = None
    key2: str | None = None  # the member of the second dimension of a two-dimension grouping
    name2: str | None = None


def parse_group(group: str | Sequence[str]) -> tuple[str, ...]:
    """The dimensions of a grouping: "town" → (), "village" → ("village",), and two distinct ones
    as "village,department" or a pair."""
    names = [n.strip() for n in (group.split(",") if isinstance(group, str) else group)]
    if names == ["town"]:
        return ()
    if not 1 <= len(names) <= 2 or len(set(names)) != len(names) or not set(names) <= set(GROUPS) - {"town"}:
        raise ValueError(
            f"group must be one of {', '.join(GROUPS)}, or two of them but town joined by a comma "
            f"(village,department), not {','.join(names)!r}"
        )
    return tuple(names)


def group_label(group: str | Sequence[str]) -> str:
    """The name of a grouping in the active language: 部门, 村（社区）×部门 …"""
    dims = parse_group(group)
    return "×".join(str(GROUP_LABELS[d]) for d in dims) if dims else str(GROUP_LABELS["town"])


def grain_for(*, user, dimensions: Sequence[str], period: str) -> str:
    """The coarsest rollup that answers the grouping within the user's scope exactly."""
    if FINE_ONLY & set(dimensions):
        return "fine"
    # A grid-scoped user (an inspector) must be filtered by grid, which only the fine rollup has.
    scope = user.scope_ids() if getattr(user, "is_authenticated", False) else {}
    if scope.get("grid") is not None:
        return "fine"
    return "month" if period in ("month", "year") else "village"


def month_split(start: date, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The whole months inside start..end (first days of the first and the last, or None) and the
    day ranges left over at either end."""
    first = start if start.day == 1 else next_month(start)
    last = end if next_month(end) - timedelta(days=1) == end else month_start(end) - timedelta(days=1)
    if first > last:
        return None, [(start, end)]
    days = [(start, first - timedelta(days=1))] if start < first else []
    days += [(last + timedelta(days=1), end)] if last < end else []
    return (first, month_start(last)), days


def _sums() -> dict:
    """Aggregates named ``sum_<counter>`` (an annotation may not shadow the field it sums)."""
    sums = {f"sum_{c}": Sum(c) for c in COUNTERS}
    for name, (counter, condition) in EXTRA_SUMS.items():
        sums[f"sum_{name}"] = Sum(counter, filter=condition)
    return sums


class PeriodStart(Func):
    """The first day of the week (Monday), month or year of a date, in the database's own
    functions: Django's Trunc calls a Python function per row on SQLite, a third of a year's query."""

    output_field = DateField()
    SQLITE = {"week": "date(%s, '-6 days', 'weekday 1')", "month": "date(%s, 'start of month')"}
    SQLITE["year"] = "date(%s, 'start of year')"

    def __init__(self, expression, period: str):
        self.period = period
        super().__init__(expression)

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return self.SQLITE[self.period] % sql, params

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"DATE_TRUNC('{self.period}', {sql})::date", params

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(Trunc(self.source_expressions[0], self.period, output_field=DateField()))


def _bucket(period: str, field: str = "day"):
    """The period's first day of a row's day (or month)."""
    if period == "day" or (period == "month" and field == "month"):
        return F(field)
    return PeriodStart(F(field), period)


def period_bounds(period: str, bucket: date, start: date, end: date) -> tuple[str, date, date]:
    """Label and the first and last day of the bucket, clipped to [start, end]."""
    if period == "day":
        label, last = bucket.isoformat(), bucket
    elif period == "week":
        year, week, _ = bucket.isocalendar()
        label, last = f"{year}-W{week:02d}", bucket + timedelta(days=6)
    elif period == "month":
        nxt = date(bucket.year + bucket.month // 12, bucket.month % 12 + 1, 1)
        label, last = f"{bucket:%Y-%m}", nxt - timedelta(days=1)
    else:
        label, last = str(bucket.year), date(bucket.year, 12, 31)
    return label, max(bucket, start), min(last, end)


def _aggregate(qs, bucket, fields: list[str]) -> list[dict]:
    keys = ["bucket", *fields]
    rows = qs.annotate(bucket=bucket).values(*keys).annotate(**_sums()).order_by()
    return [
        {k.removeprefix("sum_"): (v or 0) if k.startswith("sum_") else v for k, v in r.items()} for r in rows
    ]


def _merge(parts: list[list[dict]], keys: list[str]) -> list[dict]:
    """Rows of several aggregates summed by key (counters add up over months and days)."""
    merged: dict[tuple, dict] = {}
    for rows in parts:
        for row in rows:
            key = tuple(row[k] for k in keys)
            if key not in merged:
                merged[key] = dict(row)
                continue
            into = merged[key]
            for name, value in row.items():
                if name not in keys:
                    into[name] += value
    return list(merged.values())


def _day_rows(*, model, user, period: str, fields: list[str], ranges: list[tuple[date, date]]) -> list[dict]:
    days = Q()
    for lo, hi in ranges:
        days |= Q(day__gte=lo, day__lte=hi)
    qs = model.objects.restrict(user, "cases.view").filter(days)
    if "inspector" in fields:
        qs = qs.filter(inspector__isnull=False)
    return _aggregate(qs, _bucket(period), fields)


def _rollup_rows(*, user, grain: str, period: str, fields: list[str], start: date, end: date) -> list[dict]:
    """Summed counters per bucket and member, from the grain's rollups, in bucket and member order."""
    kw = {"user": user, "period": period, "fields": fields}
    months, days = month_split(start, end) if grain == "month" and period in ("month", "year") else (None, [])
    if grain == "fine":
        rows = _day_rows(model=CaseDailyStat, ranges=[(start, end)], **kw)
    elif months is None:
        rows = _day_rows(model=CaseVillageDailyStat, ranges=[(start, end)], **kw)
    else:
        monthly = CaseVillageMonthlyStat.objects.restrict(user, "cases.view")
        monthly = monthly.filter(month__gte=months[0], month__lte=months[1])
        parts = [_aggregate(monthly, _bucket(period, "month"), fields)]
        if days:
            parts.append(_day_rows(model=CaseVillageDailyStat, ranges=days, **kw))
        rows = _merge(parts, ["bucket", *fields])
    # Sorted here, not in SQL, so that every grain gives the same order.
    return sorted(rows, key=lambda r: (r["bucket"], *(r[f] for f in fields)))


def _names(group: str, ids: set) -> dict:
    """key → (code, name) of the group's members."""
    if group == "town":
        return {None: ("town", str(GROUP_LABELS["town"]))}
    if group == "channel":
        return {c: (c, str(Channel(c).label) if c in Channel.values else c) for c in ids}
    if group == "inspector":
        users = User.objects.filter(pk__in=ids).values_list("pk", "username", "display_name")
        return {pk: (u, d or u) for pk, u, d in users}
    model = {
        "area": Area,
        "village": Village,
        "grid": Grid,
        "department": Department,
        "category": ItemCategory,
    }[group]
    return {
        pk: (code, name)
        for pk, code, name in model.objects.filter(pk__in=ids).values_list("pk", "code", "name")
    }


def _missed(*, user, period: str, start: date, end: date, rows: list[dict]) -> None:
    """漏报: verified public reports in the inspector's own grid, against all registered there."""
    resident = Sum("registered", filter=EXTRA_SUMS["registered_resident"][1])
    qs = CaseDailyStat.objects.restrict(user, "cases.view").filter(day__gte=start, day__lte=end)
    grid_rows = (
        qs.annotate(bucket=_bucket(period))
        .values("bucket", "grid")
        .annotate(all_registered=Sum("registered"), resident=resident)
        .order_by()
    )
    by_grid = {(r["bucket"], r["grid"]): r for r in grid_rows}
    grids = dict(
        User.objects.filter(pk__in={r["inspector"] for r in rows}).values_list("pk", "scope_grid_id")
    )
    for row in rows:
        grid_row = by_grid.get((row["bucket"], grids.get(row["inspector"])), {})
        row["missed"] = grid_row.get("resident") or 0
        row["grid_registered"] = grid_row.get("all_registered") or 0


def _kpis(totals: dict, group: str | None) -> dict[str, dict]:
    out = {}
    for kpi in KPIS:
        if kpi.groups and group not in kpi.groups:
            continue
        num, den = kpi.parts(totals)
        out[kpi.key] = {
            "label": str(kpi.label),
            "value": rate(num, den),
            "numerator": num,
            "denominator": den,
        }
    return out


def _score(group: str | None, totals: dict, days: int) -> float | None:
    if group == "department":
        return department_score(totals, days)
    if group == "inspector":
        return inspector_score(totals)
    return None


def _members(dimensions: tuple[str, ...], rows: list[dict]) -> list[dict]:
    """For each dimension, its member key → (code, name)."""
    return [_names(d, {r[GROUPS[d]] for r in rows}) for d in dimensions]


def kpi_table(
    *,
    user,
    group: str | Sequence[str],
    period: str,
    start: date,
    end: date,
    grain: str | None = None,
) -> list[KpiRow]:
    """KPI rows per period and member of ``group`` (one or two dimensions) in the user's scope,
    from the rollups only; ``grain`` forces a rollup (default: the coarsest that is exact)."""
    dims = parse_group(group)
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    grain = grain or grain_for(user=user, dimensions=dims, period=period)
    if grain not in GRAINS or (grain != "fine" and FINE_ONLY & set(dims)):
        raise ValueError(f"grain {grain!r} cannot answer a table by {', '.join(dims)}")
    fields = [GROUPS[d] for d in dims]
    rows = _rollup_rows(user=user, grain=grain, period=period, fields=fields, start=start, end=end)
    # Scores and 漏报率 are defined for a department or an inspector, not for pairs.
    single = dims[0] if len(dims) == 1 else ("town" if not dims else None)
    if single == "inspector":
        _missed(user=user, period=period, start=start, end=end, rows=rows)
    members = _members(dims, rows)
    out = []
    for row in rows:
        label, first, last = period_bounds(period, row["bucket"], start, end)
        named = [m.get(row[f], (str(row[f]), "")) for m, f in zip(members, fields, strict=True)]
        code, name = named[0] if named else ("town", str(GROUP_LABELS["town"]))
        score = _score(single, row, (last - first).days + 1) if single else None
        out.append(
            KpiRow(
                period=label,
                start=first,
                end=last,
                key=code,
                name=name,
                counts={c: row[c] for c in COUNTERS},
                kpis=_kpis(row, single),
                score=None if score is None else round(score, 2),
                grade=grade(score),
                key2=named[1][0] if len(named) > 1 else None,
                name2=named[1][1] if len(named) > 1 else None,
            )
        )
    return out


def kpi_row_count(*, user, group: str | Sequence[str], period: str, start: date, end: date) -> int:
    """How many rows ``kpi_table`` answers, from one query over the keys of the daily rollup of its
    grain (a coarser grain's rows are sums of these, so they have the same keys)."""
    dims = parse_group(group)
    fields = [GROUPS[d] for d in dims]
    grain = grain_for(user=user, dimensions=dims, period=period)
    model = CaseDailyStat if grain == "fine" else CaseVillageDailyStat
    qs = model.objects.restrict(user, "cases.view").filter(day__gte=start, day__lte=end)
    if "inspector" in fields:
        qs = qs.filter(inspector__isnull=False)
    return qs.annotate(bucket=_bucket(period)).values("bucket", *fields).order_by().distinct().count()


# Sums behind KPIs that are not counters, recovered from a row's KPI parts so rows can be added up.
PART_SUMS = {
    "registered_resident": ("resident_report_share", "numerator"),
    "registered_patrol": ("effective_report_rate", "numerator"),
    "reported_patrol": ("effective_report_rate", "denominator"),
    "missed": ("missed_report_rate", "numerator"),
    "grid_registered": ("missed_report_rate", "denominator"),
}


def merge_rows(
    rows: list[KpiRow], *, by: tuple[str, ...], group: str | None, start: date, end: date
) -> list[KpiRow]:
    """Rows added up over start..end by the members named in ``by`` ("key", "key2", both or none):
    every counter and KPI part is a sum, so the KPIs of the added rows are exact."""
    totals: dict[tuple, dict] = {}
    firsts: dict[tuple, KpiRow] = {}
    for row in rows:
        key = tuple(getattr(row, k) for k in by)
        into = totals.setdefault(key, dict.fromkeys([*COUNTERS, *PART_SUMS], 0))
        firsts.setdefault(key, row)
        for name, value in row.counts.items():
            into[name] += value
        for name, (kpi, part) in PART_SUMS.items():
            into[name] += row.kpis[kpi][part] if kpi in row.kpis else 0
    out = []
    for key, into in totals.items():
        first = firsts[key]
        score = _score(group, into, (end - start).days + 1)
        out.append(
            KpiRow(
                period=f"{start}/{end}",
                start=start,
                end=end,
                key=first.key if "key" in by else "",
                name=first.name if "key" in by else "",
                key2=first.key2 if "key2" in by else None,
                name2=first.name2 if "key2" in by else None,
                counts={c: into[c] for c in COUNTERS},
                kpis=_kpis(into, group),
                score=None if score is None else round(score, 2),
                grade=grade(score),
            )
        )
    return out
