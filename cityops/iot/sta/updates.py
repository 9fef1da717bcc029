"""PATCH (merge) and DELETE of SensorThings entities, and the one update path that PATCH, PUT
(``replace.py``) and JSON-Patch (``json_patch.py``) share (see docs/sensorthings.md)."""

import math

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from cityops.iot.models import DeviceTypeQuantity, Reading
from cityops.iot.sta.access import CHANGE, base_queryset
from cityops.iot.sta.entities import EntityType
from cityops.iot.sta.errors import StaError, bad_request, not_found
from cityops.iot.sta.literals import OutOfRange, instant
from cityops.iot.sta.paths import Target
from cityops.iot.sta.writes import _audit, _location_point, move_device, point_of, require_change

ANNOTATIONS = {"@iot.id", "@iot.selfLink"}


def writable(ctx, etype: EntityType, obj):
    """``obj`` again, if the user may change it (else it is hidden: 404)."""
    if etype.name == "Observation":
        return obj
    found = base_queryset(etype, ctx.user, CHANGE).filter(pk=obj.pk).first()
    if found is None:
        raise not_found(f"{etype.name} {obj.pk} is not in your scope for changes.")
    return found


def editable(ctx, target: Target):
    """The target's object, if the user may change it (else 403 for the role, 404 out of scope)."""
    require_change(ctx.user)
    return writable(ctx, target.etype, target.obj)


def body_changes(obj, body) -> dict:
    """The properties and links a JSON body sets (annotations dropped); ``@iot.id`` must not move."""
    if not isinstance(body, dict):
        raise bad_request("The body must be one JSON object.")
    if body.get("@iot.id", obj.pk) != obj.pk:
        raise bad_request("@iot.id cannot be changed.")
    return {k: v for k, v in body.items() if k not in ANNOTATIONS}


def patch(ctx, target: Target, body) -> None:
    """Merge ``body`` into the entity; every key must be writable, or nothing changes."""
    obj = editable(ctx, target)
    apply_changes(ctx, target.etype, obj, body_changes(obj, body))


def is_writable(etype: EntityType, key: str) -> bool:
    prop = etype.props.get(key)
    return key in SPECIAL.get(etype.name, {}) or (prop is not None and prop.field is not None)


def apply_changes(ctx, etype: EntityType, obj, changes: dict) -> None:
    """Write ``changes`` (property or link → new value) in one transaction, audited; the update path
    of PATCH, PUT and JSON-Patch alike. Any key that cannot be written is a 400 and nothing changes."""
    with transaction.atomic():
        special = SPECIAL.get(etype.name, {})
        fields = []
        for key, value in changes.items():
            if key in special:
                special[key](ctx, obj, value)
                continue
            prop = etype.props.get(key)
            if prop is None or prop.field is None:
                raise bad_request(f"{etype.name}.{key} cannot be changed through this API.")
            setattr(obj, prop.field, _checked(key, value))
            fields.append(prop.field)
        if fields:
            _save(obj, fields)
        _audit(
            ctx, f"{etype.name.lower()}.update", obj, {k: v for k, v in changes.items() if k != "Locations"}
        )


def _checked(key: str, value):
    if key == "properties":
        if not isinstance(value, dict):
            raise bad_request("properties must be a JSON object.")
        return value
    if not isinstance(value, str):
        raise bad_request(f"{key} must be a string.")
    return value


def _save(obj, fields: list[str]) -> None:
    if hasattr(obj, "updated_at"):
        fields = [*fields, "updated_at"]
    try:
        with transaction.atomic():
            obj.save(update_fields=fields)
    except IntegrityError:
        raise StaError(409, "The change conflicts with another entity.") from None


def _thing_properties(ctx, device, value) -> None:
    if not isinstance(value, dict):
        raise bad_request("properties must be a JSON object.")
    value = dict(value)
    if value.pop("code", device.code) != device.code:
        raise bad_request("properties.code (the device code) cannot be changed.")
    if value.pop("deviceType", device.device_type.code) != device.device_type.code:
        raise bad_request("properties.deviceType cannot be changed; register a new Thing.")
    from cityops.iot.profiles import property_errors

    errors = property_errors(device.device_type.code, value)
    if errors:
        raise bad_request("; ".join(message for _field, message in errors))
    device.properties = value
    _save(device, ["properties"])


def _thing_locations(ctx, device, value) -> None:
    lon, lat = _location_point(ctx, value if isinstance(value, list) else [value])
    move_device(ctx, device, lon, lat)


def _location(ctx, device, value) -> None:
    lon, lat = point_of(value)
    move_device(ctx, device, lon, lat)


def _sensor_properties(ctx, device_type, value) -> None:
    if not isinstance(value, dict):
        raise bad_request("properties must be a JSON object.")
    value = dict(value)
    if value.pop("code", device_type.code) != device_type.code:
        raise bad_request("properties.code (the device type code) cannot be changed.")
    value.pop("manufacturer", None)
    device_type.properties = value
    _save(device_type, ["properties"])


def _observation_result(ctx, reading, value) -> None:
    if isinstance(value, bool):
        value = float(value)
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise bad_request("result must be a finite number.")
    limits = DeviceTypeQuantity.objects.filter(
        device_type__devices__datastreams=reading.datastream_id,
        quantity__datastreams=reading.datastream_id,
    ).first()
    if limits is not None and (
        (limits.min_valid is not None and value < limits.min_valid)
        or (limits.max_valid is not None and value > limits.max_valid)
    ):
        raise bad_request(f"result {value:g} is outside the valid range of the quantity.")
    if not Reading.objects.filter(pk=reading.pk).update(value=float(value)):
        raise StaError(409, "This Observation is compacted into an hourly block and is read-only.")


def _historical_time(ctx, row, value) -> None:
    try:
        row.time = instant(value)
    except OutOfRange as exc:
        raise bad_request(f"time: {exc}.") from None
    except (TypeError, ValueError):
        raise bad_request("time must be an ISO 8601 instant with an offset.") from None
    _save(row, ["time"])


def _refuse(message: str):
    def refuse(ctx, obj, value):
        raise bad_request(message)

    return refuse


SPECIAL = {
    "Thing": {"properties": _thing_properties, "Locations": _thing_locations},
    "Location": {"location": _location},
    "Sensor": {"properties": _sensor_properties},
    "Observation": {
        "result": _observation_result,
        "phenomenonTime": _refuse("phenomenonTime is part of the Observation's id; delete and re-create it."),
    },
    "HistoricalLocation": {"time": _historical_time},
}


def delete(ctx, target: Target) -> None:
    """Delete one entity; what depends on it goes with it, what protects it answers 409."""
    etype = target.etype
    obj = editable(ctx, target)
    if etype.name in ("Location", "FeatureOfInterest"):
        raise StaError(409, f"A {etype.name} is its Thing's position: PATCH it, or delete the Thing.")
    with transaction.atomic():
        if etype.name == "Observation":
            if not Reading.objects.filter(pk=obj.pk).delete()[0]:
                raise StaError(409, "This Observation is compacted into an hourly block and is read-only.")
        else:
            try:
                obj.delete()
            except ProtectedError as exc:
                kinds = sorted({o._meta.verbose_name_plural for o in exc.protected_objects})
                raise StaError(
                    409, f"{etype.name} {obj.pk} is still used by {', '.join(map(str, kinds))}."
                ) from None
        _audit(ctx, f"{etype.name.lower()}.delete", obj)
