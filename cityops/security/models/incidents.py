"""Network security incidents (网络安全事件): their category and grade, the six response steps, the
report timers and the timeline.

An incident is town-wide (it has no place in the grid); only the security officer and the auditor
read it (``security.view``), only the security officer changes it (``security.respond``). Drills are
incidents with ``drill`` set: recorded and timed the same way, counted in no real figure.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityops.core.scoping import ScopedManager
from cityops.security.choices import EntryKind, Grade, IncidentStatus, StepKind, TimerKind
from cityops.security.models.register import InfoSystem


class Incident(models.Model):
    number = models.CharField(_("incident number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=40)
    subcategory = models.CharField(_("subcategory"), max_length=60)
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices)
    discovered_at = models.DateTimeField(_("discovered"))
    registered_at = models.DateTimeField(_("registered"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    registered_by_name = models.CharField(_("registered by"), max_length=150)
    drill = models.BooleanField(_("drill"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    summary = models.TextField(_("review summary"), blank=True)
    version = models.PositiveIntegerField(default=1)
    systems = models.ManyToManyField(
        InfoSystem, through="IncidentSystem", related_name="incidents", verbose_name=_("affected systems")
    )

    objects = ScopedManager()
    scope_paths: dict = {}

    class Meta:
        ordering = ["-discovered_at", "-id"]
        verbose_name = _("security incident")
        verbose_name_plural = _("security incidents")
        indexes = [
            models.Index(fields=["status", "drill", "grade"], name="%(app_label)s_%(class)s_open"),
            models.Index(fields=["-discovered_at"], name="%(app_label)s_%(class)s_discovered"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__in=Grade.values), name="%(app_label)s_%(class)s_grade_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=IncidentStatus.OPEN, closed_at__isnull=True)
                | Q(status=IncidentStatus.CLOSED, closed_at__isnull=False),
                name="%(app_label)s_%(class)s_closed_when",
            ),
        ]

    def __str__(self):
        return self.number


class IncidentSystem(models.Model):
    """An information system the incident affects."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    system = models.ForeignKey(InfoSystem, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "system"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self):
        return f"{self.incident_id} {self.system_id}"


class IncidentStep(models.Model):
    """One of the six response steps: who answers for it (a name and unit: owners are often outside
    cityops, a vendor's engineer or the department's IT staff) and, once done, when and who recorded it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=12, choices=StepKind.choices)
    position = models.PositiveSmallIntegerField()
    owner = models.CharField(_("owner"), max_length=150, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    recorded_by = models.CharField(_("recorded by"), max_length=150, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["incident", "position"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self):
        return f"{self.incident_id} {self.kind}"


class ReportTimer(models.Model):
    """A report the incident owes and its clock: when it started, when it falls due and when the
    warning comes (on the wall clock, or on the working calendar where the rule says working days),
    when it was met, and when the worker warned and found it overdue (each once)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timers")
    kind = models.CharField(_("report"), max_length=10, choices=TimerKind.choices)
    working_days = models.BooleanField(_("counted in working days"), default=False)
    amount = models.PositiveIntegerField(_("time allowed"))
    rule = models.CharField(_("rule"), max_length=300)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn from"), null=True, blank=True)
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["incident", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind"], name="%(app_label)s_%(class)s_once"),
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(met_at__isnull=True), name="%(app_label)s_%(class)s_pending"
            ),
        ]

    def __str__(self):
        return f"{self.incident_id} {self.kind}"


class IncidentEntry(models.Model):
    """A line of the incident's timeline, kept for the report."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    actor_name = models.CharField(_("by"), max_length=150)
    text = models.TextField(_("text"))
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["incident", "at", "id"]

    def __str__(self):
        return f"{self.incident_id} {self.kind}"
