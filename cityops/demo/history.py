"""One year of synthetic case history for the demo town, ending now.

About 850 cases a day: more in the rainy season (May–September, above all for water, emergencies
and greenery), fewer at weekends (fewest on Sundays) and far fewer over the Spring Festival, most
in working hours. Channels: patrol 80%, residents 8% (web and Open311), hotline 7%, IoT 3%, video
2%. Every case is planned whole — report, verification, registration, dispatch, returns,
extensions, disposal, re-check and rework, with durations on the working-day calendar — and then
cut at the present moment, so recent cases stand open in every state. Outcomes are tuned so the
effective disposal rate (有效处置率, ``docs/kpis.md``) comes out near 98.5%.

The plan is a pure function of the reference data, the size, the end moment and the seed. It is
written with bulk inserts, numbered by the same yearly counter as live intake (live cases
continue the sequence), audited by one summary record, and rolled up into ``CaseDailyStat``.
"""

import contextlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cityops.audit.models import AuditRecord
from cityops.audit.services import audit_record
from cityops.cases.choices import OPEN_STATUSES, RESIDENT_CHANNELS, Channel
from cityops.cases.choices import Status as S
from cityops.cases.models import Case, CaseEvent, CaseReport
from cityops.cases.numbering import take_numbers
from cityops.cases.rollup import datetime_adapter, insert_dicts, insert_rows, local_day, rollup_days
from cityops.core.workcalendar import WorkCalendar, get_calendar
from cityops.demo import trickle as content
from cityops.demo.people import ACTOR, Progress, Tally, no_progress
from cityops.demo.trickle import GridRef, ItemRef, Refs, load_refs

HISTORY_CASES = 310_000
SEED = 2016  # the year 智网工程 began
BATCH = 5000
AUDIT_ACTION = "demo.history"

CHANNEL_SHARES = {
    Channel.PATROL: 0.80,
    Channel.RESIDENT: 0.065,
    Channel.OPEN311: 0.015,
    Channel.HOTLINE: 0.07,
    Channel.IOT: 0.03,
    Channel.VIDEO: 0.02,
}
CHANNELS = list(CHANNEL_SHARES)
# Reports per hour of the day (0–23), relative, by channel.
_RESIDENT_HOURS = "0.3 0.2 0.1 0.1 0.1 0.2 0.5 1.5 3 4 4 3.5 3 2.5 3 3 3 3.5 4 5 5 4 2 1"
HOURS = {
    channel: [float(x) for x in hours.split()]
    for channel, hours in {
        Channel.PATROL: "0 0 0 0 0 0 0.2 1 5 9 10 8 2 1.5 6 9 9 6 1.5 0.8 0.4 0.2 0 0",
        Channel.RESIDENT: _RESIDENT_HOURS,
        Channel.OPEN311: _RESIDENT_HOURS,
        Channel.HOTLINE: "0 0 0 0 0 0 0 0.5 4 6 6 5 3 3 5 6 6 5 3 2 1.5 1 0 0",
        Channel.IOT: " ".join(["1"] * 24),
        Channel.VIDEO: " ".join(["0.5"] * 7 + ["2"] * 16 + ["0.5"]),
    }.items()
}
WEEKDAY = (1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.62)  # Monday … Sunday
HOLIDAY, SPRING_FESTIVAL = 0.6, 0.4
RAINY_VOLUME = 0.15  # the whole volume rises 15% at the height of the rainy season

# Outcome odds. The effective disposal rate misses the cases reworked *and* late, and those left
# overdue: about 2.2% × 50% + 0.3% + the recent overdue ones ≈ 1.5%.
P_CANCEL = {Channel.PATROL: 0.006, Channel.IOT: 0.05, Channel.VIDEO: 0.04}
P_CANCEL_RESIDENT = 0.06  # reports of residents and the hotline not found on verification
P_SPOT = 0.35  # of patrol reports of items that may be disposed on the spot
P_RETURN = 0.025
P_EXTENSION = 0.015
P_STUCK = 0.003  # accepted and never disposed: overdue to this day
P_LATE = 0.035
P_REWORK = 0.025
P_LATE_AFTER_REWORK = 0.5
P_CHECK_LATE = 0.04


# volumes -----------------------------------------------------------------------------------------


def rain(day: date) -> float:
    """0 outside May–September, rising to 1 at the end of July and back."""
    start, end = date(day.year, 5, 1).toordinal(), date(day.year, 9, 30).toordinal()
    if not start <= day.toordinal() <= end:
        return 0.0
    return float(np.sin(np.pi * (day.toordinal() - start) / (end - start)))


def _holiday_blocks(days: list[date], cal: WorkCalendar) -> dict[date, float]:
    """Factor of each day in a run of 3+ days off that holds a weekday (a public holiday)."""
    out: dict[date, float] = {}
    run: list[date] = []
    for day in [*days, None]:
        if day is not None and not cal.is_working_day(day):
            run.append(day)
            continue
        if len(run) >= 3 and any(d.weekday() < 5 for d in run):
            spring = run[0].month in (1, 2) and len(run) >= 7
            out.update(dict.fromkeys(run, SPRING_FESTIVAL if spring else HOLIDAY))
        run = []
    return out


def day_weights(days: list[date], cal: WorkCalendar) -> np.ndarray:
    """Relative volume of each day: season, weekday (adjusted working days count as weekdays), holidays."""
    blocks = _holiday_blocks(days, cal)
    weights = []
    for day in days:
        base = WEEKDAY[0] if cal.is_working_day(day) else WEEKDAY[day.weekday()]
        weights.append((1 + RAINY_VOLUME * rain(day)) * blocks.get(day, base))
    return np.array(weights)


@dataclass
class Draws:
    """The random choices of every case, sorted by report time."""

    days: list[date]
    day: np.ndarray  # index into days
    second: np.ndarray  # second of the day
    channel: np.ndarray  # index into CHANNELS
    item: np.ndarray  # index into refs.items
    grid: np.ndarray  # index into refs.grids
    point: np.ndarray  # index into the grid's points

    def year_counts(self) -> dict[int, int]:
        years, counts = np.unique(np.array([d.year for d in self.days])[self.day], return_counts=True)
        return {int(y): int(c) for y, c in zip(years, counts, strict=True)}


def _seconds(rng, channel_idx: np.ndarray) -> np.ndarray:
    out = np.empty(len(channel_idx), dtype=np.int64)
    for k, channel in enumerate(CHANNELS):
        mask = channel_idx == k
        p = np.array(HOURS[channel], dtype=float)
        hours = rng.choice(24, size=int(mask.sum()), p=p / p.sum())
        out[mask] = hours * 3600 + rng.integers(0, 3600, size=int(mask.sum()))
    return out


def _items(rng, refs: Refs, days: list[date], day_idx, channel_idx) -> np.ndarray:
    """Items by day and channel: category weights, rainy-season boosts, channel eligibility."""
    out = np.empty(len(day_idx), dtype=np.int64)
    eligible = [refs.eligible(channel) for channel in CHANNELS]
    order = np.lexsort((channel_idx, day_idx))
    keys = day_idx[order] * len(CHANNELS) + channel_idx[order]
    for group in np.split(order, np.flatnonzero(np.diff(keys)) + 1):
        if len(group):
            day, k = days[day_idx[group[0]]], channel_idx[group[0]]
            p = refs.item_weights * (1 + refs.item_rain_boost * rain(day)) * eligible[k]
            out[group] = rng.choice(len(p), size=len(group), p=p / p.sum())
    return out


def draw(refs: Refs, n: int, now: datetime, seed: int) -> Draws:
    """The days of the year ending on now's day, and every case's random choices."""
    rng = np.random.default_rng(seed)
    today = local_day(now)
    days = [today - timedelta(days=364 - i) for i in range(365)]
    weights = day_weights(days, get_calendar())
    local = timezone.localtime(now)
    now_second = max(local.hour * 3600 + local.minute * 60 + local.second, 1)
    weights[-1] *= now_second / 86400  # today so far
    day_idx = np.repeat(np.arange(365), rng.multinomial(n, weights / weights.sum()))
    channel_idx = rng.choice(len(CHANNELS), size=n, p=list(CHANNEL_SHARES.values()))
    second = _seconds(rng, channel_idx)
    later = (day_idx == 364) & (second >= now_second)
    second[later] = rng.integers(0, now_second, size=int(later.sum()))
    item = _items(rng, refs, days, day_idx, channel_idx)
    grid = rng.choice(len(refs.grids), size=n, p=refs.grid_weights)
    point = rng.integers(0, content.POINTS_PER_GRID, size=n)
    order = np.lexsort((second, day_idx))
    return Draws(
        days, day_idx[order], second[order], channel_idx[order], item[order], grid[order], point[order]
    )


# one case's life ---------------------------------------------------------------------------------


class _Cut(Exception):
    """The present moment: the rest of the case has not happened yet."""


_KEEP = object()


@dataclass
class Planned:
    """One case ready to write: its Case fields, its first report and its events (no ids yet)."""

    case: dict
    report: dict
    events: list[tuple] = field(default_factory=list)


class Life:
    """Plans one case step by step, as the services would record it, until ``now``."""

    def __init__(self, refs: Refs, cal: WorkCalendar, rnd: random.Random, now: datetime):
        self.refs, self.cal, self.rnd, self.now = refs, cal, rnd, now

    def plan(self, at: datetime, channel: str, item: ItemRef, grid: GridRef, point: int) -> Planned:
        rnd = self.rnd
        self.item, self.grid, self.channel = item, grid, channel
        self.status, self.events, self.escalation, self.step_from = "", [], 0, None
        self.ws, self.ws_name = self.refs.village_ws[grid.village_id]
        inspector = rnd.choice(grid.inspectors) if grid.inspectors else (None, "")
        self.reporter = inspector if channel == Channel.PATROL else (None, "")
        self.checker = inspector
        self.fields = {"department_id": item.department_id, "workstation_id": self.ws}
        name, phone = content.contact(rnd) if channel in RESIDENT_CHANNELS else ("", "")
        where = content.address(rnd, grid)
        text = content.description(rnd, channel, item, where)
        with contextlib.suppress(_Cut):
            self._report(at, text, content.reporter_name(channel, name, self.reporter[1]))
        self._escalate(self._step_deadline(), self.now)
        lon, lat = grid.points[point]
        case = self._case(at, text, where, lon, lat)
        report = {"channel": channel, "reporter_id": self.reporter[0], "contact_name": name, "phone": phone}
        if channel == Channel.HOTLINE:
            report["external_ref"] = f"12345-{rnd.randrange(10**10):010d}"
        report.update(token=f"{rnd.getrandbits(64):016x}", description=text, lon=lon, lat=lat, at=at)
        return Planned(case, report, self.events)

    # steps --------------------------------------------------------------------------------------

    def step(self, at, action, to=None, *, actor=None, name="", note="", data=None, frm=_KEEP, **fields):
        """Record one event at ``at`` unless it lies in the future; ``frm`` is where the next step's
        deadline runs from: (start, limit) or (start, deadline), None for no deadline."""
        if at > self.now:
            raise _Cut
        self.events.append((at, action, self.status, to or self.status, actor, name, note, data or {}))
        self.status = to or self.status
        self.fields.update(fields)
        if frm is not _KEEP:
            self.step_from = frm

    def after(self, at: datetime, minutes: float) -> datetime:
        return self.cal.add_working_minutes(at, max(1, int(minutes)))

    def minutes(self, limit: tuple[int, str]) -> int:
        amount, unit = limit
        return amount * {"minutes": 1, "hours": 60}.get(unit, self.cal.minutes_per_day)

    def _desk(self) -> float:
        """Working minutes a dispatcher takes, mostly well inside the dispatch limit."""
        return min(self.rnd.expovariate(1 / 15), 0.9 * self.minutes(self.item.dispatch))

    def _check(self) -> float:
        """Working minutes an inspector takes to verify or re-check."""
        limit = self.minutes(self.item.recheck)
        late = self.rnd.random() < P_CHECK_LATE
        return limit * (self.rnd.uniform(1.05, 1.6) if late else self.rnd.betavariate(1.2, 4))

    def _note(self, key: str) -> str:
        return self.rnd.choice(content.NOTES[key])

    def desk(self, at, action, to=None, **kw) -> None:
        """A step of the village workstation's dispatcher."""
        self.step(at, action, to, name=self.ws_name, **kw)

    def handler(self, at, action, to=None, **kw) -> None:
        """A step of the department's handler."""
        self.step(at, action, to, name=self.item.handler, **kw)

    def inspector(self, at, action, to, note: str = "", **kw) -> None:
        """A step of the grid inspector who verifies and re-checks (``note``: a key of NOTES)."""
        actor, name = self.checker
        self.step(at, action, to, actor=actor, name=name, note=self._note(note or action), **kw)

    def _report(self, t: datetime, text: str, reporter: str) -> None:
        rnd, item, channel = self.rnd, self.item, self.channel
        spot = channel == Channel.PATROL and item.spot and rnd.random() < P_SPOT
        data = {"channel": channel, "on_the_spot": spot}
        to = S.SELF_DISPOSED if spot else S.REPORTED
        self.step(t, "report", to, actor=self.reporter[0], name=reporter, note=text[:500], data=data)
        self.step_from = (t, item.dispatch)
        if spot:
            t = self.after(t, self._desk())
            self.desk(t, "approve_on_the_spot", S.CLOSED, registered_at=t, disposed_at=t, frm=None)
            self.fields.update(disposed_on_time=True, closed_at=t, closed_on_time=True)
            return
        cancel = rnd.random() < P_CANCEL.get(channel, P_CANCEL_RESIDENT)
        if channel in RESIDENT_CHANNELS:
            t = self._verify(t, found=not cancel)
        if cancel:
            t, reason = self.after(t, self._desk()), self._note("cancel")
            self.desk(t, "cancel", S.CANCELLED, note=reason, cancel_reason=reason, closed_at=t, frm=None)
            return
        t = self.after(t, self._desk())
        self.desk(t, "register", S.REGISTERED, registered_at=t, frm=(t, item.dispatch))
        self._handle(t)

    def _verify(self, t: datetime, found: bool) -> datetime:
        t = self.after(t, self._desk())
        data = {"assignee": self.checker[1] or None}
        self.desk(t, "send_to_verify", S.VERIFYING, data=data, frm=(t, self.item.recheck))
        self.fields["assignee_id"] = self.checker[0]
        t = self.after(t, self._check())
        result = "confirmed" if found else "not_found"
        self.inspector(
            t, "verify", S.VERIFIED, note=result, data={"result": result}, frm=(t, self.item.dispatch)
        )
        return t

    def _dispatch(self, t: datetime, due: datetime | None) -> tuple[datetime, datetime]:
        t = self.after(t, self.rnd.expovariate(1 / 5))
        if due is None or due <= t:
            due = self.cal.deadline(t, *self.item.disposal)
        data = {"department": self.item.department_code}
        self.desk(t, "dispatch", S.DISPATCHED, data=data, dispatched_at=t, due_at=due, frm=(t, due))
        return t, due

    def _handle(self, t: datetime) -> None:
        rnd, item = self.rnd, self.item
        t, due = self._dispatch(t, None)
        if rnd.random() < P_RETURN:
            t = self.after(t, rnd.expovariate(1 / 60))
            note = self._note("return")
            self.handler(t, "return", S.REGISTERED, note=note, return_count=1, frm=(t, item.dispatch))
            t, due = self._dispatch(self.after(t, self._desk()), due)
        t = self.after(t, min(rnd.expovariate(1 / 20), 0.2 * self.minutes(item.disposal)))
        self.handler(t, "accept", S.ACCEPTED)
        if rnd.random() < P_EXTENSION:
            t, due = self._extend(t, due)
        if rnd.random() < P_STUCK:
            return
        rework = rnd.random() < P_REWORK
        t = self.after(self._dispose(t, due, late=rnd.random() < P_LATE), self._check())
        if rework:
            due = self.cal.deadline(t, *item.disposal)
            self.inspector(t, "recheck_fail", S.ACCEPTED, frm=(t, due))
            self.fields.update(rework_count=1, due_at=due, disposed_at=None)
            t = self.after(self._dispose(t, due, late=rnd.random() < P_LATE_AFTER_REWORK), self._check())
        self.inspector(t, "recheck_pass", S.CLOSED, frm=None)
        self.fields.update(closed_at=t, closed_on_time=t <= due)

    def _extend(self, t: datetime, due: datetime) -> tuple[datetime, datetime]:
        days = self.rnd.randint(1, 5)
        t = self.after(t, max(self.cal.working_minutes_between(t, due), 2) * self.rnd.uniform(0.2, 0.7))
        note = self._note("request_extension")
        self.handler(t, "request_extension", note=note, data={"days": days}, extension_requested=days)
        t = self.after(t, self.rnd.expovariate(1 / 30))
        due = self.cal.deadline(max(due, t), days, "days")
        self.desk(t, "approve_extension", data={"days": days, "due_at": due.isoformat()}, frm=(t, due))
        self.fields.update(extension_requested=None, due_at=due)
        return t, due

    def _dispose(self, t: datetime, due: datetime, late: bool) -> datetime:
        if late:
            at = self.after(due, self.rnd.expovariate(1 / max(60, 0.3 * self.minutes(self.item.disposal))))
            self._escalate(due, at)
        else:
            at = self.after(t, self.cal.working_minutes_between(t, due) * self.rnd.betavariate(1.5, 3.5))
        data = {"assignee": self.checker[1] or None}
        self.handler(
            at, "dispose", S.DISPOSED, note=self._note("dispose"), data=data, frm=(at, self.item.recheck)
        )
        self.fields.update(disposed_at=at, disposed_on_time=at <= due, assignee_id=self.checker[0])
        return at

    def _escalate(self, deadline: datetime | None, until: datetime) -> None:
        """The sweeper's escalations of an overdue step: to the area, a working day later the town."""
        if deadline is None or self.status not in OPEN_STATUSES:
            return
        steps = [(1, deadline, self.refs.area_ws[self.grid.area_id])]
        steps.append((2, self.cal.deadline(deadline, 1, "days"), self.refs.town_ws))
        for level, at, (ws, code) in steps:
            at += timedelta(seconds=30)
            if level > self.escalation and at < until and at <= self.now:
                self.escalation = level
                note = f"overdue since {timezone.localtime(deadline):%Y-%m-%d %H:%M}"
                data = {"level": level, "workstation": code}
                self.step(at, "escalate", name="sweeper", note=note, data=data, escalation=level)
                self.fields.update(escalated_at=at, workstation_id=ws)

    def _step_deadline(self) -> datetime | None:
        if self.step_from is None or self.status not in OPEN_STATUSES:
            return None
        start, limit = self.step_from
        return limit if isinstance(limit, datetime) else self.cal.deadline(start, *limit)

    def _case(self, at: datetime, text: str, where: str, lon: float, lat: float) -> dict:
        item, grid = self.item, self.grid
        deadline = self._step_deadline()
        warn = None
        if deadline is not None:
            start = self.step_from[0]
            warn = self.cal.warn_at(start, deadline) if deadline >= start else deadline
        return {
            "item_id": item.id,
            "category_id": item.category_id,
            "big_category_id": item.big_category_id,
            "channel": self.channel,
            "status": self.status,
            "urgency": item.urgency,
            "description": text,
            "address": where[:200],
            "lon": lon,
            "lat": lat,
            "area_id": grid.area_id,
            "village_id": grid.village_id,
            "grid_id": grid.id,
            "reporter_id": self.reporter[0],
            "version": len(self.events),
            "reported_at": at,
            "step_deadline": deadline,
            "step_warn_at": warn,
            **self.fields,
        }


def plan(refs: Refs, draws: Draws, now: datetime, seed: int = SEED) -> Iterator[Planned]:
    """Every case of the history in report order; the same arguments give the same cases."""
    life = Life(refs, get_calendar(), random.Random(seed), now)
    tz = timezone.get_current_timezone()
    for i in range(len(draws.day)):
        day, s = draws.days[draws.day[i]], int(draws.second[i])
        at = datetime(day.year, day.month, day.day, s // 3600, s // 60 % 60, s % 60, tzinfo=tz)
        grid = refs.grids[draws.grid[i]]
        yield life.plan(at, CHANNELS[draws.channel[i]], refs.items[draws.item[i]], grid, int(draws.point[i]))


# writing -----------------------------------------------------------------------------------------


def _take_numbers(counts: dict[int, int]) -> dict[int, int]:
    """Reserve ``counts[year]`` numbers of each year from the live numbering: the first of each."""
    return {year: take_numbers(year, count) - count + 1 for year, count in sorted(counts.items()) if count}


EVENT_COLUMNS = [
    "case_id",
    "at",
    "action",
    "from_status",
    "to_status",
    "actor_id",
    "actor_name",
    "note",
    "data",
]


def _write(batch: list[Planned], numbers: dict[int, int]) -> int:
    """Insert a batch of planned cases with their reports and events; the number of events.

    Plain INSERTs with executemany: the ORM's bulk_create spends most of its time building and
    preparing model instances, several times the database's own time for these tables.
    """
    for p in batch:
        year = timezone.localtime(p.case["reported_at"]).year
        p.case["number"] = f"{year}{numbers[year]:07d}"
        numbers[year] += 1
    insert_dicts(Case, [p.case for p in batch])
    ids = dict(Case.objects.filter(number__in=[p.case["number"] for p in batch]).values_list("number", "id"))
    when, as_json = datetime_adapter(), partial(connection.ops.adapt_json_value, encoder=None)
    events = []
    for p in batch:
        case_id = p.report["case_id"] = ids[p.case["number"]]
        events += [
            (case_id, when(at), action, src, dst, actor, name, note, as_json(data))
            for at, action, src, dst, actor, name, note, data in p.events
        ]
    insert_dicts(CaseReport, [p.report for p in batch])
    insert_rows(CaseEvent, EVENT_COLUMNS, events)
    return len(events)


def history_exists() -> bool:
    return AuditRecord.objects.filter(action=AUDIT_ACTION).exists()


@dataclass
class HistoryResult:
    cases: int = 0
    events: int = 0
    rollup_rows: int = 0
    skipped: bool = False


def history_generate(
    *, n: int = HISTORY_CASES, now: datetime | None = None, seed: int = SEED, progress: Progress = no_progress
) -> HistoryResult:
    """Write n cases of history ending at now and roll the year up; nothing when history exists."""
    if history_exists():
        return HistoryResult(skipped=True)
    now = now or timezone.now()
    refs = load_refs(seed)
    draws = draw(refs, n, now, seed)
    result = HistoryResult(cases=n)
    with transaction.atomic():
        numbers = _take_numbers(draws.year_counts())
        planned = plan(refs, draws, now, seed)
        for start in progress(range(0, n, BATCH), desc="case history", unit="batch"):
            batch = [next(planned) for _ in range(min(BATCH, n - start))]
            result.events += _write(batch, numbers)
        first, last = draws.days[0], draws.days[-1]
        result.rollup_rows = rollup_days(first, last, now=now).rows
        audit_record(
            action=AUDIT_ACTION,
            actor_name=ACTOR,
            object_type="cases.case",
            after={"cases": n, "events": result.events, "from": first, "to": now, "seed": seed},
        )
    return result


def history_seed(progress: Progress = no_progress) -> Tally:
    """The demo's year of cases (``CITYOPS_DEMO_HISTORY_CASES``, default 310,000); once only."""
    result = history_generate(
        n=getattr(settings, "CITYOPS_DEMO_HISTORY_CASES", HISTORY_CASES), progress=progress
    )
    if result.skipped:
        return Tally(unchanged=Case.objects.count())
    return Tally(created=result.cases)
