"""Decision support's stored forecasts: one row per weekly series (the town, an item group, an area,
a village) with its accuracy and warning, and its weeks (actual, held-out prediction, forecast with
its interval). The forecast job writes them; pages and the big screen only read them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.cases.models import ItemCategory
from cityops.core.scoping import ScopedManager
from cityops.geo.models import Area, Village
from cityops.ops.choices.forecast import HOLDOUT, MIN_WEEKS

__all__ = ["ForecastPoint", "ForecastSeries", "ForecastState", "SeriesDimension", "SeriesStatus"]


class SeriesDimension(models.TextChoices):
    TOWN = "town", _("Whole town")
    GROUP = "group", _("Item group")
    AREA = "area", _("Area")
    VILLAGE = "village", _("Village")


class SeriesStatus(models.TextChoices):
    OK = "ok", _("Forecast")
    SHORT = "short", _("Too little history")
    FAILED = "failed", _("Model failed")


class ForecastSeries(models.Model):
    """A weekly series of cases reported and its latest forecast. Town-wide series (the town, each
    item group) have no area: only town-wide readers see them; an area's and a village's series
    carry their units, so ``restrict`` keeps each reader to their own."""

    key = models.CharField(max_length=40, unique=True)  # town, group:<code>, area:<code>, village:<code>
    dimension = models.CharField(_("dimension"), max_length=8, choices=SeriesDimension.choices)
    name = models.CharField(_("name"), max_length=100)
    big_category = models.ForeignKey(
        ItemCategory, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    area = models.ForeignKey(Area, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=8, choices=SeriesStatus.choices)
    method = models.CharField(_("method"), max_length=120, blank=True)
    weeks = models.PositiveIntegerField(_("weeks of history"), default=0)
    mape = models.FloatField(_("MAPE"), null=True, blank=True)  # over the held-out weeks
    mape_weeks = models.PositiveSmallIntegerField(default=0)  # held-out weeks with cases (the MAPE's terms)
    last_week = models.DateField(_("last complete week"), null=True, blank=True)  # its Monday
    last_actual = models.PositiveIntegerField(null=True, blank=True)
    last_expected = models.FloatField(null=True, blank=True)
    last_upper = models.FloatField(null=True, blank=True)
    warning = models.BooleanField(_("above forecast"), default=False)
    computed_at = models.DateTimeField(_("computed"))

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id"}

    class Meta:
        ordering = ["dimension", "key"]
        verbose_name = _("forecast series")
        verbose_name_plural = _("forecast series")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dimension__in=SeriesDimension.values),
                name="%(app_label)s_%(class)s_dimension_valid",
            ),
        ]

    def __str__(self):
        return self.key

    @property
    def message(self) -> str:
        """Why there is no forecast or no accuracy yet, in the reader's language (said at reading,
        not stored in the language of the job that fitted it)."""
        if self.status == SeriesStatus.SHORT:
            return _(
                "Too little history for a forecast: %(n)d complete weeks, at least %(min)d are needed"
            ) % {
                "n": self.weeks,
                "min": MIN_WEEKS,
            }
        if self.status == SeriesStatus.FAILED:
            return str(_("The model could not be fitted to this series"))
        if self.mape is None:
            return _("No accuracy yet: it needs %(n)d complete weeks (%(min)d to fit, %(h)d held out)") % {
                "n": MIN_WEEKS + HOLDOUT,
                "min": MIN_WEEKS,
                "h": HOLDOUT,
            }
        return ""

    @property
    def display_name(self) -> str:
        """The name in the reader's language where it is ours (the town), else the unit's or group's."""
        return str(SeriesDimension.TOWN.label) if self.dimension == SeriesDimension.TOWN else self.name


class ForecastPoint(models.Model):
    """One week of a series: what was reported (past weeks), what the model fitted on the weeks
    before the held-out ones predicted (``holdout``), and the forecast with its 95 % interval
    (the weeks ahead, and the last complete week as forecast from the weeks before it)."""

    series = models.ForeignKey(ForecastSeries, on_delete=models.CASCADE, related_name="points")
    week = models.DateField(_("week"))  # its Monday
    actual = models.PositiveIntegerField(null=True, blank=True)
    holdout = models.FloatField(null=True, blank=True)
    forecast = models.FloatField(null=True, blank=True)
    lower = models.FloatField(null=True, blank=True)
    upper = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["series", "week"]
        constraints = [
            models.UniqueConstraint(fields=["series", "week"], name="%(app_label)s_%(class)s_week_unique"),
        ]

    def __str__(self):
        return f"{self.series_id} {self.week}"


class ForecastState(models.Model):
    """The one row that says when the forecasts were computed, for which week, and whether someone
    asked for a new computation (the forecast job runs when the week moved on or on request)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    computed_at = models.DateTimeField(null=True, blank=True)
    last_week = models.DateField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.CharField(max_length=150, blank=True)

    def __str__(self):
        return f"forecasts to {self.last_week}"
