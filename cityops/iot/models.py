"""Devices, their streams of readings, the storage tiers of those readings, rules and alarms.

Storage tiers (see docs/iot.md):
- ``Reading``: raw readings, one row each, kept ``DeviceType.raw_days``. Its primary key packs the
  datastream id and the time (``observation_id``), so a datastream's readings over a period are one
  primary-key range scan, a duplicate (same stream, same millisecond) is refused by the key itself,
  and the id stays the same when the reading moves into a block.
- ``ReadingBlock``: the readings of one datastream and hour, compressed into one binary value
  after the raw period; the same readings, losslessly.
- ``Rollup``: min/max/sum/count per datastream and minute, hour or day, kept per grain.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.core.models import TimeStampedModel
from cityops.core.scoping import ScopedManager
from cityops.geo.models import Area, Grid, Village
from cityops.iot.choices import (
    AlarmStatus,
    Connectivity,
    DeadLetterReason,
    DeviceStatus,
    Grain,
    IngestSource,
    RuleKind,
    Severity,
)

# Observation ids: datastream id in the high bits, milliseconds since OBSERVATION_EPOCH in the low
# 41 bits (69 years: up to 2089); 22 bits remain for about 4 million datastreams in a signed bigint.
OBSERVATION_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
TIME_BITS = 41
TIME_MASK = (1 << TIME_BITS) - 1
MAX_DATASTREAM_ID = (1 << (63 - TIME_BITS)) - 1


def observation_id(datastream_id: int, time: datetime) -> int:
    """The id of the reading of ``datastream_id`` at ``time`` (millisecond precision)."""
    ms = round((time - OBSERVATION_EPOCH).total_seconds() * 1000)
    if not 0 <= ms <= TIME_MASK:
        raise ValueError(f"time {time.isoformat()} is outside 2020–2089")
    return (datastream_id << TIME_BITS) | ms


def observation_parts(obs_id: int) -> tuple[int, int]:
    """(datastream id, milliseconds since OBSERVATION_EPOCH) of an observation id."""
    return obs_id >> TIME_BITS, obs_id & TIME_MASK


class Quantity(TimeStampedModel):
    """A measured quantity (SensorThings ObservedProperty) with its unit."""

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("e.g. pm25, water_level"))
    name = models.CharField(_("name"), max_length=100)
    definition = models.URLField(_("definition"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    unit_name = models.CharField(_("unit name"), max_length=60, blank=True)
    unit_symbol = models.CharField(_("unit symbol"), max_length=20, blank=True)
    unit_definition = models.URLField(_("unit definition"), max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("quantity")
        verbose_name_plural = _("quantities")

    def __str__(self):
        return f"{self.name} ({self.unit_symbol})" if self.unit_symbol else self.name


class DeviceType(TimeStampedModel):
    """A device profile: what it measures, how often it reports, how long its data is kept."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    report_interval_s = models.PositiveIntegerField(_("report interval (s)"), default=60)
    offline_after_s = models.PositiveIntegerField(
        _("offline after (s)"), default=600, help_text=_("no reading for this long makes a device offline")
    )
    raw_days = models.PositiveIntegerField(_("raw readings kept (days)"), default=7)
    block_days = models.PositiveIntegerField(
        _("compacted readings kept (days)"), default=365, help_text=_("0 keeps them for ever")
    )
    minute_days = models.PositiveIntegerField(_("1-minute rollups kept (days)"), default=30)
    hour_days = models.PositiveIntegerField(_("1-hour rollups kept (days)"), default=3 * 365)
    day_days = models.PositiveIntegerField(
        _("1-day rollups kept (days)"), default=0, help_text=_("0 keeps them for ever")
    )
    quantities = models.ManyToManyField(Quantity, through="DeviceTypeQuantity", related_name="device_types")
    properties = models.JSONField(_("properties"), default=dict, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("device type")
        verbose_name_plural = _("device types")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(raw_days__gte=1), name="%(app_label)s_%(class)s_raw_days_min"
            ),
            models.CheckConstraint(
                condition=models.Q(offline_after_s__gte=models.F("report_interval_s")),
                name="%(app_label)s_%(class)s_offline_after_interval",
            ),
        ]

    def __str__(self):
        return self.name


class DeviceTypeQuantity(models.Model):
    """A quantity a device type measures, with its valid physical range (outside it: rejected)."""

    device_type = models.ForeignKey(DeviceType, on_delete=models.CASCADE, related_name="type_quantities")
    quantity = models.ForeignKey(Quantity, on_delete=models.PROTECT, related_name="+")
    min_valid = models.FloatField(_("lowest valid value"), null=True, blank=True)
    max_valid = models.FloatField(_("highest valid value"), null=True, blank=True)

    class Meta:
        ordering = ["device_type", "quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["device_type", "quantity"], name="%(app_label)s_%(class)s_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(min_valid__isnull=True)
                | models.Q(max_valid__isnull=True)
                | models.Q(min_valid__lte=models.F("max_valid")),
                name="%(app_label)s_%(class)s_range_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.device_type.code}/{self.quantity.code}"


class Device(TimeStampedModel):
    """A sensor in the town (SensorThings Thing), located to its grid, with MQTT credentials."""

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("letters, digits, '-' and '_'; also the MQTT user name and topic segment"),
    )
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    device_type = models.ForeignKey(DeviceType, on_delete=models.PROTECT, related_name="devices")
    status = models.CharField(
        _("status"), max_length=12, choices=DeviceStatus.choices, default=DeviceStatus.ACTIVE, db_index=True
    )
    connectivity = models.CharField(
        _("connectivity"),
        max_length=8,
        choices=Connectivity.choices,
        default=Connectivity.NEVER,
        db_index=True,
    )
    lon = models.FloatField()
    lat = models.FloatField()
    address = models.CharField(_("address"), max_length=200, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+")
    install_date = models.DateField(_("install date"), null=True, blank=True)
    secret_hash = models.CharField(
        _("secret hash"),
        max_length=128,
        blank=True,
        help_text=_("of the MQTT/HTTP password; empty: none issued"),
    )
    last_seen_at = models.DateTimeField(_("last reading"), null=True, blank=True)
    properties = models.JSONField(_("properties"), default=dict, blank=True)

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        ordering = ["code"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        indexes = [
            models.Index(fields=["village", "device_type"], name="iot_device_village_type_idx"),
            models.Index(fields=["area", "device_type"], name="iot_device_area_type_idx"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class DeviceLocation(models.Model):
    """Where a device was from ``time`` on (SensorThings HistoricalLocation): one row per move."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="locations")
    time = models.DateTimeField()
    lon = models.FloatField()
    lat = models.FloatField()

    class Meta:
        ordering = ["device", "-time"]
        constraints = [
            models.UniqueConstraint(fields=["device", "time"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self):
        return f"{self.device_id}@{self.time.isoformat()}"


class Datastream(models.Model):
    """One quantity of one device (SensorThings Datastream), with its last value cached."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="datastreams")
    quantity = models.ForeignKey(Quantity, on_delete=models.PROTECT, related_name="datastreams")
    first_time = models.DateTimeField(null=True, blank=True)
    last_time = models.DateTimeField(null=True, blank=True)
    last_value = models.FloatField(null=True, blank=True)
    # Rollups are complete up to ``rolled_until``; a late reading before it sets ``rollup_dirty_from``
    # and the next compaction run re-rolls the periods from there (see cityops.iot.compaction).
    rolled_until = models.DateTimeField(null=True, blank=True)
    rollup_dirty_from = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    scope_paths = {"area": "device__area_id", "village": "device__village_id", "grid": "device__grid_id"}

    class Meta:
        ordering = ["device", "quantity"]
        constraints = [
            models.UniqueConstraint(fields=["device", "quantity"], name="%(app_label)s_%(class)s_unique"),
            models.CheckConstraint(
                condition=models.Q(id__lte=MAX_DATASTREAM_ID), name="%(app_label)s_%(class)s_id_fits"
            ),
        ]

    def __str__(self):
        return f"{self.device_id}/{self.quantity_id}"


class Reading(models.Model):
    """A raw reading. ``id`` is ``observation_id(datastream_id, time)``; see the module docstring."""

    id = models.BigIntegerField(primary_key=True)
    # No foreign key in the database: checking one at commit doubled PostgreSQL's work per reading
    # (docs/benchmarks.md). The ingest writes only datastreams its catalogue holds, and deleting a
    # datastream still deletes its readings (Django's CASCADE).
    datastream = models.ForeignKey(
        Datastream, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    time = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.datastream_id}@{self.time.isoformat()}={self.value}"


class ReadingBlock(models.Model):
    """The readings of one datastream in one hour, losslessly compressed (see cityops.iot.blocks)."""

    datastream = models.ForeignKey(Datastream, on_delete=models.CASCADE, related_name="+", db_index=False)
    start = models.DateTimeField()
    count = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["datastream", "start"]
        constraints = [
            models.UniqueConstraint(fields=["datastream", "start"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self):
        return f"{self.datastream_id}@{self.start.isoformat()} ×{self.count}"


class Rollup(models.Model):
    """Min, max, sum and count of a datastream over one minute, hour or day."""

    datastream = models.ForeignKey(Datastream, on_delete=models.CASCADE, related_name="+", db_index=False)
    grain = models.IntegerField(choices=Grain.choices)
    start = models.DateTimeField()
    count = models.PositiveIntegerField()
    min = models.FloatField()
    max = models.FloatField()
    sum = models.FloatField()

    class Meta:
        ordering = ["datastream", "grain", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["datastream", "grain", "start"], name="%(app_label)s_%(class)s_unique"
            ),
        ]

    def __str__(self):
        return f"{self.datastream_id}/{self.grain}@{self.start.isoformat()}"


class DeadLetter(models.Model):
    """A message the ingest refused, kept whole with the reason so nothing is silently lost."""

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    source = models.CharField(max_length=8, choices=IngestSource.choices)
    topic = models.CharField(max_length=300, blank=True)
    client = models.CharField(_("client or device code"), max_length=100, blank=True)
    device = models.ForeignKey(Device, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=20, choices=DeadLetterReason.choices, db_index=True)
    detail = models.TextField()
    payload = models.BinaryField(help_text=_("the message as received (cut at the size limit)"))
    payload_size = models.PositiveIntegerField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    scope_paths = {"area": "device__area_id", "village": "device__village_id", "grid": "device__grid_id"}

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.reason} {self.received_at.isoformat()}"


class Rule(TimeStampedModel):
    """An alarm rule of a device type, or a per-device override of one (same ``code``)."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    device_type = models.ForeignKey(DeviceType, on_delete=models.CASCADE, related_name="rules")
    device = models.ForeignKey(
        Device,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rules",
        help_text=_("set: an override"),
    )
    quantity = models.ForeignKey(Quantity, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=RuleKind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    params = models.JSONField(_("parameters"), default=dict, help_text=_("by kind; see docs/iot.md"))
    enabled = models.BooleanField(_("enabled"), default=True)
    case_item_code = models.CharField(
        _("patrol item of the case"), max_length=32, blank=True, help_text=_("empty: the alarm opens no case")
    )

    class Meta:
        ordering = ["device_type", "code", "device"]
        constraints = [
            models.UniqueConstraint(
                fields=["device_type", "code"],
                condition=models.Q(device__isnull=True),
                name="%(app_label)s_%(class)s_type_code_unique",
            ),
            models.UniqueConstraint(
                fields=["device", "code"],
                condition=models.Q(device__isnull=False),
                name="%(app_label)s_%(class)s_device_code_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=RuleKind.values), name="%(app_label)s_%(class)s_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(severity__in=Severity.values),
                name="%(app_label)s_%(class)s_severity_valid",
            ),
        ]

    def __str__(self):
        return f"{self.device_type_id}:{self.code}"


class RuleState(models.Model):
    """What a rule remembers about one device between readings (durations, hysteresis), in the database."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    pending_since = models.DateTimeField(null=True, blank=True)
    clearing_since = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=False)
    last_time = models.DateTimeField(null=True, blank=True)
    last_value = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "device"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self):
        return f"{self.rule_id}/{self.device_id}"


class Alarm(TimeStampedModel):
    """An alarm of one rule on one device; at most one active per (device, rule)."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="alarms")
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="alarms")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=AlarmStatus.choices, default=AlarmStatus.ACTIVE
    )
    message = models.CharField(_("message"), max_length=300)
    value = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField(_("started"))
    last_seen_at = models.DateTimeField(_("last triggered"))
    trigger_count = models.PositiveIntegerField(default=1)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case_id = models.BigIntegerField(_("case"), null=True, blank=True, db_index=True)
    case_number = models.CharField(_("case number"), max_length=32, blank=True)
    case_status = models.CharField(
        _("case status"), max_length=16, blank=True, help_text=_("as last read by the alarm follow-up")
    )
    # Opening the case failed: how often it was tried, and when the watcher tries again (null: not
    # to be retried, because a case is open, none is due, or it gave up; see alarms_retry_cases).
    case_attempts = models.PositiveSmallIntegerField(_("attempts to open the case"), default=0)
    case_retry_at = models.DateTimeField(_("next attempt to open the case"), null=True, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()
    scope_paths = {"area": "area_id", "village": "village_id", "grid": "grid_id"}

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["status", "severity", "-started_at"], name="iot_alarm_console_idx"),
            models.Index(fields=["village", "status"], name="iot_alarm_village_status_idx"),
            models.Index(
                fields=["case_retry_at"],
                condition=models.Q(case_retry_at__isnull=False),
                name="iot_alarm_case_retry_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "rule"],
                condition=models.Q(status="active"),
                name="%(app_label)s_%(class)s_one_active",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AlarmStatus.values), name="%(app_label)s_%(class)s_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.rule_id}@{self.device_id} {self.status}"

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class AlarmComment(models.Model):
    """A note on an alarm, by a person or by the system (cleared before dispatch, case closed …)."""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="comments")
    created_at = models.DateTimeField(auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField()

    class Meta:
        ordering = ["alarm", "created_at", "id"]

    def __str__(self):
        return f"{self.alarm_id}: {self.text[:40]}"
