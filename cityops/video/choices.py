"""Enums of the video platform, each with the colour every page and the big screen show it in.

Every colour is a text colour (a badge's label on a 10 % tint of it, a count, white on a map
cluster), dark enough for 4.5:1 (WCAG AA, tests/core/test_contrast.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectKind(models.TextChoices):
    """What a project's cameras watch; sets the online-rate target it is assessed against."""

    PUBLIC_SECURITY = "public_security", _("Public security (key public areas)")
    KITCHEN = "kitchen", _("Bright kitchens (school canteens)")
    CITY_MANAGEMENT = "city_management", _("City management")
    OTHER = "other", _("Other industry")

    @property
    def target_rate(self) -> float:
        """完好率 target: 98 % in key public areas, 95 % in key industries (发改高技〔2015〕996号)."""
        return 98.0 if self.value == "public_security" else 95.0

    @property
    def colour(self) -> str:
        return {
            "public_security": "#0958d9",
            "kitchen": "#ad4e00",
            "city_management": "#237804",
            "other": "#595959",
        }[self.value]


class BuildStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    BUILDING = "building", _("Under construction")
    BUILT = "built", _("Built")
    ACCEPTED = "accepted", _("Accepted")

    @property
    def colour(self) -> str:
        return {"planned": "#595959", "building": "#876800", "built": "#0958d9", "accepted": "#237804"}[
            self.value
        ]

    @property
    def rank(self) -> int:
        return BUILD_ORDER.index(self.value)


BUILD_ORDER = ["planned", "building", "built", "accepted"]
# Only a built or accepted channel is expected to be online; online rates count these.
IN_SERVICE = frozenset({BuildStatus.BUILT, BuildStatus.ACCEPTED})


class Health(models.TextChoices):
    UNKNOWN = "unknown", _("Not yet probed")
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("Offline")

    @property
    def colour(self) -> str:
        return {"unknown": "#595959", "online": "#237804", "offline": "#cf1322"}[self.value]


class HealthSource(models.TextChoices):
    """What decided a channel's health: the RTSP prober, a GB/T 28181 keepalive, or a person."""

    RTSP = "rtsp", _("RTSP probe")
    SIP = "sip", _("GB/T 28181 keepalive")
    MANUAL = "manual", _("Set by hand")


class KitchenRoom(models.TextChoices):
    """The rooms of a school canteen a bright-kitchen camera must show (明厨亮灶)."""

    STORE = "store", _("Store room")
    PREP = "prep", _("Rough processing")
    COOKING = "cooking", _("Cooking")
    COLD = "cold", _("Cold dishes room")
    WASHING = "washing", _("Washing and disinfection")
    SAMPLE = "sample", _("Sample retention")


class Scene(models.TextChoices):
    KITCHEN = "kitchen", _("Kitchen")
    STREET = "street", _("Street")


class AlertStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    CASE_OPENED = "case_opened", _("Case opened")
    DUPLICATE = "duplicate", _("Duplicate (suppressed)")
    NO_CASE = "no_case", _("No case (below confidence or unmapped)")
    CASE_FAILED = "case_failed", _("Case could not be opened")
    CASE_CLOSED = "case_closed", _("Case closed")

    @property
    def colour(self) -> str:
        return {
            "received": "#0958d9",
            "case_opened": "#ad4e00",
            "duplicate": "#595959",
            "no_case": "#595959",
            "case_failed": "#cf1322",
            "case_closed": "#237804",
        }[self.value]


class SipTransport(models.TextChoices):
    UDP = "udp", "UDP"
    TCP = "tcp", "TCP"
