"""The current, partial week against its forecast, pro rata: read when asked, from the stored
forecast of the week (the first week ahead of the forecast job's last complete week) and the village
rollup of the week's complete days (Monday up to yesterday).

*Pro rata* is the share of a week's cases its elapsed days usually bring. Weekends and holidays
bring fewer cases than working days, so the share weighs each day by the town's cases per working
day and per day off over the last ``HISTORY_WEEKS`` complete weeks (from the same rollup and the
town's calendar); without such history each day weighs the same. The week runs above its forecast
when its cases so far exceed the upper end of a 95 % interval around the forecast's share. The
interval is not the week's interval cut down to the share: a few days' count varies relatively more
than a week's. Its spread combines the week's own uncertainty (σ from the forecast's 95 % interval,
scaled by the share) and how a week's cases fall on its days (binomial: share × (1 − share) ×
forecast); on the week's last day it is the week's interval again.

Nothing is said for a series without a forecast (too little history: no curve is made up), before
the week's first day has ended, or when the stored forecasts are not of the week before this one
(the job has not yet run this week).
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone

from cityops.cases.models.stats import CaseVillageDailyStat
from cityops.core.workcalendar import get_calendar
from cityops.geo.models import Village
from cityops.ops.insight.forecast import SeriesSpec, series_values
from cityops.ops.models import ForecastPoint, SeriesStatus

HISTORY_WEEKS = 8
Z95 = 1.959964  # the normal quantile of a two-sided 95 % interval, as the forecast's own


@dataclass
class Partial:
    series: object  # ForecastSeries
    monday: date
    days: int  # the week's complete days counted
    actual: int  # cases reported on them
    share: float  # the share of a week's cases such days usually bring
    forecast: float  # the whole week's forecast
    upper: float  # and its 95 % upper bound

    @property
    def expected(self) -> float:
        return self.forecast * self.share

    @property
    def limit(self) -> float:
        sigma = max(0.0, self.upper - self.forecast) / Z95
        spread = (self.share * sigma) ** 2 + self.share * (1 - self.share) * max(0.0, self.forecast)
        return self.expected + Z95 * math.sqrt(spread)

    @property
    def warning(self) -> bool:
        return self.actual > self.limit


def day_weights(monday: date) -> tuple[float, float]:
    """Cases per working day and per day off in the town over the weeks before ``monday``."""
    first = monday - timedelta(weeks=HISTORY_WEEKS)
    by_day = dict(
        CaseVillageDailyStat.objects.filter(day__gte=first, day__lt=monday)
        .values_list("day")
        .annotate(n=Sum("reported"))
        .order_by()
    )
    calendar = get_calendar()
    sums = {True: [0, 0], False: [0, 0]}
    for k in range((monday - first).days):
        day = first + timedelta(days=k)
        pair = sums[calendar.is_working_day(day)]
        pair[0] += by_day.get(day) or 0
        pair[1] += 1
    work, off = (s[0] / s[1] if s[1] else 0.0 for s in (sums[True], sums[False]))
    return (work, off) if work > 0 else (1.0, 1.0)


def week_share(monday: date, until: date, weights: tuple[float, float]) -> float:
    """The share of the week of ``monday`` its days up to ``until`` usually bring."""
    calendar = get_calendar()
    weight = [
        weights[0] if calendar.is_working_day(monday + timedelta(days=k)) else weights[1] for k in range(7)
    ]
    total = sum(weight)
    return sum(weight[: (until - monday).days + 1]) / total if total else 0.0


def partial_week(series_rows, last_week: date | None, today: date | None = None) -> list[Partial]:
    """Each forecast series of ``series_rows`` (already kept to the reader) in the current week so far."""
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    until = today - timedelta(days=1)
    rows = [s for s in series_rows if s.status == SeriesStatus.OK]
    if last_week is None or monday != last_week + timedelta(weeks=1) or until < monday or not rows:
        return []
    ahead = {
        p.series_id: p
        for p in ForecastPoint.objects.filter(series__in=rows, week=monday, upper__isnull=False)
    }
    qs = CaseVillageDailyStat.objects.filter(day__gte=monday, day__lte=until)
    counts = {
        (v, g, monday): n or 0
        for v, g, n in qs.values_list("village", "big_category").annotate(n=Sum("reported")).order_by()
    }
    village_area = dict(Village.objects.values_list("pk", "area_id"))
    share = week_share(monday, until, day_weights(monday))
    out = []
    for s in rows:
        point = ahead.get(s.pk)
        if point is None:
            continue
        spec = SeriesSpec(s.key, s.dimension, s.name, s.big_category, s.area_id, s.village_id)
        [actual] = series_values(spec, counts, [monday], village_area)
        out.append(Partial(s, monday, (until - monday).days + 1, actual, share, point.forecast, point.upper))
    return out
