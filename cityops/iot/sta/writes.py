"""Creating entities through the SensorThings API: POST (with deep insert, all or nothing), links by
``@iot.id``, Observations through the ingest (validation, rules) and ``CreateObservations``.

A Thing is a Device: it needs a location inside the town (it sets the area, village and grid) and a
device type, from ``properties.deviceType``, else the Sensor of its first Datastream, else the
``generic`` type that ``cityops.iot.profiles`` installs.
"""

import json
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from cityops.audit.services import audit_record
from cityops.core.errors import DomainError, NotFound
from cityops.geo.selectors import locate_point
from cityops.iot.choices import IngestSource
from cityops.iot.models import (
    OBSERVATION_EPOCH,
    TIME_BITS,
    Datastream,
    Device,
    DeviceType,
    DeviceTypeQuantity,
    Quantity,
)
from cityops.iot.services import DeviceIn, device_create, device_move
from cityops.iot.sta.access import CHANGE, VIEW, base_queryset
from cityops.iot.sta.entities import TYPES
from cityops.iot.sta.errors import StaError, bad_request
from cityops.iot.sta.literals import OutOfRange, entity_id, instant
from cityops.iot.sta.paths import Target

GENERIC_TYPE = "generic"
UNIX_MS = int(OBSERVATION_EPOCH.timestamp() * 1000)


def require_change(user) -> None:
    if not user.can(CHANGE):
        raise StaError(403, "Your role may not change IoT data (iot.change).")


def create(ctx, target: Target, body) -> str:
    """POST to a collection: the selfLink of the new (or, for Observations, stored) entity."""
    require_change(ctx.user)
    if target.kind != "collection":
        raise StaError(405, "POST to a collection, e.g. /Things or /Datastreams(1)/Observations.")
    if not isinstance(body, dict):
        raise bad_request("The body must be one JSON object.")
    body = dict(body)
    if target.parent is not None:
        _link_parent(target, body)
    creator = CREATORS.get(target.etype.name)
    if creator is None:
        raise bad_request(f"{target.etype.plural} are created with their Thing, not on their own.")
    with transaction.atomic():
        obj = creator(ctx, body)
    return ctx.self_link(target.etype, obj)


def _link_parent(target: Target, body: dict) -> None:
    """POST to Things(1)/Datastreams links the new Datastream to Thing 1, and so on."""
    parent_type, parent, nav_name = target.parent
    back = {
        ("Thing", "Datastreams"): "Thing",
        ("Datastream", "Observations"): "Datastream",
        ("Thing", "Locations"): "Things",
        ("Sensor", "Datastreams"): "Sensor",
        ("ObservedProperty", "Datastreams"): "ObservedProperty",
    }.get((parent_type.name, nav_name))
    if back is None:
        raise bad_request(f"Entities cannot be created under {parent_type.name}/{nav_name}.")
    ref = {"@iot.id": parent.pk}
    body[back] = [ref] if back == "Things" else ref


def _audit(ctx, action: str, obj, after: dict | None = None) -> None:
    audit_record(action=f"iot.sta.{action}", actor=ctx.user, obj=obj, after=after)


# links and nested entities


def linked(ctx, type_name: str, ref, action: str = VIEW):
    """The existing entity a ``{"@iot.id": n}`` names, in the user's scope; a 400 otherwise."""
    if not isinstance(ref, dict) or "@iot.id" not in ref:
        return None
    if len(ref) > 1:
        raise bad_request(f"A link to a {type_name} holds only @iot.id.")
    pk = entity_id(ref["@iot.id"])
    if pk is None:
        raise bad_request(f"@iot.id of a {type_name} link must be an integer id, not {ref['@iot.id']!r}.")
    obj = base_queryset(TYPES[type_name], ctx.user, action).filter(pk=pk).first()
    if obj is None:
        raise bad_request(
            f"The linked {type_name} {ref['@iot.id']!r} does not exist or is not in your scope."
        )
    return obj


def _text(body: dict, key: str, required: bool = True, limit: int = 0) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise bad_request(f"{key} is required and must be a string.")
    if limit and len(value) > limit:
        raise bad_request(f"{key} is longer than {limit} characters.")
    return value.strip()


def _object(body: dict, key: str) -> dict:
    value = body.get(key) or {}
    if not isinstance(value, dict):
        raise bad_request(f"{key} must be a JSON object.")
    return dict(value)


def _list(body: dict, key: str) -> list:
    value = body.get(key) or []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise bad_request(f"{key} must be a list.")
    return value


def point_of(geojson) -> tuple[float, float]:
    """(lon, lat) of a GeoJSON Point (a Feature wrapping one too)."""
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
    coords = geojson.get("coordinates") if isinstance(geojson, dict) else None
    if (
        not isinstance(geojson, dict)
        or geojson.get("type") != "Point"
        or not isinstance(coords, list)
        or len(coords) < 2
        or not all(isinstance(c, int | float) for c in coords[:2])
    ):
        raise bad_request("location must be a GeoJSON Point with [lon, lat] coordinates.")
    return float(coords[0]), float(coords[1])


def place(lon: float, lat: float) -> dict:
    """Area, village and grid of a point; a 400 outside the town."""
    where = locate_point(lon, lat)
    if where is None:
        raise bad_request(f"The location ({lon}, {lat}) is outside the town.")
    return {
        "lon": lon,
        "lat": lat,
        "area_id": where.area_id,
        "village_id": where.village_id,
        "grid_id": where.grid_id,
    }


# Things and Locations


def _location_point(ctx, locations: list) -> tuple[float, float]:
    if len(locations) != 1:
        raise bad_request("A Thing has exactly one Location here (the device's position).")
    ref = locations[0]
    other = linked(ctx, "Location", ref)
    if other is not None:
        return other.lon, other.lat
    if not isinstance(ref, dict):
        raise bad_request("Locations must hold Location objects.")
    if ref.get("encodingType", "application/geo+json") not in (
        "application/geo+json",
        "application/vnd.geo+json",
    ):
        raise bad_request("Location encodingType must be application/geo+json.")
    return point_of(ref.get("location"))


def _device_type(ctx, properties: dict, datastreams: list) -> DeviceType:
    code = properties.pop("deviceType", None)
    if code is not None:
        found = DeviceType.objects.filter(code=code).first()
        if found is None:
            raise bad_request(f"properties.deviceType {code!r} is not a device type.")
        return found
    for ds in datastreams:
        sensor = linked(ctx, "Sensor", ds.get("Sensor")) if isinstance(ds, dict) else None
        if sensor is not None:
            return sensor
    found = DeviceType.objects.filter(code=GENERIC_TYPE).first()
    if found is None:
        raise bad_request("Give properties.deviceType: the 'generic' device type is not installed.")
    return found


def _device_code(properties: dict) -> str:
    code = properties.pop("code", None)
    if code is None:
        return f"STA-{timezone.now():%y%m%d%H%M%S%f}"
    if (
        not isinstance(code, str)
        or not code
        or len(code) > 40
        or not all(c.isalnum() or c in "-_" for c in code)
    ):
        raise bad_request("properties.code: letters, digits, '-' and '_', at most 40.")
    if Device.objects.filter(code=code).exists():
        raise StaError(409, f"A Thing with code {code!r} already exists.")
    return code


def create_thing(ctx, body: dict) -> Device:
    """A Device registered by the registry's own ``device_create`` (validation, first location, scope,
    audit), with no datastream of its own: those are the body's Datastreams, created after it."""
    properties = _object(body, "properties")
    datastreams = _list(body, "Datastreams")
    lon, lat = _location_point(ctx, _list(body, "Locations"))
    device_type = _device_type(ctx, properties, datastreams)
    data = DeviceIn(
        code=_device_code(properties),
        name=_text(body, "name", limit=150),
        device_type=device_type.code,
        lon=lon,
        lat=lat,
        description=_text(body, "description", required=False),
        properties=properties,
    )
    try:
        device = device_create(data=data, by=ctx.user, datastreams=())
    except DomainError as exc:
        raise StaError(400 if exc.status == 422 else exc.status, exc.detail) from None
    for ds in datastreams:
        if not isinstance(ds, dict):
            raise bad_request("Datastreams must hold Datastream objects.")
        create_datastream(ctx, {**ds, "Thing": {"@iot.id": device.pk}})
    return device


def move_device(ctx, device: Device, lon: float, lat: float) -> None:
    """A new position through the registry's own move: the grid (and the device's active alarms)
    follow, a HistoricalLocation row is added, the move is audited."""
    place(lon, lat)  # a point outside the town is the client's 400, named as SensorThings names it
    try:
        moved = device_move(device_id=device.pk, lon=lon, lat=lat, by=ctx.user)
    except NotFound:
        raise StaError(404, "There is no such Thing in your scope.") from None
    except DomainError as exc:
        raise StaError(exc.status, exc.detail) from None
    for field in ("lon", "lat", "area_id", "village_id", "grid_id", "updated_at"):
        setattr(device, field, getattr(moved, field))


def create_location(ctx, body: dict) -> Device:
    """A Location exists only as a Thing's position: POST one with its Thing to move that Thing."""
    things = [linked(ctx, "Thing", ref, CHANGE) for ref in _list(body, "Things")]
    if len(things) != 1 or things[0] is None:
        raise bad_request('A Location is created for one existing Thing: give Things: [{"@iot.id": n}].')
    lon, lat = point_of(body.get("location"))
    move_device(ctx, things[0], lon, lat)
    return things[0]


# Sensors, ObservedProperties, Datastreams


def _code(properties: dict, name: str, model, prefix: str) -> str:
    code = properties.pop("code", None) or slugify(name)[:40] or f"{prefix}-{timezone.now():%y%m%d%H%M%S%f}"
    if model.objects.filter(code=code).exists():
        raise StaError(409, f"A {model._meta.verbose_name} with code {code!r} already exists.")
    return code


def create_sensor(ctx, body: dict) -> DeviceType:
    properties = _object(body, "properties")
    properties.pop("manufacturer", None)
    name = _text(body, "name", limit=100)
    sensor = DeviceType.objects.create(
        code=_code(properties, name, DeviceType, "type"),
        name=name,
        description=_text(body, "description", required=False),
        properties=properties,
    )
    _audit(ctx, "sensor.create", sensor)
    return sensor


def create_observed_property(ctx, body: dict, unit: dict | None = None) -> Quantity:
    properties = _object(body, "properties")
    name = _text(body, "name", limit=100)
    unit = unit or {}
    quantity = Quantity.objects.create(
        code=_code(properties, name, Quantity, "q"),
        name=name,
        definition=_text(body, "definition", required=False, limit=300),
        description=_text(body, "description", required=False),
        unit_name=str(unit.get("name") or "")[:60],
        unit_symbol=str(unit.get("symbol") or "")[:20],
        unit_definition=str(unit.get("definition") or "")[:300],
    )
    _audit(ctx, "observed_property.create", quantity)
    return quantity


def _nested(ctx, type_name: str, ref, create_fn, action: str = VIEW, **kwargs):
    found = linked(ctx, type_name, ref, action)
    if found is not None:
        return found
    if not isinstance(ref, dict):
        raise bad_request(f"A Datastream needs its {type_name} (an object or a link).")
    return create_fn(ctx, ref, **kwargs)


def create_datastream(ctx, body: dict) -> Datastream:
    """A Datastream of an existing or new Thing; its ObservedProperty is a Quantity (linked or new)."""
    unit = _object(body, "unitOfMeasurement")
    thing = _nested(ctx, "Thing", body.get("Thing"), create_thing, CHANGE)
    quantity = _nested(
        ctx, "ObservedProperty", body.get("ObservedProperty"), create_observed_property, unit=unit
    )
    symbol = unit.get("symbol")
    if symbol and not quantity.unit_symbol:  # a quantity created without its unit takes the stream's
        quantity.unit_name = str(unit.get("name") or "")[:60]
        quantity.unit_symbol = str(symbol)[:20]
        quantity.unit_definition = str(unit.get("definition") or "")[:300]
        quantity.save(update_fields=["unit_name", "unit_symbol", "unit_definition", "updated_at"])
    if symbol is not None and quantity.unit_symbol and symbol != quantity.unit_symbol:
        raise bad_request(
            f"unitOfMeasurement.symbol {symbol!r} is not the unit of {quantity.code} ({quantity.unit_symbol!r})."
        )
    sensor = body.get("Sensor")
    if sensor is not None:
        device_type = _nested(ctx, "Sensor", sensor, create_sensor)
        if device_type.pk != thing.device_type_id:
            raise bad_request(f"The Sensor must be the Thing's device type ({thing.device_type.code}).")
    if body.get("observationType") not in (None, TYPES["Datastream"].props["observationType"].get(None)):
        raise bad_request("observationType must be OM_Measurement: readings are numbers.")
    # a type must list a quantity for the ingest to accept its readings (no range: any value)
    DeviceTypeQuantity.objects.get_or_create(device_type_id=thing.device_type_id, quantity=quantity)
    try:
        with transaction.atomic():
            datastream = Datastream.objects.create(device=thing, quantity=quantity)
    except IntegrityError:
        raise StaError(409, f"Thing {thing.pk} already has a Datastream of {quantity.code}.") from None
    _audit(ctx, "datastream.create", datastream)
    for obs in _list(body, "Observations"):
        if not isinstance(obs, dict):
            raise bad_request("Observations must hold Observation objects.")
        create_observation(ctx, {**obs, "Datastream": {"@iot.id": datastream.pk}})
    return datastream


# Observations


def _instant(value, key: str) -> datetime:
    if not isinstance(value, str) or "/" in value:
        raise bad_request(f"{key} must be one ISO 8601 instant with an offset (intervals are not stored).")
    try:
        return instant(value)
    except OutOfRange as exc:
        raise bad_request(f"{key}: {exc}.") from None
    except ValueError:
        raise bad_request(f"{key} {value!r} is not an ISO 8601 instant with a UTC offset.") from None


def observation_row(ctx, datastream: Datastream, body: dict) -> tuple[datetime, object]:
    """(time, result) of an Observation body; a 400 for what we cannot store."""
    raw_time = body.get("phenomenonTime") or body.get("resultTime")
    when = _instant(raw_time, "phenomenonTime") if raw_time is not None else datetime.now(UTC)
    foi = body.get("FeatureOfInterest")
    if foi is not None and (not isinstance(foi, dict) or foi.get("@iot.id") != datastream.device_id):
        raise bad_request(
            f"The FeatureOfInterest of Datastream {datastream.pk} is {datastream.device_id} (its Thing's location)."
        )
    if "result" not in body:
        raise bad_request("result is required.")
    return when, body["result"]


def create_observation(ctx, body: dict):
    datastream = linked(ctx, "Datastream", body.get("Datastream"), CHANGE)
    if datastream is None:
        raise bad_request('An Observation needs its Datastream: {"Datastream": {"@iot.id": n}}.')
    when, result = observation_row(ctx, datastream, body)
    outcome = store([(datastream, when, result)])[0]
    if isinstance(outcome, StaError):
        raise outcome
    return _Stored(outcome)


class _Stored:
    """The id of a stored Observation (it may be decoded later from a block: no model instance)."""

    def __init__(self, pk: int):
        self.pk = pk


def store(rows: list[tuple[Datastream, datetime, object]]) -> list:
    """Store readings through the ingest (validation, dead letters, datastream cache, rules): per row
    the observation id or a StaError."""
    from cityops.iot.store import Message, ingest_messages

    messages, ids = [], []
    for datastream, when, result in rows:
        ms = round(when.timestamp() * 1000)
        record = {"ts": ms, "values": {datastream.quantity.code: result}}
        messages.append(
            Message(
                payload=json.dumps(record).encode(),
                device_code=datastream.device.code,
                source=IngestSource.STA,
            )
        )
        ids.append((datastream.pk << TIME_BITS) | (ms - UNIX_MS))
    result = ingest_messages(messages=messages)
    out = []
    for obs_id, outcome in zip(ids, result.outcomes, strict=True):
        problem = outcome.whole or (outcome.rejected[0] if outcome.rejected else None)
        if problem is not None:
            out.append(bad_request(f"The reading was refused: {problem.detail}."))
        elif outcome.duplicates:
            out.append(StaError(409, f"Observation {obs_id} already exists (same Datastream and time)."))
        else:
            out.append(obs_id)
    return out


CREATORS = {
    "Thing": create_thing,
    "Location": create_location,
    "Datastream": create_datastream,
    "Sensor": create_sensor,
    "ObservedProperty": create_observed_property,
    "Observation": create_observation,
}
