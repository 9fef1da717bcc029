"""The periods a report covers: ISO weeks (Monday to Sunday), months, quarters and years."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

KINDS = ("week", "month", "quarter", "year")


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @property
    def label(self) -> str:
        """2026-W07, 2026-02, 2026-Q1, 2026: also the files' names."""
        if self.kind == "week":
            year, week, _day = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def title(self) -> str:
        """The period in words, in the active language."""
        if self.kind == "week":
            year, week, _day = self.start.isocalendar()
            return _("Week %(week)d of %(year)d") % {"week": week, "year": year}
        if self.kind == "month":
            return _("%(month)d/%(year)d") % {"month": self.start.month, "year": self.start.year}
        if self.kind == "quarter":
            quarter = (self.start.month - 1) // 3 + 1
            return _("Q%(quarter)d %(year)d") % {"quarter": quarter, "year": self.start.year}
        return str(self.start.year)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period just before (the week, month, quarter or year before)."""
        return period_of(self.kind, self.start - timedelta(days=1))

    def year_before(self) -> "Period":
        """The same period a year earlier (for a week: the same ISO week number, or the last one)."""
        if self.kind == "week":
            year, week, _day = self.start.isocalendar()
            try:
                return period_of("week", date.fromisocalendar(year - 1, week, 1))
            except ValueError:  # week 53 of a year whose year before has 52
                return period_of("week", date.fromisocalendar(year - 1, 52, 1))
        return period_of(self.kind, self.start.replace(year=self.start.year - 1))

    def closed(self, today: date) -> bool:
        return self.end < today


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def period_of(kind: str, day: date) -> Period:
    """The ``kind`` period that holds ``day``."""
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=6))
    if kind == "month":
        start = day.replace(day=1)
        return Period(kind, start, _next_month(start) - timedelta(days=1))
    if kind == "quarter":
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        end = _next_month(_next_month(_next_month(start))) - timedelta(days=1)
        return Period(kind, start, end)
    if kind == "year":
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))
    raise ValueError(f"a report's period is one of {', '.join(KINDS)}, not {kind!r}")


def last_closed(kind: str, today: date) -> Period:
    """The latest ``kind`` period that ended before ``today``."""
    return period_of(kind, period_of(kind, today).start - timedelta(days=1))


def closed_periods(kind: str, today: date, count: int) -> list[Period]:
    """The ``count`` latest closed periods of ``kind``, latest first."""
    out = [last_closed(kind, today)]
    while len(out) < count:
        out.append(out[-1].previous())
    return out


def parse(kind: str, start: str) -> Period:
    """The period of ``kind`` that begins on ``start`` (ISO date); ValueError naming what is wrong."""
    day = date.fromisoformat(start)
    period = period_of(kind, day)
    if period.start != day:
        raise ValueError(f"{start} is not the first day of a {kind}")
    return period
