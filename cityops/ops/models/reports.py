"""The archive of operations reports: one row per period, kind and scope, with its two files."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.core.scoping import ScopedManager
from cityops.geo.models import Area, Village

__all__ = ["Report", "ReportKind", "ReportStatus"]


class ReportKind(models.TextChoices):
    WEEK = "week", _("Weekly")
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    YEAR = "year", _("Yearly")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class Report(models.Model):
    """A report of one period for the town (no area, no village), an area or a village.

    A row is made once per (kind, start, scope): the schedule and every request for the same
    report find the same row. The reports job claims a queued row by a conditional UPDATE,
    advances ``progress`` as it goes and stores the files under MEDIA_ROOT/ops-reports/, which only
    the download view serves (it checks the reader's scope).
    """

    kind = models.CharField(_("kind"), max_length=8, choices=ReportKind.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    scope_key = models.CharField(max_length=32, editable=False)  # town, area:<id>, village:<id>
    status = models.CharField(
        _("status"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)  # per cent
    step = models.CharField(_("step"), max_length=80, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # null: made by the schedule
    requested_at = models.DateTimeField(_("requested"))
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # a stale one is a dead worker's
    finished_at = models.DateTimeField(_("generated"), null=True, blank=True)
    error = models.TextField(blank=True)
    cases = models.PositiveIntegerField(_("cases registered"), default=0)
    xlsx_name = models.CharField(max_length=200, blank=True)
    xlsx_size = models.PositiveIntegerField(default=0)
    pdf_name = models.CharField(max_length=200, blank=True)
    pdf_size = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)  # how long the making took

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id"}

    class Meta:
        ordering = ["-start", "kind", "scope_key"]
        verbose_name = _("operations report")
        verbose_name_plural = _("operations reports")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "start", "scope_key"], name="%(app_label)s_%(class)s_once"
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="%(app_label)s_%(class)s_progress"
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="ops_report_queue_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.start} {self.scope_key}"
