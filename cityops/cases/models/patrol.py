"""Patrols: planned visits per grid and inspector, patrol sessions with GPS tracks, daily coverage."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityops.core.models import TimeStampedModel
from cityops.core.scoping import ScopedManager
from cityops.geo.models import Area, Grid, Village


class PlanKind(models.TextChoices):
    """The kind of patrol item a plan's visits look for."""

    ALL = "all", _("All items")
    COMPONENT = "component", _("Components")
    EVENT = "event", _("Events")


class SessionState(models.TextChoices):
    """How a patrol session stands or ended, with its display colour."""

    OPEN = "open", _("On patrol")
    CHECKOUT = "checkout", _("Checked out")
    TIMEOUT = "timeout", _("Closed by the sweeper")
    IMPORTED = "imported", _("Imported")

    @property
    def colour(self) -> str:
        return SESSION_COLOURS[self.value]


SESSION_COLOURS = {"open": "#0958d9", "checkout": "#237804", "timeout": "#ad4e00", "imported": "#595959"}


class PatrolPlan(TimeStampedModel):
    """An inspector is to patrol a grid so many times a week for one kind of item.

    The plan counts from ``valid_from`` until the day before ``valid_until`` (set when it is
    deactivated), so past days keep the plans they had when coverage is recomputed.
    """

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patrol_plans"
    )
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="patrol_plans")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+")
    item_kind = models.CharField(
        _("item kind"), max_length=10, choices=PlanKind.choices, default=PlanKind.ALL
    )
    visits_per_week = models.PositiveSmallIntegerField(_("visits per week"), default=5)
    min_minutes = models.PositiveSmallIntegerField(_("minutes in the grid that make a visit"), default=30)
    active = models.BooleanField(default=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until (exclusive)"), null=True, blank=True)

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        ordering = ["grid", "inspector", "item_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspector", "grid", "item_kind"], name="%(app_label)s_%(class)s_unique"
            ),
            models.CheckConstraint(
                condition=Q(visits_per_week__gte=1, visits_per_week__lte=21),
                name="%(app_label)s_%(class)s_visits_range",
            ),
            models.CheckConstraint(
                condition=Q(min_minutes__gte=1, min_minutes__lte=720),
                name="%(app_label)s_%(class)s_minutes_range",
            ),
        ]

    def __str__(self):
        return f"{self.inspector_id} → {self.grid_id} {self.item_kind} ×{self.visits_per_week}/wk"


class PatrolSession(models.Model):
    """One patrol walked by an inspector (check-in to check-out) with its GPS track in chunks.

    ``points``, ``distance_m``, ``minutes_inside`` and the last point are kept up to date as
    chunks arrive, so lists and coverage never re-read the track to show them.
    """

    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="patrol_sessions")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(db_index=True)
    start_lon = models.FloatField(_("check-in longitude"))
    start_lat = models.FloatField(_("check-in latitude"))
    ended_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=SessionState.choices, default=SessionState.OPEN)
    last_point_at = models.DateTimeField(null=True, blank=True)
    last_lon = models.FloatField(null=True, blank=True)
    last_lat = models.FloatField(null=True, blank=True)
    points = models.PositiveIntegerField(default=0)
    distance_m = models.FloatField(default=0)
    minutes_inside = models.FloatField(_("minutes inside the grid"), default=0)

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["grid", "started_at"], name="cases_patrol_grid_day_idx"),
            models.Index(fields=["inspector", "started_at"], name="cases_patrol_insp_day_idx"),
            models.Index(
                fields=["started_at"], condition=Q(ended_at__isnull=True), name="cases_patrol_open_idx"
            ),
        ]
        constraints = [
            # one patrol at a time: a retried check-in finds the open session instead of a second one
            models.UniqueConstraint(
                fields=["inspector"],
                condition=Q(ended_at__isnull=True),
                name="%(app_label)s_%(class)s_one_open",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, state="open")
                | Q(ended_at__isnull=False) & ~Q(state="open"),
                name="%(app_label)s_%(class)s_state_matches_end",
            ),
        ]

    def __str__(self):
        return f"{self.inspector_id}@{self.grid_id} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def state_colour(self) -> str:
        return SessionState(self.state).colour


class PatrolTrackChunk(models.Model):
    """A batch of GPS points sent by the phone; (session, seq) makes a resend harmless.

    ``points`` holds the points kept after validation (inaccurate fixes are dropped).
    """

    session = models.ForeignKey(PatrolSession, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    points = models.JSONField(help_text=_("[[lon, lat, unix seconds, accuracy m], …]"))
    dropped = models.PositiveIntegerField(_("points dropped as inaccurate"), default=0)
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
    working_day = models.BooleanField(default=True)
    planned_visits = models.FloatField(default=0)
    expected_visits = models.PositiveSmallIntegerField(default=0)
    visits = models.PositiveSmallIntegerField(default=0)
    sessions = models.PositiveSmallIntegerField(default=0)
    minutes = models.FloatField(default=0)
    coverage = models.FloatField(_("share of the grid walked"), default=0)
    missed = models.BooleanField(default=False)
    computed_at = models.DateTimeField()

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        ordering = ["day", "grid"]
        constraints = [models.UniqueConstraint(fields=["grid", "day"], name="%(app_label)s_%(class)s_unique")]
        indexes = [models.Index(fields=["day", "village"], name="cases_coverage_day_vil_idx")]

    def __str__(self):
        return f"{self.grid_id} {self.day}"

    @property
    def colour(self) -> str:
        if self.missed:
            return "#cf1322"
        if not self.planned_visits:
            return "#8c8c8c"
        return "#389e0d" if self.visits >= self.expected_visits else "#d4b106"
