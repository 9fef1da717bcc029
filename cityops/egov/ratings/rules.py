"""The periods of 好差评, from the settings, on the town's working-day calendar.

- the **rating period**: ``CITYOPS_RATING_DAYS`` (7) natural days from the conclusion, or working days
  with ``CITYOPS_RATING_WORKING_DAYS``; past it, the rating is ``CITYOPS_RATING_DEFAULT_LEVEL`` (3,
  基本满意) by default (Guangdong's rule). A reminder goes out after ``CITYOPS_RATING_REMIND_DAYS`` (3).
  The same period is left for a re-rating after a rectification.
- the **follow-up** of a bad rating: the applicant contacted within ``CITYOPS_RATING_CONTACT_DAYS`` (5)
  working days and the fault put right within ``CITYOPS_RATING_RECTIFY_DAYS`` (15), both counted from
  the bad rating. An appeal stops both; refused, they run on with the working time they had left.
"""

from datetime import datetime, timedelta

from django.conf import settings

from cityops.core.workcalendar import get_calendar
from cityops.egov.choices import Status

# 办结, and delivered after it: what a rating follows (a withdrawal is no service to rate)
RATEABLE = frozenset({Status.COMPLETED, Status.DENIED, Status.NOT_ACCEPTED, Status.DELIVERED})


def default_level() -> int:
    return settings.CITYOPS_RATING_DEFAULT_LEVEL


def contact_days() -> int:
    return settings.CITYOPS_RATING_CONTACT_DAYS


def rectify_days() -> int:
    return settings.CITYOPS_RATING_RECTIFY_DAYS


def _after(start: datetime, days: int) -> datetime:
    if settings.CITYOPS_RATING_WORKING_DAYS:
        return get_calendar().add_working_days(start, days)
    return start + timedelta(days=days)


def rating_due(start: datetime) -> datetime:
    """The end of the period to rate (or re-rate) from ``start``."""
    return _after(start, settings.CITYOPS_RATING_DAYS)


def remind_at(start: datetime) -> datetime | None:
    """When an applicant who has not rated is reminded; None: never (or not before the period ends)."""
    days = settings.CITYOPS_RATING_REMIND_DAYS
    if not days or days >= settings.CITYOPS_RATING_DAYS:
        return None
    return _after(start, days)


def concluded_at(app) -> datetime:
    """When the application was concluded: refused at intake, decided (denied), or completed."""
    if app.status == Status.NOT_ACCEPTED:
        return app.closed_at or app.updated_at
    if app.decision == "denied" or app.status == Status.DENIED:
        return app.decided_at or app.updated_at
    return app.completed_at or app.decided_at or app.updated_at


def follow_up_dues(start: datetime) -> tuple[datetime, datetime]:
    """The contact and rectification deadlines of a bad rating given at ``start``."""
    cal = get_calendar()
    return cal.add_working_days(start, contact_days()), cal.add_working_days(start, rectify_days())


def resume_due(due: datetime, paused_at: datetime, now: datetime) -> datetime:
    """A deadline stopped at ``paused_at`` and running again at ``now``: the working time it had left
    then, from now. One already past when it stopped stays where it was."""
    if due <= paused_at:
        return due
    cal = get_calendar()
    left = cal.working_minutes_between(paused_at, due)
    return cal.add_working_minutes(now, left) if left > 0 else now
