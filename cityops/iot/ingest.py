"""Parsing and validation of telemetry messages (docs/iot.md, "Telemetry messages"): bytes in,
accepted readings and rejections out. Nothing here writes; ``cityops.iot.store`` does."""

import json
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from cityops.iot.choices import DeadLetterReason, DeviceStatus
from cityops.iot.models import (
    OBSERVATION_EPOCH,
    Datastream,
    Device,
    DeviceType,
    DeviceTypeQuantity,
    Quantity,
)

TOPIC_PREFIX = "cityops/v1/devices/"
TOPIC_SUFFIX = "/telemetry"
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Milliseconds from the Unix epoch to the observation-id epoch (2020-01-01 UTC).
EPOCH_OFFSET_MS = int((OBSERVATION_EPOCH - UNIX_EPOCH).total_seconds()) * 1000
OBSERVATION_MS_MAX = (1 << 41) - 1
R = DeadLetterReason


def telemetry_topic(code: str) -> str:
    """The topic a device publishes its readings to."""
    return f"{TOPIC_PREFIX}{code}{TOPIC_SUFFIX}"


def topic_device_code(topic: str) -> str | None:
    """The device code in a telemetry topic, or None when the topic is not one."""
    if not (topic.startswith(TOPIC_PREFIX) and topic.endswith(TOPIC_SUFFIX)):
        return None
    code = topic[len(TOPIC_PREFIX) : -len(TOPIC_SUFFIX)]
    return code if code and "/" not in code else None


@dataclass(slots=True)
class QuantitySpec:
    quantity_id: int
    unit: str
    low: float | None
    high: float | None


@dataclass(slots=True)
class DeviceInfo:
    """What the ingest needs to know about a device, cached per process."""

    id: int
    code: str
    active: bool
    quantities: dict[str, QuantitySpec]
    datastreams: dict[str, int]


class Catalogue:
    """Devices by code with their type's quantities and their datastreams, cached for
    CITYOPS_IOT_CACHE_SECONDS; saves in this process empty it at once (signals below)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._devices: dict[str, tuple[float, DeviceInfo | None]] = {}
        self._types: dict[int, dict[str, QuantitySpec]] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._devices.clear()
            self._types.clear()

    def device(self, code: str) -> DeviceInfo | None:
        now = time.monotonic()
        hit = self._devices.get(code)
        if hit is not None and now - hit[0] < settings.CITYOPS_IOT_CACHE_SECONDS:
            return hit[1]
        info = self._load(code)
        with self._lock:
            if len(self._devices) > 200_000:  # a flood of unknown codes must not grow memory for ever
                self._devices.clear()
            self._devices[code] = (now, info)
        return info

    def _load(self, code: str) -> DeviceInfo | None:
        row = Device.objects.filter(code=code).values_list("id", "status", "device_type_id").first()
        if row is None:
            return None
        device_id, status, type_id = row
        return DeviceInfo(
            id=device_id,
            code=code,
            active=status != DeviceStatus.RETIRED,
            quantities=self._type_quantities(type_id),
            datastreams=dict(
                Datastream.objects.filter(device_id=device_id).values_list("quantity__code", "id")
            ),
        )

    def _type_quantities(self, type_id: int) -> dict[str, QuantitySpec]:
        specs = self._types.get(type_id)
        if specs is None:
            rows = DeviceTypeQuantity.objects.filter(device_type_id=type_id).values_list(
                "quantity__code", "quantity_id", "quantity__unit_symbol", "min_valid", "max_valid"
            )
            specs = {code: QuantitySpec(qid, unit, lo, hi) for code, qid, unit, lo, hi in rows}
            self._types[type_id] = specs
        return specs


catalogue = Catalogue()


def _invalidate(**_kwargs) -> None:
    catalogue.invalidate()


for _model in (Device, DeviceType, DeviceTypeQuantity, Quantity, Datastream):
    post_save.connect(_invalidate, sender=_model, dispatch_uid=f"iot-ingest-{_model.__name__}-save")
    post_delete.connect(_invalidate, sender=_model, dispatch_uid=f"iot-ingest-{_model.__name__}-delete")


@dataclass(slots=True)
class Rejection:
    """A refused message (``index`` None) or record, with the reason and a detail a person can act on."""

    index: int | None
    reason: str
    detail: str
    record: object = None


@dataclass(slots=True)
class Parsed:
    """A parsed message: its device, accepted readings (quantity code, ms since 2020, value) and
    rejections; ``whole`` is set when nothing of it could be read."""

    device: DeviceInfo | None
    readings: list[tuple[str, int, float]] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    whole: Rejection | None = None
    records: int = 0


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int
    future_ms: int
    past_ms: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            max_bytes=settings.CITYOPS_IOT_MAX_MESSAGE_BYTES,
            future_ms=settings.CITYOPS_IOT_MAX_FUTURE_SECONDS * 1000,
            past_ms=settings.CITYOPS_IOT_MAX_PAST_DAYS * 86_400_000,
        )


def _no_constants(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def parse_message(
    *, payload: bytes, topic: str = "", device_code: str = "", received_ms: int, limits: Limits
) -> Parsed:
    """Read one message of a device (from its topic or its credentials) into readings and rejections."""
    code = device_code
    if topic:
        topic_code = topic_device_code(topic)
        if topic_code is None:
            return _whole(None, R.MALFORMED, f"topic {topic!r} is not {telemetry_topic('<device code>')}")
        if device_code and topic_code != device_code:
            return _whole(None, R.WRONG_TOPIC, f"device {device_code} published to {topic}")
        code = topic_code
    if len(payload) > limits.max_bytes:
        return _whole(None, R.OVERSIZED, f"{len(payload):,} bytes; the limit is {limits.max_bytes:,}")
    device = catalogue.device(code)
    if device is None:
        return _whole(None, R.UNKNOWN_DEVICE, f"no device has the code {code!r}")
    if not device.active:
        return _whole(device, R.INACTIVE_DEVICE, f"device {code} is retired")
    try:
        body = json.loads(payload, parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError) as exc:
        return _whole(device, R.MALFORMED, f"not UTF-8 JSON: {exc}")
    records = body if isinstance(body, list) else [body]
    if not records:
        return _whole(device, R.MALFORMED, "an empty batch")
    parsed = Parsed(device=device, records=len(records))
    for index, record in enumerate(records):
        _parse_record(parsed, index, record, received_ms, limits)
    return parsed


def _whole(device: DeviceInfo | None, reason: str, detail: str) -> Parsed:
    return Parsed(device=device, whole=Rejection(None, reason, detail))


def _parse_record(parsed: Parsed, index: int, record, received_ms: int, limits: Limits) -> None:
    device = parsed.device
    if not isinstance(record, dict):
        parsed.rejections.append(Rejection(index, R.MALFORMED, "a record must be a JSON object", record))
        return
    claimed = record.get("device")
    if claimed is not None and claimed != device.code:
        detail = f"the record names device {claimed!r} but came from {device.code}"
        parsed.rejections.append(Rejection(index, R.WRONG_TOPIC, detail, record))
        return
    try:
        ms = _record_ms(record.get("ts"), received_ms)
    except ValueError as exc:
        parsed.rejections.append(Rejection(index, R.MALFORMED, f"ts: {exc}", record))
        return
    if not received_ms - limits.past_ms <= ms <= received_ms + limits.future_ms:
        when = datetime.fromtimestamp(ms / 1000, UTC).isoformat() if abs(ms) < 2**46 else str(ms)
        detail = f"ts {when} is outside the accepted window around the time received"
        parsed.rejections.append(Rejection(index, R.TIME, detail, record))
        return
    obs_ms = ms - EPOCH_OFFSET_MS
    if not 0 <= obs_ms <= OBSERVATION_MS_MAX:
        parsed.rejections.append(Rejection(index, R.TIME, "ts is outside 2020–2089", record))
        return
    values = record.get("values")
    if not isinstance(values, dict) or not values:
        parsed.rejections.append(Rejection(index, R.MALFORMED, "values must be a non-empty object", record))
        return
    specs = device.quantities
    for qcode, raw in values.items():
        spec = specs.get(qcode)
        if spec is None:
            detail = f"{qcode!r} is not measured by this device's type"
            parsed.rejections.append(Rejection(index, R.UNKNOWN_QUANTITY, detail, record))
            continue
        problem = _value(raw, spec)
        if isinstance(problem, Rejection):
            problem.index, problem.record = index, record
            problem.detail = f"{qcode}: {problem.detail}"
            parsed.rejections.append(problem)
        else:
            parsed.readings.append((qcode, obs_ms, problem))


def _record_ms(ts, received_ms: int) -> int:
    if ts is None:
        return received_ms
    if isinstance(ts, bool):
        raise ValueError("must be ISO 8601 with an offset or integer milliseconds")
    if isinstance(ts, int):
        return ts
    if isinstance(ts, str):
        try:
            when = datetime.fromisoformat(ts)
        except ValueError:
            raise ValueError(f"{ts!r} is not an ISO 8601 time") from None
        if when.tzinfo is None:
            raise ValueError(f"{ts!r} has no UTC offset")
        delta = when - UNIX_EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return (micros + 500) // 1000  # to the millisecond, half up
    raise ValueError("must be ISO 8601 with an offset or integer milliseconds")


def _value(raw, spec: QuantitySpec) -> float | Rejection:
    if isinstance(raw, dict):
        unit = raw.get("unit")
        if unit is not None and unit != spec.unit:
            return Rejection(None, R.UNIT, f"unit {unit!r} is not {spec.unit!r}")
        raw = raw.get("value")
    if isinstance(raw, bool):
        value = 1.0 if raw else 0.0
    elif isinstance(raw, int | float):
        try:
            value = float(raw)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            return Rejection(None, R.MALFORMED, f"{raw!r} is not a finite number")
    else:
        return Rejection(None, R.MALFORMED, f"{raw!r} is not a number")
    if spec.low is not None and value < spec.low:
        return Rejection(None, R.OUT_OF_RANGE, f"{value:g} is below the lowest valid {spec.low:g}")
    if spec.high is not None and value > spec.high:
        return Rejection(None, R.OUT_OF_RANGE, f"{value:g} is above the highest valid {spec.high:g}")
    return value
