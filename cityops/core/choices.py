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


class JobState(models.TextChoices):
    """Where a background job stands, as the jobs page and `cityops jobs` show it."""

    OK = "ok", _("Succeeded")
    FAILING = "failing", _("Failing, retrying")
    RUNNING = "running", _("Running")
    WAITING = "waiting", _("Not run yet")
    OFF = "off", _("Switched off")

    @property
    def colour(self) -> str:
        return JOB_STATE_COLOURS[self.value]


JOB_STATE_COLOURS = {
    "ok": "#237804",
    "failing": "#cf1322",
    "running": "#0958d9",
    "waiting": "#595959",
    "off": "#6b6b6b",
}
