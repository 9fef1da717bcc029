from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    """What a calendar row changes: a weekday off, or a weekend day on (调休上班)."""

    HOLIDAY = "holiday", _("Holiday (weekday off)")
    WORKDAY = "workday", _("Adjusted working day (weekend on)")

    @property
    def colour(self) -> str:
        return DAY_KIND_COLOURS[self.value]


DAY_KIND_COLOURS = {
    "holiday": "#cf1322",
    "workday": "#0958d9",
}


class WorkUnit(models.TextChoices):
    """The unit of a time limit: 工作分钟, 工作时 or 工作日, all counted in working time."""

    MINUTES = "minutes", _("working minutes")
    HOURS = "hours", _("working hours")
    DAYS = "days", _("working days")
