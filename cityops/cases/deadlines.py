"""Step deadlines of a case on the working-day calendar."""

from datetime import datetime

from cityops.core.workcalendar import get_calendar

WARN_FRACTION = 0.8  # yellow when 80% of the step's working time has passed


def step_deadline(start: datetime, amount: int, unit: str) -> tuple[datetime, datetime]:
    """(deadline, warn_at) of a step that starts at ``start`` and lasts ``amount`` working ``unit``."""
    cal = get_calendar()
    end = cal.deadline(start, amount, unit)
    return end, cal.warn_at(start, end, WARN_FRACTION)


def remaining_minutes(now: datetime, deadline: datetime) -> int:
    """Working minutes from now to the deadline (negative when overdue)."""
    return get_calendar().working_minutes_between(now, deadline)


def resume_deadline(now: datetime, minutes_left: int) -> tuple[datetime, datetime]:
    return step_deadline(now, max(minutes_left, 1), "minutes")
