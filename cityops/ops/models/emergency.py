"""Emergency command: response plans, incidents, their tasks and timeline, and the resources.

An incident carries the area, village and grid of the smallest unit that holds all its affected
grids (none at a level when they spread over more than one unit there), so that scope is the same
one-filter ``restrict`` as everywhere: a village dispatcher sees incidents inside their village, the
town's duty officer sees all. A task carries its incident's scope through ``incident__``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityops.core.models import TimeStampedModel
from cityops.core.scoping import ScopedManager
from cityops.geo.models import Area, Grid, Place, Village
from cityops.ops.choices.emergency import (
    EntryKind,
    IncidentKind,
    IncidentStatus,
    Level,
    ResourceKind,
    ResourceState,
    TaskStatus,
)
from cityops.org.models import Department, Workstation

__all__ = [
    "Incident",
    "IncidentGrid",
    "IncidentTask",
    "PlanTask",
    "Resource",
    "ResponsePlan",
    "TimelineEntry",
]


class ResponsePlan(TimeStampedModel):
    """A response plan (预案): the tasks to start when an incident of one kind and level is declared."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("incident type"), max_length=20, choices=IncidentKind.choices)
    level = models.CharField(_("level"), max_length=1, choices=Level.choices)
    description = models.TextField(_("description"), blank=True)

    objects = ScopedManager()
    scope_paths: dict = {}

    class Meta:
        ordering = ["kind", "level"]
        verbose_name = _("response plan")
        verbose_name_plural = _("response plans")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "level"], name="%(app_label)s_%(class)s_one_per_kind_level"
            )
        ]

    def __str__(self):
        return self.name


class PlanTask(models.Model):
    """One task of a plan: to a department, or to every affected village's workstation."""

    plan = models.ForeignKey(ResponsePlan, on_delete=models.CASCADE, related_name="tasks")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("task"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_affected_villages = models.BooleanField(
        _("to the affected villages' workstations"),
        default=False,
        help_text=_("one task to the workstation of each village with an affected grid"),
    )
    deadline_minutes = models.PositiveIntegerField(
        _("deadline (minutes after activation)"), help_text=_("on the clock: nights and holidays count")
    )

    class Meta:
        ordering = ["plan", "order", "id"]
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_one_assignee",
                condition=(
                    Q(department__isnull=False, to_affected_villages=False)
                    | Q(department__isnull=True, to_affected_villages=True)
                ),
            ),
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_deadline_positive", condition=Q(deadline_minutes__gt=0)
            ),
        ]

    def __str__(self):
        return self.title


class Incident(TimeStampedModel):
    """An emergency: its type, level, affected grids, where it started and how it was raised."""

    kind = models.CharField(_("incident type"), max_length=20, choices=IncidentKind.choices, db_index=True)
    level = models.CharField(_("level"), max_length=1, choices=Level.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    started_at = models.DateTimeField(_("started"))
    lon = models.FloatField()
    lat = models.FloatField()
    address = models.CharField(_("address"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=IncidentStatus.choices, default=IncidentStatus.OPEN, db_index=True
    )
    drill = models.BooleanField(
        _("drill"), default=False, help_text=_("an exercise: kept out of every real figure")
    )
    grids = models.ManyToManyField(Grid, through="IncidentGrid", related_name="+")
    source_case_id = models.BigIntegerField(_("raised from case"), null=True, blank=True, db_index=True)
    source_case_number = models.CharField(_("case number"), max_length=32, blank=True)
    source_alarm_id = models.BigIntegerField(_("raised from alarm"), null=True, blank=True, db_index=True)
    plan = models.ForeignKey(
        ResponsePlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plan"),
    )
    plan_activated_at = models.DateTimeField(_("plan activated"), null=True, blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["status", "drill", "level"], name="ops_incident_open_level_idx")]
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_closed_at",
                condition=Q(status="open", closed_at__isnull=True)
                | Q(status="closed", closed_at__isnull=False),
            )
        ]

    def __str__(self):
        return self.title

    @property
    def level_enum(self) -> Level:
        return Level(self.level)


class IncidentGrid(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "grid"], name="%(app_label)s_%(class)s_once")
        ]

    def __str__(self):
        return f"{self.incident_id}:{self.grid_id}"


class IncidentTask(TimeStampedModel):
    """A task of an incident, to one department or one workstation, with a deadline on the clock."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    plan_task = models.ForeignKey(
        PlanTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("task"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    workstation = models.ForeignKey(
        Workstation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deadline_at = models.DateTimeField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.ASSIGNED
    )
    blocked_reason = models.CharField(_("why blocked"), max_length=300, blank=True)
    status_at = models.DateTimeField(_("status since"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    objects = ScopedManager()
    scope_paths = {
        "area": "incident__area_id",
        "village": "incident__village_id",
        "grid": "incident__grid_id",
    }

    class Meta:
        ordering = ["deadline_at", "id"]
        verbose_name = _("incident task")
        verbose_name_plural = _("incident tasks")
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_one_assignee",
                condition=(
                    Q(department__isnull=False, workstation__isnull=True)
                    | Q(department__isnull=True, workstation__isnull=False)
                ),
            )
        ]

    def __str__(self):
        return self.title

    @property
    def assignee(self):
        return self.department or self.workstation


class TimelineEntry(models.Model):
    """One line of an incident's timeline: every change, in order, with who made it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150)
    text = models.TextField(_("what happened"))
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        indexes = [models.Index(fields=["incident", "at"], name="ops_timeline_incident_at_idx")]

    def __str__(self):
        return f"{self.incident_id} {self.kind} {self.at.isoformat()}"


class Resource(TimeStampedModel):
    """A team, vehicle, shelter or stock of supplies: where it is, how much it holds, its state."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=10, choices=ResourceKind.choices, db_index=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), help_text=_("people for a team or a shelter, seats, units")
    )
    capacity_unit = models.CharField(_("unit"), max_length=20, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=ResourceState.choices, default=ResourceState.AVAILABLE
    )
    lon = models.FloatField()
    lat = models.FloatField()
    address = models.CharField(_("address"), max_length=200, blank=True)
    place = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("the shelter's place"),
    )
    incident = models.ForeignKey(
        Incident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("deployed to"),
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_deployed_to",
                condition=Q(state="deployed", incident__isnull=False)
                | (~Q(state="deployed") & Q(incident__isnull=True)),
            )
        ]

    def __str__(self):
        return self.name
