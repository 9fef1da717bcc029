"""The working-day calendar: deadlines in 工作日 / 工作时 / working minutes, in the town's time zone.

A *working day* is Monday–Friday without a holiday row, or a weekend day with a workday row
(调休上班), see ``CalendarDay``. *Working time* is the periods of ``CITYOPS_WORK_HOURS`` on working
days (default the government office hours 08:30–12:00 and 14:00–17:30, 420 minutes a day); a
period includes its start and excludes its end, so 12:00 and 17:30 are outside working time.

Every moment has a *position*: the working time elapsed since a fixed origin. Positions stand
still outside working time, so 17:30 on a Friday, 03:00 on Saturday and 08:30 on Monday share
one position. All the arithmetic is on positions: a sorted array of working days (bisect) turns a
date into the number of working days before it, so every operation is O(log n) however far the
deadline lies. Positions are exact to the microsecond.

Inputs and outputs are aware datetimes; results are in ``settings.TIME_ZONE`` (Asia/Shanghai).
Dates outside the years with holiday rows count weekends only (``data_years`` tells which years
have rows). Supported years: 1970–2199.
"""

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from cityops.core.cache import ProcessCache
from cityops.core.choices import DayKind, WorkUnit

DEFAULT_WORK_HOURS = "08:30-12:00,14:00-17:30"
MIN_YEAR, MAX_YEAR = 1970, 2199
_US_PER_MINUTE = 60_000_000
_MINUTES_PER_UNIT = {WorkUnit.MINUTES: 1, WorkUnit.HOURS: 60}
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def parse_work_hours(text, *, setting: str = "CITYOPS_WORK_HOURS") -> tuple[tuple[int, int], ...]:
    """``"08:30-12:00,14:00-17:30"`` as ((510, 720), (840, 1050)): minutes of the day, in order."""

    def fail(why: str):
        raise ImproperlyConfigured(
            f"{setting}={text!r} is not valid: {why}. Give working periods as HH:MM-HH:MM, "
            f"comma-separated and in order, e.g. {DEFAULT_WORK_HOURS!r}."
        )

    if not isinstance(text, str) or not text.strip():
        fail("no working period is given")
    periods: list[tuple[int, int]] = []
    for part in (p.strip() for p in text.split(",")):
        match = _PERIOD.match(part)
        if not match:
            fail(f"{part!r} is not HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            fail(f"{part!r} is not a time of day")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end <= start:
            fail(f"{part!r} does not end after it starts")
        if periods and start < periods[-1][1]:
            fail(f"{part!r} overlaps or comes before the period before it")
        periods.append((start, end))
    return tuple(periods)


class _Span(NamedTuple):
    """The precomputed years: a flag per date and the sorted ordinals of the working days."""

    first_year: int
    last_year: int
    base: int  # ordinal of 1 January of first_year
    end: int  # ordinal of 1 January after last_year
    flags: bytes  # flags[ordinal - base] == 1 on a working day
    days: list[int]


class WorkCalendar:
    """Working days and working hours; immutable apart from the lazily extended span of years."""

    def __init__(
        self,
        *,
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        work_hours: tuple[tuple[int, int], ...] = parse_work_hours(DEFAULT_WORK_HOURS),
        tz: tzinfo | str = "Asia/Shanghai",
    ):
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        self.data_years = frozenset(d.year for d in self.holidays | self.workdays)
        self.work_hours = tuple(work_hours)
        periods, before = [], 0
        for start, end in self.work_hours:
            s, e = start * _US_PER_MINUTE, end * _US_PER_MINUTE
            periods.append((s, e, before))
            before += e - s
        if not before:
            raise ValueError("work_hours must contain at least one working period")
        self._periods = tuple(periods)
        self._day_us = before
        self.minutes_per_day = before // _US_PER_MINUTE
        self._lock = threading.Lock()
        today = datetime.now(self.tz).year
        years = self.data_years | {today}
        self._span = self._build_span(max(min(years) - 1, MIN_YEAR), min(max(years) + 1, MAX_YEAR))

    # public API ------------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` (a date, or an aware datetime taken in the calendar's time zone) is worked."""
        if isinstance(day, datetime):
            ordinal = self._local(day, "day")[0]
        elif isinstance(day, date):
            ordinal = day.toordinal()
        else:
            raise TypeError(f"day must be a date, not {type(day).__name__}")
        span = self._covering(ordinal, ordinal)
        return bool(span.flags[ordinal - span.base])

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The deadline ``n`` working days after ``start``.

        The clock starts at the first working moment at or after ``start`` (``start`` itself
        inside working hours; else the start of the next working period, so 03:00 counts from
        08:30, 12:30 from 14:00 and 17:30 from 08:30 of the next working day). The deadline is
        that time of day on the ``n``-th working day after that moment's day. ``n == 0`` returns
        ``start`` unchanged. The working time between start and deadline is always
        ``n × minutes_per_day``; ``add_working_minutes`` reaches the same position but returns
        the earliest moment (17:30 rather than 08:30 the next working day).
        """
        ordinal, tod = self._local(start, "start")
        _check_amount(n, "n")
        if n == 0:
            return start
        span = self._covering(ordinal, ordinal)
        opening = self._opening_at_or_after(tod) if span.flags[ordinal - span.base] else None
        if opening is None:
            index, opening = bisect_right(span.days, ordinal), self._periods[0][0]
        else:
            index = bisect_left(span.days, ordinal)
        span, index = self._with_day_index(span, index + n)
        return self._at(span.days[index], opening)

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The earliest moment at which ``minutes`` of working time have passed since ``start``.

        Lunch, nights, weekends and holidays do not count. A deadline that uses up a period
        exactly ends at that period's end (08:30 + 210 minutes is 12:00, not 14:00).
        ``minutes == 0`` returns ``start`` unchanged.
        """
        ordinal, tod = self._local(start, "start")
        _check_amount(minutes, "minutes")
        if minutes == 0:
            return start
        span = self._covering(ordinal, ordinal)
        return self._moment(span, self._position(span, ordinal, tod) + minutes * _US_PER_MINUTE)

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole working minutes from ``a`` to ``b``; negative when ``b`` is before ``a``.

        Rounded toward zero, so ``-(between(b, a)) == between(a, b)``. For "time left" pass
        (now, deadline); for "overdue by" pass (deadline, now).
        """
        diff = self._working_us_between(a, b)
        whole = abs(diff) // _US_PER_MINUTE
        return whole if diff >= 0 else -whole

    def deadline(self, start: datetime, amount: int, unit: str) -> datetime:
        """The deadline of a time limit of ``amount`` working minutes, hours or days (a ``WorkUnit``)."""
        if unit == WorkUnit.DAYS:
            return self.add_working_days(start, amount)
        factor = _MINUTES_PER_UNIT.get(unit)
        if factor is None:
            raise ValueError(f"unit must be one of {', '.join(WorkUnit.values)}, not {unit!r}")
        _check_amount(amount, "amount")
        return self.add_working_minutes(start, amount * factor)

    def warn_at(self, start: datetime, deadline: datetime, fraction: float = 0.8) -> datetime:
        """The earliest moment at which ``fraction`` of the working time from start to deadline is used.

        ``fraction`` is in [0, 1]; 0 returns ``start``, 1 returns ``deadline``. A deadline before
        the start is an error; when no working time lies between them, the warning is at ``start``.
        """
        if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 <= fraction <= 1:
            raise ValueError(f"fraction must be a number from 0 to 1, not {fraction!r}")
        oa, ta = self._local(start, "start")
        ob, tb = self._local(deadline, "deadline")
        if deadline < start:
            raise ValueError(f"deadline {deadline.isoformat()} is before start {start.isoformat()}")
        if fraction == 1:
            return deadline
        span = self._covering(oa, ob)
        pa, pb = self._position(span, oa, ta), self._position(span, ob, tb)
        target = pa + round((pb - pa) * fraction)
        return start if target <= pa else self._moment(span, target)

    # positions -------------------------------------------------------------------------------

    def _working_us_between(self, a: datetime, b: datetime) -> int:
        oa, ta = self._local(a, "a")
        ob, tb = self._local(b, "b")
        span = self._covering(min(oa, ob), max(oa, ob))
        return self._position(span, ob, tb) - self._position(span, oa, ta)

    def _position(self, span: _Span, ordinal: int, tod: int) -> int:
        """Working microseconds from the span's first day to (ordinal, time of day)."""
        position = bisect_left(span.days, ordinal) * self._day_us
        if not span.flags[ordinal - span.base]:
            return position
        for start, end, before in self._periods:
            if tod < end:
                return position + before + max(0, tod - start)
        return position + self._day_us

    def _moment(self, span: _Span, position: int) -> datetime:
        """The earliest moment at ``position`` (> 0): a whole day ends at 17:30, not 08:30 next day."""
        index, rest = divmod(position, self._day_us)
        if rest == 0 and index > 0:
            index, rest = index - 1, self._day_us
        span, index = self._with_day_index(span, index)
        for start, end, before in self._periods:
            if rest <= before + end - start:
                return self._at(span.days[index], start + rest - before)
        raise AssertionError("a day's rest is within its periods")  # pragma: no cover

    def _opening_at_or_after(self, tod: int) -> int | None:
        """The first working time of day at or after ``tod``; None after the last period."""
        for start, end, _ in self._periods:
            if tod < end:
                return max(start, tod)
        return None

    # dates and spans -------------------------------------------------------------------------

    def _local(self, moment: datetime, name: str) -> tuple[int, int]:
        if not isinstance(moment, datetime):
            raise TypeError(f"{name} must be an aware datetime, not {type(moment).__name__}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(
                f"{name}={moment.isoformat()} is a naive datetime; pass an aware one "
                f"(e.g. django.utils.timezone.now() or localtime())"
            )
        local = moment.astimezone(self.tz)
        tod = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
        return local.toordinal(), tod

    def _at(self, ordinal: int, tod: int) -> datetime:
        day = date.fromordinal(ordinal)
        seconds, micro = divmod(tod, 1_000_000)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        if hour == 24:  # a period ending at 24:00
            return self._at(ordinal + 1, 0)
        return datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=self.tz)

    def _covering(self, lo: int, hi: int) -> _Span:
        span = self._span
        if span.base <= lo and hi < span.end:
            return span
        first, last = date.fromordinal(lo).year, date.fromordinal(hi).year
        if first < MIN_YEAR or last > MAX_YEAR:
            raise ValueError(f"the working-day calendar covers the years {MIN_YEAR}–{MAX_YEAR} only")
        with self._lock:
            span = self._span
            if not (span.base <= lo and hi < span.end):
                span = self._build_span(min(first, span.first_year), max(last, span.last_year))
                self._span = span
            return span

    def _with_day_index(self, span: _Span, index: int) -> tuple[_Span, int]:
        """A span whose working-day array reaches ``index``, and the index in it.

        Another thread may have extended the calendar backwards meanwhile; the index then moves
        by the working days added before the old span's start.
        """
        while index >= len(span.days):
            missing = index - len(span.days) + 1
            last = date.fromordinal(span.end - 1).year + 1 + missing // 240
            if last > MAX_YEAR:
                raise ValueError(f"the deadline falls after {MAX_YEAR}, beyond the calendar")
            wider = self._covering(span.base, date(last, 12, 31).toordinal())
            index += bisect_left(wider.days, span.base)
            span = wider
        return span, index

    def _build_span(self, first_year: int, last_year: int) -> _Span:
        base, end = date(first_year, 1, 1).toordinal(), date(last_year + 1, 1, 1).toordinal()
        holidays = {d.toordinal() for d in self.holidays}
        workdays = {d.toordinal() for d in self.workdays}
        flags = bytearray(end - base)
        days = []
        for ordinal in range(base, end):
            # date.fromordinal(1) is a Monday, so (ordinal - 1) % 7 is the weekday
            weekday = (ordinal - 1) % 7 < 5
            if (weekday and ordinal not in holidays) or ordinal in workdays:
                flags[ordinal - base] = 1
                days.append(ordinal)
        return _Span(first_year, last_year, base, end, bytes(flags), days)


def _check_amount(amount, name: str) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"{name} must be a whole number, not {amount!r}")
    if amount < 0:
        raise ValueError(f"{name} must not be negative, got {amount}")


# the process-wide calendar ---------------------------------------------------------------------


def work_hours_setting() -> str:
    return getattr(settings, "CITYOPS_WORK_HOURS", DEFAULT_WORK_HOURS)


def _version() -> tuple:
    """What the calendar is built from: rows (count, last change), work hours and time zone."""
    from django.db.models import Count, Max

    from cityops.core.models import CalendarDay

    rows = CalendarDay.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return rows["n"], rows["last"], work_hours_setting(), settings.TIME_ZONE


def build_calendar() -> WorkCalendar:
    """A calendar from the stored rows and the settings."""
    from cityops.core.models import CalendarDay

    rows = list(CalendarDay.objects.values_list("date", "kind"))
    return WorkCalendar(
        holidays=[d for d, kind in rows if kind == DayKind.HOLIDAY],
        workdays=[d for d, kind in rows if kind == DayKind.WORKDAY],
        work_hours=parse_work_hours(work_hours_setting()),
        tz=settings.TIME_ZONE,
    )


def _refresh_seconds() -> float:
    return getattr(settings, "CITYOPS_CALENDAR_REFRESH_SECONDS", 5)


_CALENDAR = ProcessCache(build_calendar, _version, _refresh_seconds)


def get_calendar() -> WorkCalendar:
    """The process-wide calendar, rebuilt when the rows or the work hours change (checked at most
    every ``CITYOPS_CALENDAR_REFRESH_SECONDS``, default 5)."""
    return _CALENDAR.get()


def invalidate() -> None:
    _CALENDAR.invalidate()


def check_work_hours(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """System check: a bad CITYOPS_WORK_HOURS stops ``manage.py check`` and every server start."""
    try:
        parse_work_hours(work_hours_setting())
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="core.E001")]
    return []
