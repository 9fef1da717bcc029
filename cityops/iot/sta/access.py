"""What the acting user may read or write through the SensorThings API: scoped base querysets."""

from django.db.models import QuerySet

from cityops.iot.models import Datastream, Device, DeviceLocation, DeviceType, Quantity, Reading
from cityops.iot.sta.entities import EntityType

VIEW, CHANGE = "iot.view", "iot.change"


def base_queryset(etype: EntityType, user, action: str = VIEW) -> QuerySet:
    """Rows of ``etype`` visible to ``user`` (a hidden row is simply absent: a 404, not a 403)."""
    name = etype.name
    if name in ("Thing", "Location", "FeatureOfInterest"):
        return Device.objects.restrict(user, action).select_related("device_type")
    if name == "Datastream":
        return Datastream.objects.restrict(user, action).select_related("device__device_type", "quantity")
    if name == "HistoricalLocation":
        devices = Device.objects.restrict(user, action).values("id")
        return DeviceLocation.objects.filter(device_id__in=devices).select_related("device__device_type")
    if name in ("Sensor", "ObservedProperty"):
        # reference data: every user who may see devices may see the types and quantities
        model = DeviceType if name == "Sensor" else Quantity
        return model.objects.all() if user.can(action) else model.objects.none()
    if name == "Observation":
        ids = visible_datastreams(user, action)
        qs = Reading.objects.all()
        return qs if ids is None else qs.filter(datastream_id__in=ids)
    raise KeyError(name)


def visible_datastreams(user, action: str = VIEW) -> list[int] | None:
    """Ids of the datastreams ``user`` may see; None when that is all of them (a town-wide user)."""
    if not user.can(action):
        return []
    scope = user.scope_ids()
    if all(v is None for v in scope.values()) and not user.is_department_bound():
        return None
    return list(Datastream.objects.restrict(user, action).values_list("id", flat=True))
