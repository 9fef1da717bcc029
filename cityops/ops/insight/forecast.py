"""The weekly forecasts of case volume, computed by the forecast job and stored: the series of cases
reported per week (from the village rollup, ``CaseVillageDailyStat``) for the whole town, each item
group, each area and each village; each fitted by ``model.fit_series``; written as one
``ForecastSeries`` row with its weeks. Pages and the big screen read these rows only."""

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db import transaction
from django.db.models import F, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.cases.kpis import PeriodStart
from cityops.cases.models import ItemCategory
from cityops.cases.models.stats import CaseVillageDailyStat
from cityops.core.locks import serialize
from cityops.core.workcalendar import get_calendar
from cityops.geo.models import Area, Village
from cityops.ops.insight import model
from cityops.ops.models import ForecastPoint, ForecastSeries, ForecastState, SeriesDimension, SeriesStatus

SHOWN_WEEKS = 104  # the weeks of history kept for the chart


def last_complete_week(today: date) -> date:
    """The Monday of the last Monday–Sunday week that ended before ``today``."""
    return today - timedelta(days=today.weekday() + 7)


def first_complete_week(first_day: date) -> date:
    """The first Monday on or after the first day with data (a partial first week would undercount)."""
    return first_day + timedelta(days=(7 - first_day.weekday()) % 7)


@dataclass
class SeriesSpec:
    key: str
    dimension: str
    name: str
    big_category: ItemCategory | None = None
    area_id: int | None = None
    village_id: int | None = None


def weekly_counts(first: date, last: date) -> dict[tuple[int, int, date], int]:
    """Cases reported per (village, item group, week) over the weeks first..last (Mondays)."""
    qs = CaseVillageDailyStat.objects.filter(day__gte=first, day__lt=last + timedelta(days=7))
    rows = (
        qs.annotate(week=PeriodStart(F("day"), "week"))
        .values_list("village", "big_category", "week")
        .annotate(n=Sum("reported"))
        .order_by()
    )
    return {
        (v, g, w if isinstance(w, date) else date.fromisoformat(str(w)[:10])): n or 0 for v, g, w, n in rows
    }


def specs() -> list[SeriesSpec]:
    """The town, each item group, each area and each village."""
    out = [SeriesSpec("town", SeriesDimension.TOWN, str(_("Whole town")))]
    out += [
        SeriesSpec(f"group:{g.code}", SeriesDimension.GROUP, g.name, big_category=g)
        for g in ItemCategory.objects.filter(parent__isnull=True).order_by("code")
    ]
    out += [
        SeriesSpec(f"area:{a.code}", SeriesDimension.AREA, a.name, area_id=a.pk)
        for a in Area.objects.order_by("code")
    ]
    out += [
        SeriesSpec(f"village:{v.code}", SeriesDimension.VILLAGE, v.name, area_id=v.area_id, village_id=v.pk)
        for v in Village.objects.order_by("code")
    ]
    return out


def series_values(
    spec: SeriesSpec, counts: dict, mondays: list[date], village_area: dict[int, int]
) -> list[int]:
    totals: dict[date, int] = defaultdict(int)
    for (village, group, week), n in counts.items():
        if spec.big_category is not None and group != spec.big_category.pk:
            continue
        if spec.village_id is not None and village != spec.village_id:
            continue
        if spec.area_id is not None and spec.village_id is None and village_area.get(village) != spec.area_id:
            continue
        totals[week] += n
    return [totals.get(m, 0) for m in mondays]


def _fit(y: list[int], mondays: list[date], working_day) -> model.Fit:
    try:
        return model.fit_series(y, mondays, working_day)
    except (ArithmeticError, ValueError, IndexError, np.linalg.LinAlgError):
        return model.Fit(SeriesStatus.FAILED, weeks=len(y))


def _points(series: ForecastSeries, y: list[int], mondays: list[date], fit: model.Fit) -> list[ForecastPoint]:
    n = len(y)
    points = {m: ForecastPoint(series=series, week=m, actual=v) for m, v in zip(mondays[:n], y, strict=True)}
    shown = set(mondays[max(0, n - SHOWN_WEEKS) : n])
    for k, value in enumerate(fit.holdout):
        points[mondays[n - len(fit.holdout) + k]].holdout = value
    if fit.recent is not None:  # the last complete weeks, each as forecast from the weeks before it
        k0 = n - len(fit.recent.mean)
        for k in range(len(fit.recent.mean)):
            p = points[mondays[k0 + k]]
            p.forecast, p.lower, p.upper = fit.recent.mean[k], fit.recent.lower[k], fit.recent.upper[k]
    if fit.future is not None:
        for k, m in enumerate(mondays[n:]):
            points[m] = ForecastPoint(
                series=series,
                week=m,
                forecast=fit.future.mean[k],
                lower=fit.future.lower[k],
                upper=fit.future.upper[k],
            )
            shown.add(m)
    return [p for m, p in sorted(points.items()) if m in shown]


def forecast_all(*, today: date | None = None) -> ForecastState:
    """Compute every series' forecast from the rollups and replace the stored ones (one transaction)."""
    began = time.monotonic()
    today = today or timezone.localdate()
    last = last_complete_week(today)
    first_day = CaseVillageDailyStat.objects.aggregate(d=Min("day"))["d"]
    first = first_complete_week(first_day) if first_day else last + timedelta(days=7)
    weeks = max(0, (last - first).days // 7 + 1)
    mondays = [first + timedelta(weeks=k) for k in range(weeks + model.HORIZON)]
    counts = weekly_counts(first, last) if weeks else {}
    calendar = get_calendar()
    village_area = dict(Village.objects.values_list("pk", "area_id"))
    now = timezone.now()
    fitted = []
    for spec in specs():
        y = series_values(spec, counts, mondays[:weeks], village_area)
        fitted.append((spec, y, _fit(y, mondays, calendar.is_working_day)))
    with transaction.atomic():
        serialize("ops.forecast")  # a second forecast at once waits, then replaces these series
        ForecastSeries.objects.all().delete()
        for spec, y, fit in fitted:
            _store(spec, y, mondays, fit, now)
        state, _created = ForecastState.objects.select_for_update().get_or_create(pk=1)
        state.computed_at, state.last_week = now, last
        state.seconds = round(time.monotonic() - began, 2)
        state.save()
    return state


def _store(spec: SeriesSpec, y: list[int], mondays: list[date], fit: model.Fit, now) -> ForecastSeries:
    last = fit.last
    series = ForecastSeries.objects.create(
        key=spec.key,
        dimension=spec.dimension,
        name=spec.name[:100],
        big_category=spec.big_category,
        area_id=spec.area_id,
        village_id=spec.village_id,
        status=fit.status,
        method=fit.method,
        weeks=fit.weeks,
        mape=fit.mape,
        mape_weeks=fit.mape_weeks,
        last_week=mondays[len(y) - 1] if y else None,
        last_actual=y[-1] if y else None,
        last_expected=last.mean[0] if last else None,
        last_upper=last.upper[0] if last else None,
        warning=bool(last and y[-1] > last.upper[0]),
        computed_at=now,
    )
    ForecastPoint.objects.bulk_create(_points(series, y, mondays, fit))
    return series


def forecast_due(*, today: date | None = None) -> bool:
    """Whether the forecasts are missing, a week behind, or asked for since they were computed."""
    state = ForecastState.objects.filter(pk=1).first()
    if state is None or state.computed_at is None:
        return True
    if state.last_week != last_complete_week(today or timezone.localdate()):
        return True
    return state.requested_at is not None and state.requested_at > state.computed_at


def forecast_request(*, by) -> ForecastState:
    """Ask the forecast job to compute the forecasts again on its next tick."""
    with transaction.atomic():
        state, _created = ForecastState.objects.select_for_update().get_or_create(pk=1)
        state.requested_at, state.requested_by = timezone.now(), getattr(by, "username", "")[:150]
        state.save(update_fields=["requested_at", "requested_by"])
        audit_record(
            action="ops.forecast_request", actor=by, obj=state, after={"requested_at": state.requested_at}
        )
    return state
