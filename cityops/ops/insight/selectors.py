"""Reads of the stored forecasts, kept to the reader's scope (``restrict``): a village dispatcher
sees their village's series only, an area's reader their area and its villages."""

from cityops.core.screen import Unit
from cityops.ops.models import ForecastSeries, ForecastState

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
    qs = ForecastSeries.objects.restrict(user, ACTION).filter(warning=True)
    if unit is not None and unit.level == "area":
        qs = qs.filter(area_id=unit.id)
    elif unit is not None and unit.level in ("village", "grid"):
        village_id = unit.id if unit.level == "village" else _village_of_grid(unit.id)
        qs = qs.filter(village_id=village_id)
    return _ordered(qs)


def _village_of_grid(grid_id: int) -> int | None:
    from cityops.geo.models import Grid

    return Grid.objects.filter(pk=grid_id).values_list("village_id", flat=True).first()


def state() -> ForecastState | None:
    return ForecastState.objects.filter(pk=1).first()
