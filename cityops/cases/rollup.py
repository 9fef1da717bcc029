"""Daily rollups: ``CaseDailyStat`` rows rebuilt from cases and their check events, day by day,
and their sums over grids and inspectors by day (``CaseVillageDailyStat``) and by month
(``CaseVillageMonthlyStat``), which most KPI tables read.

A day's rows are a function of the cases, their events and the time of the rollup (an open case
becomes overdue when its deadline passes), so rebuilding a day is delete-and-insert in one
transaction: idempotent, and safe to rerun or interrupt. Which day each counter belongs to:

- report day (``reported_at``): reported, registered, cancelled;
- dispatch day (``dispatched_at``, the last dispatch): dispatched, returned;
- settlement day: the earlier of closure and the disposal deadline ``due_at``; an open case
  enters only once its deadline has passed (cases still inside their time limit are not due):
  due, disposed, disposed_on_time, closed, closed_on_time, overdue_open, reworked, effective;
- check day: the earlier of the verification or re-check and its step deadline; a check still
  pending enters once its deadline has passed: verifications(_on_time), rechecks(_on_time).

All days are local dates (``settings.TIME_ZONE``).
"""

import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Min, Q
from django.utils import timezone

from cityops.cases.choices import OPEN_STATUSES, Channel, Status
from cityops.cases.models import Case, CaseDailyStat, CaseEvent, PatrolItem
from cityops.cases.models.stats import COUNTERS, CaseVillageDailyStat, CaseVillageMonthlyStat
from cityops.core.locks import serialize
from cityops.core.workcalendar import get_calendar
from cityops.geo.models import Grid

INDEX = {name: i for i, name in enumerate(COUNTERS)}
CHUNK_DAYS = 92
# One rollup writes at a time: a second one waiting here then deletes the first one's rows and
# inserts its own, where it would otherwise have missed them and broken the unique constraints.
ROLLUP_LOCK = "cases.rollup"
SETTLING = OPEN_STATUSES - {Status.ON_HOLD}  # a case on hold (挂账) has its clock stopped
CHECK_STARTS = {"send_to_verify": "verify", "dispose": "recheck"}
CHECK_ENDS = {"verify": "verify", "recheck_pass": "recheck", "recheck_fail": "recheck"}
CHECK_PENDING = {"verify": Status.VERIFYING, "recheck": Status.DISPOSED}
CASE_FIELDS = (
    "grid_id",
    "department_id",
    "big_category_id",
    "channel",
    "reporter_id",
    "status",
    "reported_at",
    "registered_at",
    "dispatched_at",
    "disposed_at",
    "closed_at",
    "due_at",
    "disposed_on_time",
    "closed_on_time",
    "rework_count",
    "return_count",
)


def local_day(moment: datetime) -> date:
    return moment.astimezone(_zone()).date()


@cache
def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_zone())


def fast_rows(qs, fields: list[str]) -> Iterator[tuple]:
    """The values of ``fields`` of the queryset's rows, read without the ORM's per-value converters.

    On SQLite those cost about 5 µs per datetime, most of a rollup's time; here datetimes come back
    aware in UTC (naive UTC from SQLite, aware from PostgreSQL) and everything else as the driver
    returns it. Only for plain fields: no JSON, decimals or UUIDs.
    """
    sql, params = qs.values_list(*fields).query.sql_with_params()
    naive = connection.vendor == "sqlite"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(5000):
            for row in batch:
                if naive:
                    row = tuple(v.replace(tzinfo=UTC) if type(v) is datetime else v for v in row)
                yield row


def settlement_at(c: dict, now: datetime) -> datetime | None:
    """When a case enters the due population (应结案数): closure or deadline, whichever is first."""
    if c["status"] == Status.CLOSED:
        due = c["due_at"]
        return c["closed_at"] if due is None or c["closed_at"] <= due else due
    if c["status"] in SETTLING and c["due_at"] is not None and c["due_at"] < now:
        return c["due_at"]
    return None


def settlement_counts(c: dict) -> list[str]:
    """The settlement-day counters a due case adds to."""
    closed = c["status"] == Status.CLOSED
    disposed = closed or c["disposed_at"] is not None
    names = ["due", "closed" if closed else "overdue_open"]
    if closed and c["closed_on_time"]:
        names.append("closed_on_time")
    if disposed:
        names.append("disposed")
        if c["disposed_on_time"]:
            names.append("disposed_on_time")
    if c["rework_count"]:
        names.append("reworked")
    if closed and (not c["rework_count"] or c["closed_on_time"]):
        names.append("effective")
    return names


class _Tally:
    """Counters by (day, grid, department, big category, channel, inspector), for days in [lo, hi]."""

    def __init__(self, lo: date, hi: date):
        self.lo, self.hi = lo, hi
        self.rows: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNTERS))

    def add(self, moment: datetime, c: dict, inspector, names) -> None:
        day = local_day(moment)
        if self.lo <= day <= self.hi:
            key = (day, c["grid_id"], c["department_id"], c["big_category_id"], c["channel"], inspector)
            row = self.rows[key]
            for name in names:
                row[INDEX[name]] += 1


def _count_cases(tally: _Tally, a: datetime, b: datetime, now: datetime) -> None:
    window = (
        Q(reported_at__gte=a, reported_at__lt=b)
        | Q(dispatched_at__gte=a, dispatched_at__lt=b)
        | Q(closed_at__gte=a, closed_at__lt=b)
        | Q(due_at__gte=a, due_at__lt=b)
    )
    for row in fast_rows(Case.objects.filter(window), CASE_FIELDS):
        c = dict(zip(CASE_FIELDS, row, strict=True))
        inspector = c["reporter_id"] if c["channel"] == Channel.PATROL else None
        names = ["reported"]
        if c["registered_at"] is not None:
            names.append("registered")
        if c["status"] == Status.CANCELLED:
            names.append("cancelled")
        tally.add(c["reported_at"], c, inspector, names)
        if c["dispatched_at"] is not None:
            tally.add(
                c["dispatched_at"], c, inspector, ["dispatched"] + (["returned"] if c["return_count"] else [])
            )
        settled = settlement_at(c, now)
        if settled is not None:
            tally.add(settled, c, inspector, settlement_counts(c))


@dataclass
class _Check:
    kind: str
    started: datetime
    case: dict
    done: datetime | None = None
    by: int | None = None


def check_lookback() -> timedelta:
    """How long a check may take at most, in calendar time: the longest re-check limit, widened
    for weekends and the longest holiday."""
    factor = {"minutes": 1, "hours": 60, "days": get_calendar().minutes_per_day}
    longest = max(
        (
            limit * factor.get(unit, 1)
            for limit, unit in PatrolItem.objects.values_list("recheck_limit", "recheck_unit")
        ),
        default=0,
    )
    working_days = math.ceil(longest / get_calendar().minutes_per_day)
    return timedelta(days=working_days * 7 // 5 + 15)


def _checks(a: datetime, b: datetime, lookback: timedelta) -> list[_Check]:
    """Verifications and re-checks started in [a − lookback, b), paired with their completion."""
    events = CaseEvent.objects.filter(
        at__gte=a - lookback, at__lt=b + lookback, action__in=[*CHECK_STARTS, *CHECK_ENDS, "cancel"]
    ).order_by("case_id", "at", "id")
    fields = ["case_id", "action", "at", "actor_id", "case__item_id", "case__status", "case__assignee_id"]
    fields += [f"case__{f}" for f in ("grid_id", "department_id", "big_category_id", "channel")]
    checks: list[_Check] = []
    open_check: dict[int, _Check] = {}
    for case_id, action, at, actor, item, status, assignee, grid, dept, big, channel in fast_rows(
        events, fields
    ):
        if action in CHECK_STARTS:
            if at >= b:
                continue
            case = {"item": item, "status": status, "assignee": assignee, "grid_id": grid}
            case.update(department_id=dept, big_category_id=big, channel=channel)
            open_check[case_id] = _Check(CHECK_STARTS[action], at, case)
        elif case_id in open_check:
            check = open_check.pop(case_id)
            if CHECK_ENDS.get(action) == check.kind:
                check.done, check.by = at, actor
                checks.append(check)
    for check in open_check.values():  # still pending: only if the case still waits for it
        if check.case["status"] == CHECK_PENDING[check.kind]:
            check.by = check.case["assignee"]
            checks.append(check)
    return checks


def _count_checks(tally: _Tally, a: datetime, b: datetime, now: datetime) -> None:
    cal = get_calendar()
    limits = {
        pk: (n, u) for pk, n, u in PatrolItem.objects.values_list("pk", "recheck_limit", "recheck_unit")
    }
    for check in _checks(a, b, check_lookback()):
        deadline = cal.deadline(check.started, *limits[check.case["item"]])
        if check.done is None and deadline >= now:
            continue  # pending and still in time: not yet due
        at = deadline if check.done is None else min(check.done, deadline)
        on_time = check.done is not None and check.done <= deadline
        kind = "verifications" if check.kind == "verify" else "rechecks"
        tally.add(at, check.case, check.by, [kind] + ([f"{kind}_on_time"] if on_time else []))


def insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """INSERT rows of database-ready values: COPY on PostgreSQL, executemany elsewhere.

    For hundreds of thousands of rows the ORM's ``bulk_create`` spends most of its time building
    and preparing model instances; this skips both. Values must already be adapted
    (``connection.ops.adapt_*``) and columns are column names.
    """
    qn = connection.ops.quote_name
    table, names = qn(model._meta.db_table), ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def datetime_adapter() -> Callable:
    """Aware datetimes as the database takes them (naive UTC on SQLite, as Django stores them)."""
    if connection.vendor == "sqlite":
        return lambda v: v.astimezone(UTC).replace(tzinfo=None)
    return connection.ops.adapt_datetimefield_value


def insert_dicts(model, rows: list[dict]) -> None:
    """INSERT rows given as {attname: value} (defaults fill the gaps) with ``insert_rows``."""
    when, ops = datetime_adapter(), connection.ops
    columns = []
    for f in model._meta.concrete_fields:
        if not f.primary_key:
            adapt = when if isinstance(f, models.DateTimeField) else None
            if isinstance(f, models.JSONField):
                adapt = partial(ops.adapt_json_value, encoder=None)
            columns.append((f.attname, f.column, f.get_default(), adapt))
    values = [
        tuple(_value(row.get(name, default), adapt) for name, _, default, adapt in columns) for row in rows
    ]
    insert_rows(model, [c for _, c, _, _ in columns], values)


def _value(value, adapt):
    return value if adapt is None or value is None else adapt(value)


STAT_COLUMNS = [
    "day",
    "area_id",
    "village_id",
    "grid_id",
    "department_id",
    "big_category_id",
    "channel",
    "inspector_id",
    *COUNTERS,
]


def _insert(tally: _Tally) -> int:
    grids = {pk: (a, v) for pk, a, v in Grid.objects.values_list("pk", "area_id", "village_id")}
    days: dict[date, object] = {}
    rows = []
    for (day, grid, dept, big, channel, inspector), counts in sorted(tally.rows.items(), key=_sort_key):
        if day not in days:
            days[day] = connection.ops.adapt_datefield_value(day)
        rows.append((days[day], *grids[grid], grid, dept, big, channel, inspector, *counts))
    insert_rows(CaseDailyStat, STAT_COLUMNS, rows)
    return len(rows)


def _sort_key(item):
    key = item[0]
    return key[:5] + (key[5] or 0,)


VILLAGE_KEYS = ["area_id", "village_id", "department_id", "big_category_id", "channel"]
MONTH_START = {"postgresql": "DATE_TRUNC('month', {})::date", "sqlite": "date({}, 'start of month')"}


def _insert_sums(source, target, period: str, lo: date, hi: date) -> int:
    """INSERT INTO target the sums of source's rows of the days lo..hi by day or month and village
    key, in the database: each coarser rollup is the finer one's sums by construction."""
    qn = connection.ops.quote_name
    day = qn("day")
    when = day if period == "day" else MONTH_START[connection.vendor].format(day)
    keys = ", ".join(qn(c) for c in VILLAGE_KEYS)
    counters = ", ".join(qn(c) for c in COUNTERS)
    sums = ", ".join(f"SUM({qn(c)})" for c in COUNTERS)
    sql = (
        f"INSERT INTO {qn(target._meta.db_table)} ({qn(period)}, {keys}, {counters}) "
        f"SELECT {when}, {keys}, {sums} FROM {qn(source._meta.db_table)} "
        f"WHERE {day} >= %s AND {day} <= %s GROUP BY {when}, {keys}"
    )
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(lo), adapt(hi)])
        return cursor.rowcount


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _rebuild_months(start: date, end: date) -> int:
    """Rebuild the monthly rows of every month touching start..end from the village days (all of
    each month's days, so the month stays their sum whichever of its days were rebuilt)."""
    first, last = month_start(start), next_month(end) - timedelta(days=1)
    CaseVillageMonthlyStat.objects.filter(month__gte=first, month__lte=last).delete()
    return _insert_sums(CaseVillageDailyStat, CaseVillageMonthlyStat, "month", first, last)


def _rebuild(lo: date, hi: date, now: datetime) -> tuple[int, int]:
    a, b = day_start(lo), day_start(hi + timedelta(days=1))
    tally = _Tally(lo, hi)
    _count_cases(tally, a, b, now)
    _count_checks(tally, a, b, now)
    CaseDailyStat.objects.filter(day__gte=lo, day__lte=hi).delete()
    CaseVillageDailyStat.objects.filter(day__gte=lo, day__lte=hi).delete()
    rows = _insert(tally)
    return rows, _insert_sums(CaseDailyStat, CaseVillageDailyStat, "day", lo, hi)


@dataclass
class RollupResult:
    days: int = 0
    rows: int = 0
    village_rows: int = 0  # CaseVillageDailyStat
    month_rows: int = 0  # CaseVillageMonthlyStat, of every month touched


def rollup_days(start: date, end: date, *, now: datetime | None = None) -> RollupResult:
    """Delete and rebuild the rollup rows of the days start..end (inclusive), and of their months,
    in one transaction; two rollups at once (the job and ``cityops kpi-rollup``) take turns."""
    now = now or timezone.now()
    result = RollupResult()
    if start > end:
        return result
    with transaction.atomic():
        serialize(ROLLUP_LOCK)
        lo = start
        while lo <= end:
            hi = min(lo + timedelta(days=CHUNK_DAYS - 1), end)
            rows, village_rows = _rebuild(lo, hi, now)
            result.rows += rows
            result.village_rows += village_rows
            result.days += (hi - lo).days + 1
            lo = hi + timedelta(days=1)
        result.month_rows = _rebuild_months(start, end)
    return result


def _runs(days: set[date], gap: int = 15) -> list[tuple[date, date]]:
    """Ranges (first, last) covering the days; days less than ``gap`` apart share a range, because
    rebuilding a few extra days costs less than another pass over the cases."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and day <= runs[-1][1] + timedelta(days=gap):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _stale_days(since: datetime, before: date, now: datetime) -> set[date]:
    """Days before ``before`` whose rows count a case that changed since ``since``."""
    changed = Case.objects.filter(pk__in=CaseEvent.objects.filter(at__gte=since).values("case_id"))
    days = set()
    for row in fast_rows(changed, CASE_FIELDS):
        c = dict(zip(CASE_FIELDS, row, strict=True))
        moments = [c["reported_at"], c["dispatched_at"], settlement_at(c, now)]
        days |= {local_day(m) for m in moments if m is not None}
    return {d for d in days if d < before}


def rollup_recent(days: int = 35, *, now: datetime | None = None) -> RollupResult:
    """Rebuild the last ``days`` days, and the older days of every case that changed within them."""
    now = now or timezone.now()
    today = local_day(now)
    first = today - timedelta(days=days - 1)
    result = rollup_days(first, today, now=now)
    for lo, hi in _runs(_stale_days(day_start(first), first, now)):
        more = rollup_days(lo, hi, now=now)
        result.days += more.days
        result.rows += more.rows
        result.village_rows += more.village_rows
        result.month_rows += more.month_rows
    return result


def rollup_all(*, now: datetime | None = None) -> RollupResult:
    """Rebuild every day from the first case to today."""
    now = now or timezone.now()
    first = Case.objects.aggregate(first=Min("reported_at"))["first"]
    if first is None:
        CaseDailyStat.objects.all().delete()
        CaseVillageDailyStat.objects.all().delete()
        CaseVillageMonthlyStat.objects.all().delete()
        return RollupResult()
    return rollup_days(local_day(first), local_day(now), now=now)
