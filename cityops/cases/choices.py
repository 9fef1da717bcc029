"""Enums of grid governance, each with its label and display colour."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ColouredChoices(models.TextChoices):
    @property
    def colour(self) -> str:
        return COLOURS[f"{type(self).__name__}.{self.value}"]


class ItemKind(ColouredChoices):
    COMPONENT = "component", _("Component")  # 部件
    EVENT = "event", _("Event")  # 事件


class Urgency(ColouredChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class LimitUnit(models.TextChoices):
    MINUTES = "minutes", _("working minutes")
    HOURS = "hours", _("working hours")
    DAYS = "days", _("working days")


class Channel(ColouredChoices):
    PATROL = "patrol", _("Inspector patrol")
    RESIDENT = "resident", _("Resident report")
    OPEN311 = "open311", _("Open311 client")
    HOTLINE = "hotline", _("Hotline 12345")
    IOT = "iot", _("IoT alarm")
    VIDEO = "video", _("Video AI alert")


RESIDENT_CHANNELS = frozenset({Channel.RESIDENT, Channel.OPEN311, Channel.HOTLINE})


class Status(ColouredChoices):
    REPORTED = "reported", _("Reported")  # 待受理
    VERIFYING = "verifying", _("Verifying on site")  # 待核实
    VERIFIED = "verified", _("Verified, to register")  # 已核实, 待立案
    REGISTERED = "registered", _("Registered")  # 已立案, to dispatch
    SELF_DISPOSED = "self_disposed", _("Disposed on the spot")  # 自处置, awaiting approval
    DISPATCHED = "dispatched", _("Dispatched")  # 已派遣
    ACCEPTED = "accepted", _("Being disposed")  # 处置中
    DISPOSED = "disposed", _("Awaiting re-check")  # 待核查
    ON_HOLD = "on_hold", _("On hold")  # 挂账
    CLOSED = "closed", _("Closed")  # 结案
    CANCELLED = "cancelled", _("Cancelled")  # 不予立案/作废


OPEN_STATUSES = frozenset(set(Status) - {Status.CLOSED, Status.CANCELLED})


class DeadlineColour(ColouredChoices):
    GREEN = "green", _("In time")
    YELLOW = "yellow", _("Due soon")
    RED = "red", _("Overdue")
    NONE = "none", _("No deadline")


class EscalationLevel(models.IntegerChoices):
    VILLAGE = 0, _("Village workstation")
    AREA = 1, _("Area workstation")
    TOWN = 2, _("Town command centre")


# Text colours: a badge writes its label in the colour on a 10 % tint of it, a big screen writes white
# on it, so each is dark enough for 4.5:1 either way (WCAG AA, tests/core/test_contrast.py).
# The deadline colours are the traffic light's, drawn only as dots and pins beside a text.
COLOURS = {
    "ItemKind.component": "#2f54eb",
    "ItemKind.event": "#006d75",
    "Urgency.normal": "#595959",
    "Urgency.urgent": "#cf1322",
    "Channel.patrol": "#237804",
    "Channel.resident": "#ad4e00",
    "Channel.open311": "#873800",
    "Channel.hotline": "#c41d7f",
    "Channel.iot": "#1d39c4",
    "Channel.video": "#531dab",
    "Status.reported": "#0958d9",
    "Status.verifying": "#006d75",
    "Status.verified": "#00474f",
    "Status.registered": "#2f54eb",
    "Status.self_disposed": "#3f6600",
    "Status.dispatched": "#ad4e00",
    "Status.accepted": "#873800",
    "Status.disposed": "#722ed1",
    "Status.on_hold": "#595959",
    "Status.closed": "#237804",
    "Status.cancelled": "#6b6b6b",
    "DeadlineColour.green": "#52c41a",
    "DeadlineColour.yellow": "#faad14",
    "DeadlineColour.red": "#f5222d",
    "DeadlineColour.none": "#d9d9d9",
}
