"""Patrols: planned visits per grid and inspector, patrol sessions with GPS tracks, daily coverage."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityops.core.models import TimeStampedModel
from cityops.core.scoping import ScopedManager
from cityops.geo.models import Area, Grid, Village

PLAN_KINDS = [("all", _("All items")), ("component", _("Components")), ("event", _("Events"))]


class PatrolPlan(TimeStampedModel):
    """An inspector is to patrol a grid so many times a week for one kind of item."""

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patrol_plans"
    )
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="patrol_plans")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+")
    item_kind = models.CharField(_("item kind"), max_length=10, choices=PLAN_KINDS, default="all")
    visits_per_week = models.PositiveSmallIntegerField(_("visits per week"), default=5)
    min_minutes = models.PositiveSmallIntegerField(_("minutes in the grid that make a visit"), default=30)
    active = models.BooleanField(default=True)

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["inspector", "grid", "item_kind"], name="%(app_label)s_%(class)s_unique"
            ),
            models.CheckConstraint(
                condition=Q(visits_per_week__gte=1, visits_per_week__lte=21),
                name="%(app_label)s_%(class)s_visits_range",
            ),
        ]

    def __str__(self):
        return f"{self.inspector_id} → {self.grid_id} ×{self.visits_per_week}/wk"


class PatrolSession(models.Model):
    """One patrol walked by an inspector (check-in to check-out) with its GPS track in chunks."""

    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="patrol_sessions")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_point_at = models.DateTimeField(null=True, blank=True)
    points = models.PositiveIntegerField(default=0)
    distance_m = models.FloatField(default=0)
    minutes_inside = models.FloatField(_("minutes inside the grid"), default=0)

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["grid", "started_at"], name="cases_patrol_grid_day_idx")]

    def __str__(self):
        return f"{self.inspector_id}@{self.grid_id} {self.started_at:%Y-%m-%d %H:%M}"


class PatrolTrackChunk(models.Model):
    """A batch of GPS points sent by the phone; (session, seq) makes a resend harmless."""

    session = models.ForeignKey(PatrolSession, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    points = models.JSONField(help_text=_("[[lon, lat, unix seconds, accuracy m], …]"))
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="%(app_label)s_%(class)s_unique")
        ]

    def __str__(self):
        return f"{self.session_id}#{self.seq}"


class PatrolCoverage(models.Model):
    """A grid's patrols on one day: visits against the plan and the share of the grid walked."""

    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="coverage")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(db_index=True)
    planned_visits = models.FloatField(default=0)
    visits = models.PositiveSmallIntegerField(default=0)
    minutes = models.FloatField(default=0)
    coverage = models.FloatField(_("share of the grid walked"), default=0)
    missed = models.BooleanField(default=False)

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["grid", "day"], name="%(app_label)s_%(class)s_unique")]

    def __str__(self):
        return f"{self.grid_id} {self.day}"
