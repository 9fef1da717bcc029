"""An application's clock: one time limit at a time, counted in working minutes on the town's calendar.

Three phases follow one another:

- **intake** — 5 working days from receipt to tell the applicant, once, everything to supplement, or
  to accept (行政许可法 Art. 32). It stops while the applicant gathers what is missing (补正) and runs
  on when they bring it. Run out, the application counts as accepted from the day the materials were
  received (``sweeper.deem_accepted``).
- **decision** — the item's promised working days from acceptance, beside its legal limit; a special
  procedure (特别程序: hearing, testing, expert review …, Art. 45) stops it, an approved extension adds
  days to both.
- **delivery** — 10 working days from the decision to deliver the result (Art. 44).

The state is a few columns of the row: the phase, since when it runs (empty while stopped), the
working minutes used before that and allowed, and the deadlines they give. The functions here set
them on an instance and never save: a service (or the demo's generator) saves what they set, so the
clock of a stored row is always the one these rules give.
"""

from datetime import datetime

from cityops.core.workcalendar import WorkCalendar, get_calendar
from cityops.egov.choices import ClockPhase

INTAKE_DAYS = 5
DELIVERY_DAYS = 10
WARN_FRACTION = 0.8  # warned when 80 % of the phase's time is used


def _deadline(cal: WorkCalendar, start: datetime, minutes: int) -> datetime:
    """``minutes`` of working time after ``start``; whole days land at the same time of day."""
    if minutes <= 0:
        return start
    days, rest = divmod(minutes, cal.minutes_per_day)
    return cal.add_working_days(start, days) if not rest else cal.add_working_minutes(start, minutes)


def _set_deadlines(app, cal: WorkCalendar, at: datetime) -> None:
    left = app.clock_budget - app.clock_used
    app.due_at = _deadline(cal, at, left)
    if app.legal_budget is None:
        app.legal_due_at = None
    else:
        app.legal_due_at = _deadline(cal, at, app.legal_budget - app.clock_used)
    warn_left = round(app.clock_budget * WARN_FRACTION) - app.clock_used
    app.warn_at = _deadline(cal, at, warn_left)


def start(app, phase: str, at: datetime, days: int, legal_days: int | None = None, cal=None) -> None:
    """Begin counting ``phase`` at ``at``: ``days`` working days allowed (and ``legal_days`` by law)."""
    cal = cal or get_calendar()
    mpd = cal.minutes_per_day
    app.clock_phase = phase
    app.clock_started_at = at
    app.clock_used = 0
    app.clock_budget = days * mpd
    app.legal_budget = None if legal_days is None else max(legal_days, days) * mpd
    app.warned_at = None
    app.escalation = 0
    _set_deadlines(app, cal, at)


def used(app, now: datetime, cal=None) -> int:
    """Working minutes the phase has used by ``now``."""
    if app.clock_started_at is None:
        return app.clock_used
    cal = cal or get_calendar()
    return app.clock_used + max(0, cal.working_minutes_between(app.clock_started_at, now))


def pause(app, at: datetime, cal=None) -> None:
    """Stop the clock (补正, special procedure): the time until it runs again counts for nothing."""
    if app.clock_started_at is None:
        return
    app.clock_used = used(app, at, cal)
    app.clock_started_at = None
    app.due_at = app.legal_due_at = app.warn_at = None


def resume(app, at: datetime, cal=None) -> None:
    """Run the stopped clock on from ``at`` with the time it had left."""
    if app.clock_started_at is not None or app.clock_phase == ClockPhase.NONE:
        return
    cal = cal or get_calendar()
    app.clock_started_at = at
    _set_deadlines(app, cal, at)


def extend(app, days: int, at: datetime, cal=None) -> None:
    """Allow ``days`` more working days (an approved extension), for the promised and the legal limit."""
    cal = cal or get_calendar()
    more = days * cal.minutes_per_day
    app.clock_budget += more
    if app.legal_budget is not None:
        app.legal_budget += more
    if app.clock_started_at is not None:
        app.clock_used = used(app, at, cal)
        app.clock_started_at = at
        _set_deadlines(app, cal, at)
    app.warned_at = None if app.warn_at and app.warn_at > at else app.warned_at
    app.escalation = 0 if app.due_at is None or app.due_at > at else app.escalation


def stop(app, at: datetime, cal=None) -> int:
    """End the phase; the working minutes it used."""
    minutes = used(app, at, cal)
    app.clock_phase = ClockPhase.NONE
    app.clock_started_at = None
    app.clock_used = app.clock_budget = 0
    app.legal_budget = None
    app.due_at = app.legal_due_at = app.warn_at = app.warned_at = None
    app.escalation = 0
    return minutes


def overdue(app, now: datetime) -> bool:
    return app.clock_started_at is not None and app.due_at is not None and now > app.due_at


def left_minutes(app, now: datetime, cal=None) -> int:
    """Working minutes left in the phase (negative: overdue by that much)."""
    return app.clock_budget - used(app, now, cal)
