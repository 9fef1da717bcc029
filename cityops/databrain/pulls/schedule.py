"""When a pull source runs next: every N minutes, or daily at HH:MM (the town's local time)."""

from datetime import datetime, time, timedelta

from django.utils import timezone


def next_run(*, every_minutes: int | None, daily_at: time | None, after: datetime) -> datetime | None:
    """The first run strictly after ``after``; None when the source has no schedule (pulled by hand)."""
    if every_minutes:
        return after + timedelta(minutes=every_minutes)
    if daily_at is None:
        return None
    local = timezone.localtime(after)
    at = local.replace(hour=daily_at.hour, minute=daily_at.minute, second=0, microsecond=0)
    if at <= local:
        at = (local + timedelta(days=1)).replace(
            hour=daily_at.hour, minute=daily_at.minute, second=0, microsecond=0
        )
    return at


def describe(*, every_minutes: int | None, daily_at: time | None) -> str:
    from django.utils.translation import gettext as _

    if every_minutes:
        if every_minutes % 60 == 0:
            return _("every %(n)s h") % {"n": every_minutes // 60}
        return _("every %(n)s min") % {"n": every_minutes}
    if daily_at:
        return _("daily at %(at)s") % {"at": daily_at.strftime("%H:%M")}
    return _("by hand only")
