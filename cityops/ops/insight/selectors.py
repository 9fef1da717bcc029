"""Reads of the stored forecasts, kept to the reader's scope (``restrict``): a village dispatcher
sees their village's series only, an area's reader their area and its villages."""

from datetime import timedelta

from django.db.models import F

from cityops.core.screen import Unit
from cityops.ops.insight.model import RECENT
from cityops.ops.models import ForecastPoint, ForecastSeries, ForecastState

ACTION = "ops.view"


ORDER = {"town": 0, "group": 1, "area": 2, "village": 3}


def _ordered(rows) -> list[ForecastSeries]:
    return sorted(rows, key=lambda s: (ORDER[s.dimension], s.key))


def series_list(*, user):
    """The series the user may see, the town first, then item groups, areas and villages."""
    return _ordered(
        ForecastSeries.objects.restrict(user, ACTION).select_related("big_category", "area", "village")
    )


def series_get(*, user, key: str) -> ForecastSeries | None:
    return ForecastSeries.objects.restrict(user, ACTION).filter(key=key).first()


def series_points(series: ForecastSeries) -> list[dict]:
    return list(series.points.values("week", "actual", "holdout", "forecast", "lower", "upper"))


def warnings_for(*, user, unit: Unit | None = None):
    """Series whose last complete week ran above the upper bound of its forecast, in the user's
    scope (and within ``unit`` on the big screen: an area shows itself and its villages)."""
    return _ordered(_in_unit(ForecastSeries.objects.restrict(user, ACTION).filter(warning=True), unit))


def _in_unit(qs, unit: Unit | None):
    if unit is not None and unit.level == "area":
        qs = qs.filter(area_id=unit.id)
    elif unit is not None and unit.level in ("village", "grid"):
        village_id = unit.id if unit.level == "village" else _village_of_grid(unit.id)
        qs = qs.filter(village_id=village_id)
    return qs


def current_week(*, user, unit: Unit | None = None, today=None) -> list:
    """The series in scope (and in ``unit``) in the current week so far, pro rata against their
    forecast (``insight.current``); empty before the forecasts of last week exist."""
    from cityops.ops.insight.current import partial_week

    current = state()
    if current is None or current.computed_at is None:
        return []
    qs = _in_unit(ForecastSeries.objects.restrict(user, ACTION).select_related("big_category"), unit)
    return sorted(
        partial_week(list(qs), current.last_week, today),
        key=lambda p: (ORDER[p.series.dimension], p.series.key),
    )


def recent_warnings(*, user, unit: Unit | None = None) -> list[ForecastPoint]:
    """The weeks among the last ``RECENT`` complete ones that ran above the upper bound of their
    one-step-ahead forecast, in scope (and in ``unit``), newest first; the series rides along."""
    current = state()
    if current is None or current.last_week is None:
        return []
    series = _in_unit(ForecastSeries.objects.restrict(user, ACTION), unit)
    points = ForecastPoint.objects.filter(
        series__in=series,
        week__gt=current.last_week - timedelta(weeks=RECENT),
        week__lte=current.last_week,
        upper__isnull=False,
        actual__gt=F("upper"),
    ).select_related("series")
    return sorted(points, key=lambda p: (-p.week.toordinal(), ORDER[p.series.dimension], p.series.key))


def short_series(*, user) -> int:
    """How many series in scope have too little history for a forecast (so no warning either)."""
    return ForecastSeries.objects.restrict(user, ACTION).filter(status="short").count()


def _village_of_grid(grid_id: int) -> int | None:
    from cityops.geo.models import Grid

    return Grid.objects.filter(pk=grid_id).values_list("village_id", flat=True).first()


def state() -> ForecastState | None:
    return ForecastState.objects.filter(pk=1).first()
