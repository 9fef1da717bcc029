"""The mapping of SensorThings entity types onto the IoT tables (see docs/sensorthings.md).

Each property has a Python getter (for output, sorting and the Python filter over decoded blocks)
and, when it can be filtered in the database, a builder of a Django expression under a lookup
prefix (so ``Datastream/Thing/name`` is ``datastream__device__name`` from an Observation).
Every geometry here is a device's point, so a geometry property also names the device id lookup.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import CharField, F, Value
from django.db.models.functions import Concat
from shapely.geometry import Point

from cityops.iot.models import Datastream, Device, DeviceLocation, DeviceType, Quantity, Reading

OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
GEOJSON = "application/geo+json"
HTML = "text/html"


def iso(value: datetime | None) -> str | None:
    """An instant as SensorThings writes it: UTC, 'Z', milliseconds only when there are some."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text + "Z"


def point_json(point: Point) -> dict:
    return {"type": "Point", "coordinates": [point.x, point.y]}


@dataclass
class Prop:
    """One property: ``get`` a raw value; ``db(prefix)`` its expression; ``dump`` raw → JSON."""

    get: Callable[[Any], Any]
    db: Callable[[str], Any] | None = None
    dump: Callable[[Any], Any] = staticmethod(lambda v: v)
    json: bool = False  # a JSON object whose keys a filter may follow (properties/foo)
    geo: str | None = None  # lookup (below the prefix) of the device whose point this is
    sub: dict[str, "Prop"] = field(default_factory=dict)  # fixed keys of a computed object
    field: str | None = None  # model field written by POST/PATCH
    absolute: bool = False  # a path on this host, made an absolute URL on output


@dataclass
class Nav:
    """A navigation property. ``prefix``: lookup from the source model to the target's rows
    (None: not usable in $filter); ``value(parent)`` is matched against ``lookup`` on the target."""

    target: str
    many: bool
    prefix: str | None
    value: Callable[[Any], Any]
    lookup: str
    get: Callable[[Any], Any] | None = None  # the related object in Python (to-one)


@dataclass
class EntityType:
    name: str
    plural: str
    model: type
    props: dict[str, Prop]
    navs: dict[str, Nav]


def _f(name: str) -> Callable[[str], F]:
    return lambda prefix: F(prefix + name)


def _const(value) -> Callable[[str], Value]:
    return lambda prefix: Value(value)


def _concat(*parts: str) -> Callable[[str], Concat]:
    """Concat of fields and literal text; a literal part starts with '='."""

    def build(prefix):
        args = [Value(p[1:]) if p.startswith("=") else F(prefix + p) for p in parts]
        return Concat(*args, output_field=CharField())

    return build


def _attr(name: str) -> Callable[[Any], Any]:
    return lambda obj: getattr(obj, name)


ID = Prop(get=_attr("id"), db=_f("id"))


def _device_point(device) -> Point:
    return Point(device.lon, device.lat)


def _thing() -> EntityType:
    return EntityType(
        "Thing",
        "Things",
        Device,
        {
            "id": ID,
            "name": Prop(get=_attr("name"), db=_f("name"), field="name"),
            "description": Prop(get=_attr("description"), db=_f("description"), field="description"),
            "properties": Prop(
                get=_thing_properties,
                db=_f("properties"),
                json=True,
                sub={
                    "code": Prop(get=_attr("code"), db=_f("code")),
                    "deviceType": Prop(get=lambda d: d.device_type.code, db=_f("device_type__code")),
                },
                field="properties",
            ),
        },
        {
            "Locations": Nav("Location", True, "", _attr("id"), "id"),
            "HistoricalLocations": Nav("HistoricalLocation", True, "locations__", _attr("id"), "device_id"),
            "Datastreams": Nav("Datastream", True, "datastreams__", _attr("id"), "device_id"),
        },
    )


def _thing_properties(device) -> dict:
    # the code and device type travel with the Thing so a client can round-trip them
    return {**device.properties, "code": device.code, "deviceType": device.device_type.code}


def _location() -> EntityType:
    return EntityType(
        "Location",
        "Locations",
        Device,
        {
            "id": ID,
            "name": Prop(get=_attr("name"), db=_f("name")),
            "description": Prop(get=_attr("address"), db=_f("address"), field="address"),
            "encodingType": Prop(get=lambda d: GEOJSON, db=_const(GEOJSON)),
            "location": Prop(get=_device_point, dump=point_json, geo="id"),
            "properties": Prop(get=lambda d: {}, json=True),
        },
        {
            "Things": Nav("Thing", True, "", _attr("id"), "id"),
            "HistoricalLocations": Nav("HistoricalLocation", True, "locations__", _attr("id"), "device_id"),
        },
    )


def _historical_location() -> EntityType:
    return EntityType(
        "HistoricalLocation",
        "HistoricalLocations",
        DeviceLocation,
        {"id": ID, "time": Prop(get=_attr("time"), db=_f("time"), dump=iso, field="time")},
        {
            "Thing": Nav("Thing", False, "device__", _attr("device_id"), "id", _attr("device")),
            "Locations": Nav("Location", True, "device__", _attr("device_id"), "id"),
        },
    )


def _datastream_time(ds) -> str | None:
    if ds.first_time is None:
        return None
    return f"{iso(ds.first_time)}/{iso(ds.last_time or ds.first_time)}"


def _datastream() -> EntityType:
    unit = {
        "name": Prop(get=lambda ds: ds.quantity.unit_name, db=_f("quantity__unit_name")),
        "symbol": Prop(get=lambda ds: ds.quantity.unit_symbol, db=_f("quantity__unit_symbol")),
        "definition": Prop(get=lambda ds: ds.quantity.unit_definition, db=_f("quantity__unit_definition")),
    }
    extra = {
        "quantity": Prop(get=lambda ds: ds.quantity.code, db=_f("quantity__code")),
        "deviceCode": Prop(get=lambda ds: ds.device.code, db=_f("device__code")),
        "lastValue": Prop(get=_attr("last_value"), db=_f("last_value")),
    }
    return EntityType(
        "Datastream",
        "Datastreams",
        Datastream,
        {
            "id": ID,
            "name": Prop(
                get=lambda ds: f"{ds.device.name} {ds.quantity.name}",
                db=_concat("device__name", "= ", "quantity__name"),
            ),
            "description": Prop(
                get=lambda ds: f"{ds.quantity.name} of {ds.device.name}",
                db=_concat("quantity__name", "= of ", "device__name"),
            ),
            "unitOfMeasurement": Prop(get=lambda ds: {k: p.get(ds) for k, p in unit.items()}, sub=unit),
            "observationType": Prop(get=lambda ds: OM_MEASUREMENT, db=_const(OM_MEASUREMENT)),
            "observedArea": Prop(get=lambda ds: _device_point(ds.device), dump=point_json, geo="device_id"),
            "phenomenonTime": Prop(get=_datastream_time),
            "resultTime": Prop(get=lambda ds: None),
            "properties": Prop(get=lambda ds: {k: p.get(ds) for k, p in extra.items()}, sub=extra),
        },
        {
            "Thing": Nav("Thing", False, "device__", _attr("device_id"), "id", _attr("device")),
            "Sensor": Nav(
                "Sensor",
                False,
                "device__device_type__",
                lambda ds: ds.device.device_type_id,
                "id",
                lambda ds: ds.device.device_type,
            ),
            "ObservedProperty": Nav(
                "ObservedProperty", False, "quantity__", _attr("quantity_id"), "id", _attr("quantity")
            ),
            "Observations": Nav("Observation", True, None, _attr("id"), "datastream_id"),
        },
    )


def _sensor() -> EntityType:
    return EntityType(
        "Sensor",
        "Sensors",
        DeviceType,
        {
            "id": ID,
            "name": Prop(get=_attr("name"), db=_f("name"), field="name"),
            "description": Prop(get=_attr("description"), db=_f("description"), field="description"),
            "encodingType": Prop(get=lambda t: HTML, db=_const(HTML)),
            "metadata": Prop(get=lambda t: f"/admin/iot/devicetype/{t.id}/change/", absolute=True),
            "properties": Prop(
                get=lambda t: {**t.properties, "code": t.code, "manufacturer": t.manufacturer},
                db=_f("properties"),
                json=True,
                sub={"code": Prop(get=_attr("code"), db=_f("code"))},
                field="properties",
            ),
        },
        {
            "Datastreams": Nav(
                "Datastream", True, "devices__datastreams__", _attr("id"), "device__device_type_id"
            ),
        },
    )


def _observed_property() -> EntityType:
    code = {"code": Prop(get=_attr("code"), db=_f("code"))}
    return EntityType(
        "ObservedProperty",
        "ObservedProperties",
        Quantity,
        {
            "id": ID,
            "name": Prop(get=_attr("name"), db=_f("name"), field="name"),
            "definition": Prop(get=_attr("definition"), db=_f("definition"), field="definition"),
            "description": Prop(get=_attr("description"), db=_f("description"), field="description"),
            "properties": Prop(get=lambda q: {"code": q.code}, sub=code),
        },
        {"Datastreams": Nav("Datastream", True, "datastreams__", _attr("id"), "quantity_id")},
    )


def _observation() -> EntityType:
    return EntityType(
        "Observation",
        "Observations",
        Reading,
        {
            "id": ID,
            "phenomenonTime": Prop(get=_attr("time"), db=_f("time"), dump=iso),
            "resultTime": Prop(get=_attr("time"), db=_f("time"), dump=iso),
            "result": Prop(get=_attr("value"), db=_f("value"), field="value"),
            "resultQuality": Prop(get=lambda r: None),
            "validTime": Prop(get=lambda r: None),
            "parameters": Prop(get=lambda r: None),
        },
        {
            "Datastream": Nav(
                "Datastream", False, "datastream__", _attr("datastream_id"), "id", _attr("datastream")
            ),
            "FeatureOfInterest": Nav(
                "FeatureOfInterest",
                False,
                "datastream__device__",
                _attr("datastream_id"),
                "datastreams__id",
                lambda r: r.datastream.device,
            ),
        },
    )


def _feature() -> EntityType:
    return EntityType(
        "FeatureOfInterest",
        "FeaturesOfInterest",
        Device,
        {
            "id": ID,
            "name": Prop(get=_attr("name"), db=_f("name")),
            "description": Prop(get=_attr("address"), db=_f("address")),
            "encodingType": Prop(get=lambda d: GEOJSON, db=_const(GEOJSON)),
            "feature": Prop(get=_device_point, dump=point_json, geo="id"),
            "properties": Prop(get=lambda d: {}, json=True),
        },
        {"Observations": Nav("Observation", True, None, _attr("id"), "datastream__device_id")},
    )


TYPES: dict[str, EntityType] = {
    t.name: t
    for t in (
        _thing(),
        _location(),
        _historical_location(),
        _datastream(),
        _sensor(),
        _observed_property(),
        _observation(),
        _feature(),
    )
}
BY_PLURAL: dict[str, EntityType] = {t.plural: t for t in TYPES.values()}
