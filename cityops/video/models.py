"""The camera registry, its health, rollups of online time, AI alerts and bright kitchens.

- ``Project`` → ``Site`` (点位, located to its grid) → ``Channel`` (路, one picture, a GB/T 28181
  20-digit ID). A channel copies its site's project, area, village and grid, so scope and the
  online-rate group-bys are filters on the channel's own row.
- ``Group``: the GB/T 28181 business groups (215) and virtual organisations (216) a channel is filed
  under for browsing.
- ``GbDevice``: an NVR, an encoder or a lower platform that registers over SIP; its keepalives mark
  its channels online without RTSP probing.
- Health: the channel row holds the current state and the count of failed probes in a row;
  ``HealthChange`` is the history of transitions, ``Outage`` one row per offline period (with the
  maintenance case it opened) and ``ChannelDay`` the seconds online, offline and unknown per channel
  and day, from which every online rate is computed.
- ``AlertKind`` maps an analytics alert kind to a patrol item; ``Alert`` is one event received.
- ``School`` → ``Canteen``: a bright-kitchen channel names its canteen and room.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.core.models import TimeStampedModel
from cityops.core.scoping import ScopedManager
from cityops.geo.models import Area, Grid, Village
from cityops.video.choices import (
    AlertStatus,
    BuildStatus,
    Health,
    HealthSource,
    KitchenRoom,
    ProjectKind,
    Scene,
    SipTransport,
)

GB_ID_LENGTH = 20


class Project(TimeStampedModel):
    """A construction project of cameras (科技护城墙, 明厨亮灶 …) with what it planned to build."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ProjectKind.choices)
    target_rate = models.FloatField(
        _("online-rate target (%)"), help_text=_("98 in key public areas, 95 in key industries")
    )
    planned_sites = models.PositiveIntegerField(_("planned sites"), default=0)
    planned_channels = models.PositiveIntegerField(_("planned channels"), default=0)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("video project")
        verbose_name_plural = _("video projects")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_rate__gte=0, target_rate__lte=100),
                name="%(app_label)s_%(class)s_target_percent",
            ),
        ]

    def __str__(self):
        return self.name


class Group(TimeStampedModel):
    """A GB/T 28181 business group (type 215) or virtual organisation (216) of the browsing tree."""

    gb_id = models.CharField(_("GB/T 28181 ID"), max_length=GB_ID_LENGTH, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["gb_id"]
        verbose_name = _("virtual organisation")
        verbose_name_plural = _("virtual organisations")

    def __str__(self):
        return self.name

    @property
    def type_code(self) -> str:
        return self.gb_id[10:13]


class Site(TimeStampedModel):
    """A video site (点位): a pole or a room with one or more channels, located to its grid."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="sites")
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150)
    lon = models.FloatField()
    lat = models.FloatField()
    address = models.CharField(_("address"), max_length=200, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        ordering = ["code"]
        verbose_name = _("video site")
        verbose_name_plural = _("video sites")
        indexes = [models.Index(fields=["village", "project"], name="video_site_village_proj_idx")]

    def __str__(self):
        return f"{self.code} {self.name}"


class GbDevice(TimeStampedModel):
    """A device or lower platform that registers with the GB/T 28181 access point."""

    gb_id = models.CharField(_("GB/T 28181 ID"), max_length=GB_ID_LENGTH, unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    firmware = models.CharField(_("firmware"), max_length=100, blank=True)
    password_sealed = models.TextField(
        _("SIP password (sealed)"), blank=True, help_text=_("empty: the access point's shared password")
    )
    transport = models.CharField(
        _("transport"), max_length=3, choices=SipTransport.choices, default=SipTransport.UDP
    )
    host = models.CharField(_("address"), max_length=100, blank=True)
    port = models.PositiveIntegerField(_("port"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True)
    expires_at = models.DateTimeField(_("registration expires"), null=True, blank=True)
    last_keepalive_at = models.DateTimeField(_("last keepalive"), null=True, blank=True)
    keepalive_interval_s = models.PositiveIntegerField(_("keepalive interval (s)"), default=60)
    keepalive_count = models.PositiveIntegerField(_("missed keepalives before offline"), default=3)
    online = models.BooleanField(_("online"), default=False)
    catalog_at = models.DateTimeField(_("last catalog"), null=True, blank=True)

    class Meta:
        ordering = ["gb_id"]
        verbose_name = _("GB/T 28181 device")
        verbose_name_plural = _("GB/T 28181 devices")

    def __str__(self):
        return f"{self.gb_id} {self.name}".strip()


class School(TimeStampedModel):
    """A school whose canteens show their kitchens (明厨亮灶); its food-safety officers see only it."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField()
    lat = models.FloatField()
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+")
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="food_safety_schools", verbose_name=_("officers")
    )

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        ordering = ["code"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self):
        return self.name


class Canteen(TimeStampedModel):
    """A school canteen with the hours its cameras must be online (meal preparation and service)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="canteens")
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150)
    meal_hours = models.JSONField(
        _("meal hours"), default=list, blank=True, help_text=_('e.g. ["06:30-08:30", "10:30-13:00"]')
    )

    objects = ScopedManager()
    scope_paths = {"area": "school__area_id", "village": "school__village_id", "grid": "school__grid_id"}

    class Meta:
        ordering = ["code"]
        verbose_name = _("canteen")
        verbose_name_plural = _("canteens")

    def __str__(self):
        return self.name


class Channel(TimeStampedModel):
    """One picture (路) with its GB/T 28181 ID, streams, build status and health."""

    gb_id = models.CharField(_("GB/T 28181 ID"), max_length=GB_ID_LENGTH, unique=True)
    name = models.CharField(_("name"), max_length=150)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="channels")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="channels")
    group = models.ForeignKey(
        Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="channels"
    )
    device = models.ForeignKey(
        GbDevice, on_delete=models.SET_NULL, null=True, blank=True, related_name="channels"
    )
    vendor = models.CharField(_("vendor"), max_length=60, blank=True)
    model = models.CharField(_("model"), max_length=60, blank=True)
    # Stream addresses without credentials; the user name and password are sealed apart
    # (core/sealed.py) and never shown back, logged or exported.
    main_url = models.CharField(_("main stream"), max_length=300, blank=True)
    sub_url = models.CharField(_("sub stream"), max_length=300, blank=True)
    credentials_sealed = models.TextField(_("stream credentials (sealed)"), blank=True)
    build_status = models.CharField(
        _("build status"), max_length=10, choices=BuildStatus.choices, default=BuildStatus.PLANNED
    )
    planned_on = models.DateField(_("planned on"), null=True, blank=True)
    building_on = models.DateField(_("construction started"), null=True, blank=True)
    built_on = models.DateField(_("built on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    canteen = models.ForeignKey(
        Canteen, on_delete=models.PROTECT, null=True, blank=True, related_name="channels"
    )
    room = models.CharField(_("kitchen room"), max_length=10, choices=KitchenRoom.choices, blank=True)
    lon = models.FloatField()
    lat = models.FloatField()
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+")
    # Health (cityops.video.health): the state, since when, what decided it, the probe record.
    health = models.CharField(
        _("health"), max_length=8, choices=Health.choices, default=Health.UNKNOWN, db_index=True
    )
    health_since = models.DateTimeField(_("health since"), null=True, blank=True)
    health_source = models.CharField(_("decided by"), max_length=6, choices=HealthSource.choices, blank=True)
    failures = models.PositiveIntegerField(_("failed probes in a row"), default=0)
    last_probe_at = models.DateTimeField(_("last probe"), null=True, blank=True)
    last_ok_at = models.DateTimeField(_("last answered"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    last_keepalive_at = models.DateTimeField(_("last keepalive"), null=True, blank=True)
    codec = models.CharField(_("video codec"), max_length=40, blank=True)
    snapshot = models.FileField(_("last snapshot"), upload_to="video/snapshots/", blank=True)
    snapshot_at = models.DateTimeField(_("snapshot taken"), null=True, blank=True)

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        ordering = ["gb_id"]
        verbose_name = _("video channel")
        verbose_name_plural = _("video channels")
        indexes = [
            models.Index(fields=["project", "health"], name="video_channel_proj_health_idx"),
            models.Index(fields=["village", "project"], name="video_channel_village_proj_idx"),
            models.Index(fields=["area", "project"], name="video_channel_area_proj_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(room="") | models.Q(canteen__isnull=False),
                name="%(app_label)s_%(class)s_room_needs_canteen",
            ),
        ]

    def __str__(self):
        return f"{self.gb_id} {self.name}"

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_sealed)


class HealthChange(models.Model):
    """A channel went online or offline (or was first seen), when, on whose word and why."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="health_changes")
    at = models.DateTimeField()
    previous = models.CharField(max_length=8, choices=Health.choices)
    health = models.CharField(max_length=8, choices=Health.choices)
    source = models.CharField(max_length=6, choices=HealthSource.choices)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["channel", "-at", "-id"]
        indexes = [models.Index(fields=["channel", "-at"], name="video_hchange_channel_at_idx")]

    def __str__(self):
        return f"{self.channel_id} {self.previous}→{self.health}@{self.at.isoformat()}"


class Outage(models.Model):
    """One offline period of a channel, and the maintenance case it opened when it lasted."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="outages")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    case_number = models.CharField(max_length=30, blank=True)
    case_error = models.CharField(max_length=300, blank=True)
    area_id = models.BigIntegerField()
    village_id = models.BigIntegerField()
    grid_id = models.BigIntegerField()

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["channel", "-started_at"], name="video_outage_channel_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["channel"],
                condition=models.Q(ended_at__isnull=True),
                name="video_outage_one_open",
            ),
        ]

    def __str__(self):
        return f"{self.channel_id} from {self.started_at.isoformat()}"


class ChannelDay(models.Model):
    """Seconds a channel was online, offline and unknown on one day (the online-rate rollup).

    Project, area and village are copied so that a rate per unit is one indexed GROUP BY."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    project_id = models.BigIntegerField()
    area_id = models.BigIntegerField()
    village_id = models.BigIntegerField()
    online_s = models.PositiveIntegerField(default=0)
    offline_s = models.PositiveIntegerField(default=0)
    unknown_s = models.PositiveIntegerField(default=0)
    # Meal hours only (bright-kitchen channels): the same seconds counted inside the canteen's meal hours.
    meal_online_s = models.PositiveIntegerField(default=0)
    meal_offline_s = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["channel", "day"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "day"], name="%(app_label)s_%(class)s_unique"),
        ]
        indexes = [
            models.Index(fields=["day", "project_id"], name="video_cday_day_project_idx"),
            models.Index(fields=["day", "village_id"], name="video_cday_day_village_idx"),
        ]

    def __str__(self):
        return f"{self.channel_id}@{self.day.isoformat()}"


class AlertKind(TimeStampedModel):
    """What the analytics may report, and which patrol item's case an alert of it opens."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    scene = models.CharField(_("scene"), max_length=10, choices=Scene.choices)
    item_code = models.CharField(
        _("patrol item"), max_length=40, blank=True, help_text=_("empty: alerts of this kind open no case")
    )
    min_confidence = models.FloatField(_("lowest confidence that opens a case"), default=0.6)
    suppress_minutes = models.PositiveIntegerField(
        _("duplicate window (minutes)"),
        default=30,
        help_text=_("another alert of this kind on the same channel within it joins the first"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["scene", "code"]
        verbose_name = _("alert kind")
        verbose_name_plural = _("alert kinds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_confidence__gte=0, min_confidence__lte=1),
                name="%(app_label)s_%(class)s_confidence_range",
            ),
        ]

    def __str__(self):
        return self.name


class Alert(models.Model):
    """One event from the video analytics, kept whole, with the case it opened or joined."""

    source = models.CharField(_("analytics system"), max_length=60)
    event_id = models.CharField(_("event id"), max_length=100)
    kind_code = models.CharField(_("kind"), max_length=40)
    kind = models.ForeignKey(AlertKind, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="alerts")
    at = models.DateTimeField(_("seen at"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    confidence = models.FloatField(_("confidence"))
    snapshot = models.FileField(_("snapshot"), upload_to="video/alerts/", blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=AlertStatus.choices, default=AlertStatus.RECEIVED, db_index=True
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    case_id = models.BigIntegerField(null=True, blank=True)
    case_number = models.CharField(max_length=30, blank=True)
    # A refused intake is tried again (cityops.video.alerts.alerts_retry_cases): attempts so far and when next.
    case_attempts = models.PositiveSmallIntegerField(default=0)
    case_retry_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    area_id = models.BigIntegerField()
    village_id = models.BigIntegerField()
    grid_id = models.BigIntegerField()

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "event_id"], name="%(app_label)s_%(class)s_event_once"),
        ]
        indexes = [
            models.Index(fields=["channel", "kind_code", "-at"], name="video_alert_channel_kind_idx"),
            models.Index(fields=["-at"], name="video_alert_at_idx"),
        ]

    def __str__(self):
        return f"{self.kind_code} {self.channel_id}@{self.at.isoformat()}"
