"""KPIs of grid governance computed from the rollups (their definitions: ``kpi_definitions``).

Every KPI is numerator / denominator over sums of rollup counters (``docs/kpis.md`` gives each
with its Chinese name and the day each counter is attributed to). KPI queries read rollups only,
never cases, and the coarsest that answers exactly (the grain): when the grouping and the user's
scope need no grid or inspector, the whole months of a month or year table come from
``CaseVillageMonthlyStat`` and the rest from ``CaseVillageDailyStat``; otherwise every day comes
from ``CaseDailyStat``. The coarser rows are the finer ones' sums, so every grain gives the same
figures.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import DateField, F, Func, Q, Sum
from django.db.models.functions import Trunc
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cityops.accounts.models import User
from cityops.cases.choices import RESIDENT_CHANNELS, Channel
from cityops.cases.kpi_definitions import KPIS, department_score, grade, inspector_score, rate
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


def _day_rows(
    *, model, user, period: str, fields: list[str], ranges: list[tuple[date, date]], where: dict
) -> list[dict]:
    days = Q()
    for lo, hi in ranges:
        days |= Q(day__gte=lo, day__lte=hi)
    qs = model.objects.restrict(user, "cases.view").filter(days, **where)
    if "inspector" in fields:
        qs = qs.filter(inspector__isnull=False)
    return _aggregate(qs, _bucket(period), fields)


def _rollup_rows(
    *, user, grain: str, period: str, fields: list[str], start: date, end: date, where: dict
) -> list[dict]:
    """Summed counters per bucket and member, from the grain's rollups, in bucket and member order."""
    kw = {"user": user, "period": period, "fields": fields, "where": where}
    months, days = month_split(start, end) if grain == "month" and period in ("month", "year") else (None, [])
    if grain == "fine":
        rows = _day_rows(model=CaseDailyStat, ranges=[(start, end)], **kw)
    elif months is None:
        rows = _day_rows(model=CaseVillageDailyStat, ranges=[(start, end)], **kw)
    else:
        monthly = CaseVillageMonthlyStat.objects.restrict(user, "cases.view")
        monthly = monthly.filter(month__gte=months[0], month__lte=months[1], **where)
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
    where: dict | None = None,
) -> list[KpiRow]:
    """KPI rows per period and member of ``group`` (one or two dimensions) in the user's scope,
    from the rollups only; ``grain`` forces a rollup (default: the coarsest that is exact);
    ``where`` narrows the rollups to one unit (``{"village_id": 7}``: a field every grain has)."""
    dims = parse_group(group)
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    grain = grain or grain_for(user=user, dimensions=dims, period=period)
    if grain not in GRAINS or (grain != "fine" and FINE_ONLY & set(dims)):
        raise ValueError(f"grain {grain!r} cannot answer a table by {', '.join(dims)}")
    fields = [GROUPS[d] for d in dims]
    rows = _rollup_rows(
        user=user, grain=grain, period=period, fields=fields, start=start, end=end, where=where or {}
    )
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
