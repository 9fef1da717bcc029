from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.core.choices import DayKind


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class CalendarDay(TimeStampedModel):
    """An exception to the Monday–Friday week: a holiday on a weekday or a working weekend day.

    A day is a working day iff (it is Monday–Friday and has no holiday row) or it has a workday
    row. Holidays that fall on a weekend change nothing and have no row.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=50, help_text=_("e.g. 春节, 国庆节调休上班"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=DayKind.values), name="%(app_label)s_%(class)s_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.date.isoformat()} {self.name}"

    def clean(self):
        if self.date is None:
            return
        weekend = self.date.weekday() >= 5
        if self.kind == DayKind.HOLIDAY and weekend:
            message = _("%(date)s is a Saturday or Sunday: a holiday row is only for a weekday.")
        elif self.kind == DayKind.WORKDAY and not weekend:
            message = _("%(date)s is a weekday: a workday row is only for a Saturday or Sunday.")
        else:
            return
        raise ValidationError({"date": ValidationError(message, params={"date": self.date.isoformat()})})


class Job(models.Model):
    """One registered background job: when it is due, who holds it now, and how its last run went.

    The row is the schedule and the claim at once: a worker runs a job only after its conditional
    UPDATE of this row succeeded (``core/jobs.py``), so two workers never run one due run twice.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    next_run_at = models.DateTimeField(_("next run"))
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed attempts in a row"), default=0)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_ok = models.BooleanField(_("last run succeeded"), null=True, blank=True)
    last_result = models.CharField(_("last result"), max_length=500, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_failed_at = models.DateTimeField(_("last failed"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self):
        return self.name


class JobRun(models.Model):
    """One run of a background job, kept for ``CITYOPS_JOB_HISTORY_DAYS`` so an operator sees what
    ran and what failed, with the error."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="runs", verbose_name=_("job"))
    worker = models.CharField(_("worker"), max_length=100)
    attempt = models.PositiveIntegerField(_("attempt"), default=1)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    ok = models.BooleanField(_("succeeded"))
    result = models.CharField(_("result"), max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        indexes = [
            models.Index(fields=["job", "-started_at"], name="%(app_label)s_%(class)s_job_started"),
            models.Index(
                fields=["-started_at"],
                condition=models.Q(ok=False),
                name="%(app_label)s_%(class)s_failures",
            ),
            models.Index(fields=["started_at"], name="%(app_label)s_%(class)s_started"),
        ]

    def __str__(self):
        return f"{self.job_id} {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def error_line(self) -> str:
        return self.error.splitlines()[0] if self.error else ""


class RateCounter(models.Model):
    """Hits of one rate limit by one client in one fixed window (``core/ratelimit.py``).

    A row per (key, window start): the window is part of the key, so a count can never outlive its
    window, and a row is added or incremented in one atomic statement on both databases.
    """

    key = models.CharField(max_length=200)
    window_start = models.BigIntegerField(help_text="the window's start, in seconds since the epoch")
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="%(app_label)s_%(class)s_key_window"
            ),
        ]

    def __str__(self):
        return f"{self.key} @ {self.window_start}: {self.hits}"


class ScreenEvent(models.Model):
    """One line of the operations centre's live feed: a new case, a raised alarm, a camera that went
    offline or came back (``core/events.py`` writes and reads them; the screen streams them).

    The title is stored language-neutral: ``title`` is the English message id (marked for
    translation where it is emitted) and ``params`` its named values, so each reader sees the line
    in their own language. Area, village and grid are plain ids (the core knows no geography), set
    by the emitter from the row the event is about, so a user's scope is an equality filter.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=30)
    severity = models.CharField(_("severity"), max_length=10, default="info")
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(_("title values"), default=dict, blank=True)
    area_id = models.BigIntegerField(_("area"), null=True, blank=True)
    village_id = models.BigIntegerField(_("village"), null=True, blank=True)
    grid_id = models.BigIntegerField(_("grid"), null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("screen event")
        verbose_name_plural = _("screen events")
        indexes = [
            models.Index(fields=["at"], name="%(app_label)s_%(class)s_at"),
            models.Index(fields=["village_id", "id"], name="%(app_label)s_%(class)s_village"),
            models.Index(fields=["grid_id", "id"], name="%(app_label)s_%(class)s_grid"),
        ]

    def __str__(self):
        return f"{self.id} {self.kind}"
