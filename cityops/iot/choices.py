"""Enums of the IoT platform, each with the colour every page and the big screen show it in.

Every colour is a text colour (a badge's label on a 10 % tint of it, a count, white on a map cluster),
dark enough for 4.5:1 (WCAG AA, tests/core/test_contrast.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceStatus(models.TextChoices):
    ACTIVE = "active", _("In service")
    MAINTENANCE = "maintenance", _("Under maintenance")
    RETIRED = "retired", _("Retired")

    @property
    def colour(self) -> str:
        return {"active": "#237804", "maintenance": "#876800", "retired": "#595959"}[self.value]


class Connectivity(models.TextChoices):
    """Whether readings arrive: set by the ingest worker and the offline sweeper."""

    NEVER = "never", _("Never reported")
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("Offline")

    @property
    def colour(self) -> str:
        return {"never": "#6b6b6b", "online": "#237804", "offline": "#cf1322"}[self.value]


class Grain(models.IntegerChoices):
    """Width of a rolled-up bucket, in seconds."""

    MINUTE = 60, _("1 minute")
    HOUR = 3600, _("1 hour")
    DAY = 86400, _("1 day")


class RuleKind(models.TextChoices):
    THRESHOLD = "threshold", _("Threshold with hysteresis and duration")
    RATE = "rate", _("Rate of change")
    OFFLINE = "offline", _("No data")
    COMBINATION = "combination", _("Combination of rules")


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    MAJOR = "major", _("Major")
    MINOR = "minor", _("Minor")
    WARNING = "warning", _("Warning")

    @property
    def colour(self) -> str:
        return SEVERITY_COLOURS[self.value]

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.value]


SEVERITY_COLOURS = {"critical": "#820014", "major": "#cf1322", "minor": "#ad4e00", "warning": "#876800"}
SEVERITY_RANK = {"critical": 4, "major": 3, "minor": 2, "warning": 1}


class AlarmStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLEARED = "cleared", _("Cleared")

    @property
    def colour(self) -> str:
        return {"active": "#cf1322", "cleared": "#237804"}[self.value]


class DeadLetterReason(models.TextChoices):
    MALFORMED = "malformed", _("Malformed message")
    OVERSIZED = "oversized", _("Message too large")
    UNKNOWN_DEVICE = "unknown_device", _("Unknown device")
    WRONG_TOPIC = "wrong_topic", _("Device publishing for another device")
    UNKNOWN_QUANTITY = "unknown_quantity", _("Quantity not measured by the device type")
    UNIT = "unit", _("Wrong unit")
    OUT_OF_RANGE = "out_of_range", _("Value outside the physical range")
    TIME = "time", _("Timestamp too far in the future or past")
    INACTIVE_DEVICE = "inactive_device", _("Device retired")

    @property
    def colour(self) -> str:
        return "#cf1322" if self.value in ("wrong_topic", "unknown_device") else "#ad4e00"


class IngestSource(models.TextChoices):
    MQTT = "mqtt", _("MQTT")
    HTTP = "http", _("HTTP")
    STA = "sta", _("SensorThings API")
