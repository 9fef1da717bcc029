"""The IoT panel on the operations centre's screen (``cityops.core.screen``): active alarms by
severity and devices in service by connectivity, in one unit of the town, now."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from cityops.core.screen import Unit, panel
from cityops.iot.choices import AlarmStatus, Connectivity, DeviceStatus, Severity
from cityops.iot.models import Alarm, Device


@panel("iot.figures", title=_("Sensors and alarms"), action="iot.view", order=20)
def iot_figures(user, unit: Unit) -> dict:
    alarms = dict.fromkeys(Severity.values, 0)
    active = Alarm.objects.restrict(user, "iot.view").filter(status=AlarmStatus.ACTIVE, **unit.filter())
    for r in active.order_by().values("severity").annotate(n=Count("id")):
        alarms[r["severity"]] = r["n"]
    devices = dict.fromkeys(Connectivity.values, 0)
    in_service = Device.objects.restrict(user, "iot.view").filter(status=DeviceStatus.ACTIVE, **unit.filter())
    for r in in_service.order_by().values("connectivity").annotate(n=Count("id")):
        devices[r["connectivity"]] = r["n"]
    return {
        "alarms": alarms,
        "alarms_active": sum(alarms.values()),
        "devices": devices,
        "severity_labels": {s.value: str(s.label) for s in Severity},
        "severity_colours": {s.value: s.colour for s in Severity},
    }


def device_points(user, unit: Unit, limit: int = 500) -> list[dict]:
    """The devices in service standing in a unit, with an active alarm's severity (a map layer)."""
    qs = Device.objects.restrict(user, "iot.view").filter(status=DeviceStatus.ACTIVE, **unit.filter())
    alarmed = dict(
        Alarm.objects.restrict(user, "iot.view")
        .filter(status=AlarmStatus.ACTIVE, **unit.filter())
        .order_by("device_id")
        .values_list("device_id", "severity")
    )
    return [
        {
            "code": d.code,
            "name": d.name,
            "lon": d.lon,
            "lat": d.lat,
            "online": d.connectivity == Connectivity.ONLINE,
            "alarm": alarmed.get(d.pk),
        }
        for d in qs.order_by("code")[:limit]
    ]
