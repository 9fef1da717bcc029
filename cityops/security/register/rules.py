"""When a system's next assessment (等级测评) falls due, and where it stands against it.

A level 3 system is assessed at least once a year and a level 4 system at least every half year
(the 等保 2.0 practice the public security organs enforce); level 5 systems follow special rules,
kept here at the level 4 cycle until the authority sets another. Levels 1 and 2 have no fixed
cycle: their next date is the one the owner sets, if any. A due date may be set earlier than the
rule gives, never later.
"""

import calendar
from datetime import date

from django.conf import settings
from django.utils import timezone

from cityops.security.choices import DueState

CYCLE_MONTHS = {3: 12, 4: 6, 5: 6}


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days: 29 Feb → 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rule_due(level: int, last_assessed_on: date | None) -> date | None:
    """The latest the next assessment may be: a cycle after the last one; None for a level without
    a cycle or a system never assessed (its first date is the owner's, else today)."""
    months = CYCLE_MONTHS.get(level)
    if months is None or last_assessed_on is None:
        return None
    return add_months(last_assessed_on, months)


def has_cycle(level: int) -> bool:
    return level in CYCLE_MONTHS


def warn_days() -> int:
    return settings.CITYOPS_SECURITY_ASSESSMENT_WARN_DAYS


def due_state(next_due_on: date | None, today: date | None = None) -> DueState:
    if next_due_on is None:
        return DueState.NOT_SET
    today = today or timezone.localdate()
    if next_due_on < today:
        return DueState.OVERDUE
    if (next_due_on - today).days <= warn_days():
        return DueState.DUE_SOON
    return DueState.CURRENT
