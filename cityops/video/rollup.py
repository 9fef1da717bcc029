"""The online-time rollup: seconds online, offline and unknown per channel and local day.

Computed from the ``HealthChange`` history alone, so any range of days can be recomputed and gives
the same rows: a channel's state at a moment is its last change before it (unknown before its first
change). Time before a channel's row existed, and time still to come today, counts for nothing.
Bright-kitchen channels also get the seconds inside their canteen's meal hours.
"""

import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from cityops.core.locks import serialize
from cityops.video.choices import IN_SERVICE, Health
from cityops.video.models import Canteen, Channel, ChannelDay, HealthChange

MEAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.get_current_timezone())


def meal_windows(hours) -> list[tuple[timedelta, timedelta]]:
    """Offsets from midnight of "HH:MM-HH:MM" meal hours; entries that do not parse are left out."""
    windows = []
    for entry in hours if isinstance(hours, list) else []:
        m = MEAL.match(str(entry))
        if m:
            a = timedelta(hours=int(m[1]), minutes=int(m[2]))
            b = timedelta(hours=int(m[3]), minutes=int(m[4]))
            if timedelta(0) <= a < b <= timedelta(days=1):
                windows.append((a, b))
    return windows


def _overlap(a: datetime, b: datetime, c: datetime, d: datetime) -> float:
    return max((min(b, d) - max(a, c)).total_seconds(), 0.0)


class _Day:
    __slots__ = ("seconds", "meal")

    def __init__(self):
        self.seconds = {Health.ONLINE: 0.0, Health.OFFLINE: 0.0, Health.UNKNOWN: 0.0}
        self.meal = {Health.ONLINE: 0.0, Health.OFFLINE: 0.0}


def _segments(start_state: str, changes: list[tuple[datetime, str]], lo: datetime, hi: datetime):
    """(from, to, state) pieces covering [lo, hi)."""
    at, state = lo, start_state or Health.UNKNOWN
    for when, health in changes:
        if when > at:
            yield at, min(when, hi), state
        at, state = max(when, lo), health
    if hi > at:
        yield at, hi, state


def _add(days: dict, first: date, a: datetime, b: datetime, state: str, meals) -> None:
    day = timezone.localtime(a).date()
    while True:
        start = midnight(day)
        end = midnight(day + timedelta(days=1))
        if start >= b:
            return
        lo, hi = max(a, start), min(b, end)
        if hi > lo and day >= first:
            tally = days.setdefault(day, _Day())
            tally.seconds[state] += (hi - lo).total_seconds()
            if state in tally.meal:
                for ma, mb in meals:
                    tally.meal[state] += _overlap(lo, hi, start + ma, start + mb)
        day += timedelta(days=1)


def _channels(first: datetime, end: datetime):
    before = HealthChange.objects.filter(channel=OuterRef("pk"), at__lt=first).order_by("-at", "-id")
    return (
        Channel.objects.filter(build_status__in=list(IN_SERVICE), created_at__lt=end)
        .annotate(state=Subquery(before.values("health")[:1]))
        .values_list("pk", "project_id", "area_id", "village_id", "canteen_id", "created_at", "state")
    )


def rollup_days(first: date, last: date, *, now: datetime | None = None) -> int:
    """Recompute the ChannelDay rows of the local days ``first``..``last``; returns how many were written."""
    now = now or timezone.now()
    lo, hi = midnight(first), min(midnight(last + timedelta(days=1)), now)
    if hi <= lo:
        return 0
    changes: dict[int, list] = defaultdict(list)
    for channel_id, at, health in (
        HealthChange.objects.filter(at__gte=lo, at__lt=hi)
        .order_by("channel_id", "at", "id")
        .values_list("channel_id", "at", "health")
    ):
        changes[channel_id].append((at, health))
    meals = {pk: meal_windows(hours) for pk, hours in Canteen.objects.values_list("pk", "meal_hours")}
    rows = []
    for pk, project_id, area_id, village_id, canteen_id, created, state in _channels(lo, hi):
        days: dict[date, _Day] = {}
        for a, b, s in _segments(state, changes.get(pk, []), max(lo, created), hi):
            _add(days, first, a, b, s, meals.get(canteen_id, []))
        for day, t in days.items():
            rows.append(
                ChannelDay(
                    channel_id=pk,
                    day=day,
                    project_id=project_id,
                    area_id=area_id,
                    village_id=village_id,
                    online_s=round(t.seconds[Health.ONLINE]),
                    offline_s=round(t.seconds[Health.OFFLINE]),
                    unknown_s=round(t.seconds[Health.UNKNOWN]),
                    meal_online_s=round(t.meal[Health.ONLINE]),
                    meal_offline_s=round(t.meal[Health.OFFLINE]),
                )
            )
    with transaction.atomic():
        serialize("video.rollup")  # a second rollup at once waits, then replaces these rows
        ChannelDay.objects.filter(day__gte=first, day__lte=last).delete()
        ChannelDay.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
