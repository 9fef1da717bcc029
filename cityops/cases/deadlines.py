"""Step deadlines of a case on the working-day calendar."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from cityops.core.errors import ValidationFailed
from cityops.core.inputs import InputError, check_moment
from cityops.core.workcalendar import MAX_YEAR, MIN_YEAR, get_calendar

WARN_FRACTION = 0.8
CALENDAR_START = datetime(MIN_YEAR, 1, 1, tzinfo=UTC) + timedelta(days=1)
CALENDAR_END = datetime(MAX_YEAR, 12, 31, tzinfo=UTC) - timedelta(
    days=1
)  # yellow when 80% of the step's working time has passed


def step_deadline(start: datetime, amount: int, unit: str) -> tuple[datetime, datetime]:
    """(deadline, warn_at) of a step that starts at ``start`` and lasts ``amount`` working ``unit``."""
    cal = get_calendar()
    end = cal.deadline(start, amount, unit)
    return end, cal.warn_at(start, end, WARN_FRACTION)


def remaining_minutes(now: datetime, deadline: datetime) -> int:
    """Working minutes from now to the deadline (negative when overdue). A deadline stored before
    deadlines were checked may lie beyond the calendar: it counts as the calendar's last moment."""
    try:
        check_moment(deadline)
    except InputError:
        deadline = CALENDAR_END if deadline > now else CALENDAR_START
    return get_calendar().working_minutes_between(now, deadline)


def resume_deadline(now: datetime, minutes_left: int) -> tuple[datetime, datetime]:
    return step_deadline(now, max(minutes_left, 1), "minutes")


def check_deadline(
    value: datetime, *, now: datetime, latest: datetime | None = None, why_latest: str = ""
) -> None:
    """Refuse (422, field ``deadline``) a deadline that is naive, outside the working calendar's years,
    not in the future, or later than ``latest``. Every deadline a person sets passes here, whichever
    page, API or command sent it."""
    try:
        check_moment(value)
    except InputError as exc:
        _fail(f"the deadline {exc}")
    if value <= now:
        _fail(f"the deadline {value.isoformat()} is in the past")
    if latest is not None and value > latest:
        _fail(
            f"the deadline {value.isoformat()} is later than {timezone.localtime(latest).isoformat()}: {why_latest}"
        )


def latest_supervision_deadline(due_at: datetime | None, now: datetime, extension_days: int) -> datetime:
    """A supervision may move a deadline no further than the longest extension could: that many
    working days after the current deadline (or after now, when there is none or it has passed)."""
    return step_deadline(max(usable(due_at) or now, now), extension_days, "days")[0]


def usable(deadline: datetime | None) -> datetime | None:
    """A stored deadline the calendar can compute from, else None (rows stored before deadlines
    were checked may hold one beyond the calendar's years)."""
    if deadline is None:
        return None
    try:
        return check_moment(deadline)
    except InputError:
        return None


def _fail(message: str):
    raise ValidationFailed(message, errors=[{"field": "deadline", "message": message}])
