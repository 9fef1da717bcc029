"""Every write to the device registry and the rules: validated, one transaction each, audited.

A device is located when it is written: its point gives its area, village and grid (the scope
every query filters on), and a move leaves a ``DeviceLocation`` row. A rule is checked for
configurations that cannot work (see ``rule_errors``) before it is saved.
"""

import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NoReturn

from django.db import transaction
from django.utils import timezone

from cityops.audit.services import audit_record
from cityops.core.errors import Forbidden, NotFound, ValidationFailed
from cityops.geo.selectors import locate_point
from cityops.iot import credentials, rule_cache
from cityops.iot.choices import DeviceStatus
from cityops.iot.models import Datastream, DeadLetter, Device, DeviceLocation, DeviceType, Quantity, Rule
from cityops.iot.profiles import property_errors
from cityops.iot.rule_checks import RuleContext, RuleIn, rule_errors

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
DEVICE_FIELDS = ("code", "name", "device_type", "status", "lon", "lat", "install_date", "properties")


def _fail(errors: list[tuple[str, str]], what: str) -> NoReturn:
    detail = f"The {what} was not saved: " + "; ".join(f"{f}: {m}" for f, m in errors)
    raise ValidationFailed(detail, errors=[{"field": f, "message": m} for f, m in errors])


def _require(by, action: str) -> None:
    if by is not None and not by.can(action):
        raise Forbidden(f"Your role may not do {action}.")


def _device_for_change(device_id: int, by) -> Device:
    """The device, locked: 404 when ``by`` cannot see it, 403 when they may not change it."""
    qs = Device.objects.select_for_update().select_related("device_type")
    if by is None:
        device = qs.filter(pk=device_id).first()
    else:
        if not Device.objects.restrict(by, "iot.view").filter(pk=device_id).exists():
            raise NotFound(f"There is no device {device_id} in your scope.")
        device = qs.restrict(by, "iot.change").filter(pk=device_id).first()
        if device is None:
            raise Forbidden("Your role may not change this device.")
    if device is None:
        raise NotFound(f"There is no device {device_id}.")
    return device


def _still_in_scope(device: Device, by) -> None:
    if by is not None and not Device.objects.restrict(by, "iot.change").filter(pk=device.pk).exists():
        raise Forbidden(
            f"Device {device.code} would leave your scope; ask someone whose scope covers both places."
        )


# ---- devices ------------------------------------------------------------------------------------------


@dataclass
class DeviceIn:
    code: str
    name: str
    device_type: str
    lon: float
    lat: float
    description: str = ""
    address: str = ""
    install_date: date | None = None
    status: str = DeviceStatus.ACTIVE
    properties: dict = field(default_factory=dict)


def point_errors(lon, lat) -> tuple[object, list[tuple[str, str]]]:
    """(location, errors) of a point: it must be a WGS84 longitude and latitude inside the town."""
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lon, lat)):
        return None, [("location", f"({lon}, {lat}) is not a longitude and latitude")]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None, [("location", f"({lon}, {lat}) is not a WGS84 longitude and latitude")]
    where = locate_point(lon, lat)
    if where is None:
        return None, [("location", f"the point ({lon:.6f}, {lat:.6f}) is outside the town")]
    return where, []


def device_errors(data: DeviceIn, device_type: DeviceType | None) -> list[tuple[str, str]]:
    """What is wrong with a device's fields, each with its field (not its uniqueness)."""
    errors = []
    if not CODE_RE.match(data.code or ""):
        errors.append(("code", f"{data.code!r}: 1 to 40 letters, digits, '-' or '_'"))
    if not (data.name or "").strip() or len(data.name) > 150:
        errors.append(("name", "a name of 1 to 150 characters is required"))
    if device_type is None:
        errors.append(("device_type", f"there is no device type {data.device_type!r}"))
    if data.status not in DeviceStatus.values:
        errors.append(("status", f"{data.status!r} is not one of {', '.join(DeviceStatus.values)}"))
    if data.install_date is not None and data.install_date > timezone.localdate():
        errors.append(("install_date", f"{data.install_date.isoformat()} is in the future"))
    if len(data.address) > 200:
        errors.append(("address", "at most 200 characters"))
    if not isinstance(data.properties, dict):
        errors.append(("properties", "must be a JSON object"))
    elif device_type is not None:
        errors += property_errors(device_type.code, data.properties)
    return errors


def device_write_new(
    data: DeviceIn, device_type: DeviceType, where, now: datetime, datastreams: Collection[str] | None = None
) -> Device:
    """Insert a checked device with its datastreams (every quantity of its type, or only the codes in
    ``datastreams``) and first location (for create and import)."""
    device = Device.objects.create(
        code=data.code,
        name=data.name.strip(),
        description=data.description,
        address=data.address,
        device_type=device_type,
        status=data.status,
        lon=data.lon,
        lat=data.lat,
        area_id=where.area_id,
        village_id=where.village_id,
        grid_id=where.grid_id,
        install_date=data.install_date,
        properties=data.properties,
    )
    quantities = device_type.type_quantities.values_list("quantity_id", flat=True)
    if datastreams is not None:
        quantities = quantities.filter(quantity__code__in=list(datastreams))
    Datastream.objects.bulk_create([Datastream(device=device, quantity_id=q) for q in quantities])
    DeviceLocation.objects.create(device=device, time=now, lon=data.lon, lat=data.lat)
    return device


def device_create(
    *, data: DeviceIn, by=None, actor_name: str = "", datastreams: Collection[str] | None = None
) -> Device:
    """Register a device at its point, with a datastream for each quantity of its type, or only for
    the quantity codes in ``datastreams`` (none when it is empty)."""
    _require(by, "iot.change")
    device_type = DeviceType.objects.filter(code=data.device_type).first()
    where, errors = point_errors(data.lon, data.lat)
    errors = device_errors(data, device_type) + errors + _datastream_errors(device_type, datastreams)
    if Device.objects.filter(code=data.code).exists():
        errors.append(("code", f"a device with code {data.code!r} exists already"))
    if errors:
        _fail(errors, "device")
    with transaction.atomic():
        device = device_write_new(data, device_type, where, timezone.now(), datastreams)
        _still_in_scope(device, by)
        audit_record(
            action="iot.device.create",
            actor=by,
            actor_name=actor_name,
            obj=device,
            after={"type": device_type.code, "grid": where.grid_code, "status": data.status},
        )
    return device


def _datastream_errors(
    device_type: DeviceType | None, codes: Collection[str] | None
) -> list[tuple[str, str]]:
    """Each asked-for datastream must be a quantity of the device's type."""
    if codes is None or device_type is None:
        return []
    if isinstance(codes, str):
        return [("datastreams", "a list of quantity codes, not one string")]
    known = set(device_type.type_quantities.values_list("quantity__code", flat=True))
    return [
        ("datastreams", f"{code!r} is not a quantity of device type {device_type.code}")
        for code in sorted(set(codes) - known)
    ]


def device_update(
    *,
    device_id: int,
    by=None,
    name: str | None = None,
    description: str | None = None,
    address: str | None = None,
    install_date: date | None = None,
    properties: dict | None = None,
) -> Device:
    """Change a device's descriptive fields and properties (None leaves a field as it is)."""
    _require(by, "iot.change")
    with transaction.atomic():
        device = _device_for_change(device_id, by)
        changes = {
            k: v
            for k, v in {
                "name": name,
                "description": description,
                "address": address,
                "install_date": install_date,
                "properties": properties,
            }.items()
            if v is not None
        }
        merged = {
            f: getattr(device, f)
            for f in ("code", "name", "description", "address", "install_date", "properties", "status")
        }
        merged.update(changes)
        data = DeviceIn(device_type=device.device_type.code, lon=device.lon, lat=device.lat, **merged)
        errors = device_errors(data, device.device_type)
        if errors:
            _fail(errors, "device")
        before = {k: getattr(device, k) for k in changes}
        for key, value in changes.items():
            setattr(device, key, value)
        device.save()
        audit_record(action="iot.device.update", actor=by, obj=device, before=before, after=changes)
    return device


def device_move(*, device_id: int, lon: float, lat: float, by=None, at: datetime | None = None) -> Device:
    """Move a device: a new location row, and its area, village and grid (and active alarms') follow."""
    _require(by, "iot.change")
    where, errors = point_errors(lon, lat)
    if errors:
        _fail(errors, "device")
    at = at or timezone.now()
    with transaction.atomic():
        device = _device_for_change(device_id, by)
        before = {"lon": device.lon, "lat": device.lat, "grid": device.grid_id}
        device.lon, device.lat = lon, lat
        device.area_id, device.village_id, device.grid_id = where.area_id, where.village_id, where.grid_id
        device.save()
        DeviceLocation.objects.update_or_create(device=device, time=at, defaults={"lon": lon, "lat": lat})
        device.alarms.filter(status="active").update(
            area_id=where.area_id, village_id=where.village_id, grid_id=where.grid_id
        )
        _still_in_scope(device, by)
        audit_record(
            action="iot.device.move",
            actor=by,
            obj=device,
            before=before,
            after={"lon": lon, "lat": lat, "grid": where.grid_code},
        )
    return device


def device_set_status(*, device_id: int, status: str, by=None, note: str = "") -> Device:
    """Put a device in service, under maintenance (its rules raise nothing) or retire it."""
    _require(by, "iot.change")
    if status not in DeviceStatus.values:
        _fail([("status", f"{status!r} is not one of {', '.join(DeviceStatus.values)}")], "device")
    with transaction.atomic():
        device = _device_for_change(device_id, by)
        before = device.status
        if before != status:
            device.status = status
            device.save(update_fields=["status", "updated_at"])
            audit_record(
                action="iot.device.status",
                actor=by,
                obj=device,
                before={"status": before},
                after={"status": status, "note": note[:200]},
            )
    return device


def device_issue_secret(*, device_id: int, by=None) -> tuple[Device, str]:
    """A new MQTT/HTTP secret for a device (shown once; the previous one stops working)."""
    _require(by, "iot.change")
    with transaction.atomic():
        device = _device_for_change(device_id, by)
        if device.status == DeviceStatus.RETIRED:
            raise ValidationFailed(
                f"device {device.code} is retired",
                errors=[{"field": "status", "message": "a retired device gets no secret"}],
            )
        rotated = bool(device.secret_hash)
        secret = credentials.device_secret_issue(device=device)
        audit_record(action="iot.device.secret", actor=by, obj=device, after={"rotated": rotated})
    return device, secret


# ---- rules --------------------------------------------------------------------------------------------


def _context(device_type: DeviceType, device: Device | None, exclude_id: int | None = None) -> RuleContext:
    ranges = {
        q: (low, high)
        for q, low, high in device_type.type_quantities.values_list(
            "quantity__code", "min_valid", "max_valid"
        )
    }
    siblings = Rule.objects.filter(device_type=device_type, device__isnull=True)
    if device is not None:
        siblings = siblings | Rule.objects.filter(device=device)
    if exclude_id:
        siblings = siblings.exclude(pk=exclude_id)
    return RuleContext(device_type.report_interval_s, ranges, dict(siblings.values_list("code", "kind")))


def _rule_targets(r: RuleIn) -> tuple[DeviceType, Device | None]:
    device_type = DeviceType.objects.filter(code=r.device_type).first()
    if device_type is None:
        _fail([("device_type", f"there is no device type {r.device_type!r}")], "rule")
    device = None
    if r.device:
        device = Device.objects.filter(code=r.device).first()
        if device is None or device.device_type_id != device_type.pk:
            _fail([("device", f"there is no device {r.device!r} of type {r.device_type}")], "rule")
        base = Rule.objects.filter(device_type=device_type, device__isnull=True, code=r.code).first()
        if base is not None and base.kind != r.kind:
            _fail([("kind", f"an override of {r.code} must keep its kind {base.kind}")], "rule")
    return device_type, device


def _after_rule_write() -> None:
    rule_cache.invalidate()
    transaction.on_commit(rule_cache.invalidate)


def rule_create(*, data: RuleIn, by=None, actor_name: str = "") -> Rule:
    """Add a rule to a device type, or a per-device override of one (same code, ``device`` set)."""
    _require(by, "iot.change")
    with transaction.atomic():
        device_type, device = _rule_targets(data)
        if (
            device is not None
            and by is not None
            and not Device.objects.restrict(by, "iot.change").filter(pk=device.pk).exists()
        ):
            raise NotFound(f"There is no device {data.device!r} in your scope.")
        errors = rule_errors(data, _context(device_type, device))
        taken = Rule.objects.filter(device_type=device_type, code=data.code, device=device).exists()
        if taken:
            errors.append(
                (
                    "code",
                    f"rule {data.code!r} exists already" + (f" for device {device.code}" if device else ""),
                )
            )
        if errors:
            _fail(errors, "rule")
        rule = Rule.objects.create(
            device_type=device_type,
            device=device,
            code=data.code,
            name=data.name.strip(),
            kind=data.kind,
            severity=data.severity,
            quantity=Quantity.objects.filter(code=data.quantity).first() if data.quantity else None,
            params=data.params,
            enabled=data.enabled,
            case_item_code=data.case_item_code,
        )
        audit_record(
            action="iot.rule.create", actor=by, actor_name=actor_name, obj=rule, after=_rule_dict(rule)
        )
        _after_rule_write()
    return rule


def _rule_dict(rule: Rule) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "kind": rule.kind,
        "severity": rule.severity,
        "quantity": rule.quantity.code if rule.quantity_id else None,
        "params": rule.params,
        "enabled": rule.enabled,
        "case_item_code": rule.case_item_code,
    }


def rule_update(
    *,
    rule_id: int,
    by=None,
    name: str | None = None,
    severity: str | None = None,
    quantity: str | None = None,
    params: dict | None = None,
    enabled: bool | None = None,
    case_item_code: str | None = None,
) -> Rule:
    """Change a rule (None leaves a field as it is); checked whole again before it is saved."""
    _require(by, "iot.change")
    with transaction.atomic():
        rule = (
            Rule.objects.select_for_update(of=("self",))
            .select_related("device_type", "device", "quantity")
            .filter(pk=rule_id)
            .first()
        )
        if rule is None or (
            rule.device_id
            and by is not None
            and not Device.objects.restrict(by, "iot.change").filter(pk=rule.device_id).exists()
        ):
            raise NotFound(f"There is no rule {rule_id} in your scope.")
        before = _rule_dict(rule)
        merged = RuleIn(
            device_type=rule.device_type.code,
            code=rule.code,
            name=before["name"] if name is None else name,
            kind=rule.kind,
            severity=before["severity"] if severity is None else severity,
            quantity=before["quantity"] if quantity is None else quantity,
            params=before["params"] if params is None else params,
            enabled=before["enabled"] if enabled is None else enabled,
            case_item_code=before["case_item_code"] if case_item_code is None else case_item_code,
        )
        errors = rule_errors(merged, _context(rule.device_type, rule.device, exclude_id=rule.pk))
        if errors:
            _fail(errors, "rule")
        rule.name, rule.severity, rule.params = merged.name.strip(), merged.severity, merged.params
        rule.enabled, rule.case_item_code = merged.enabled, merged.case_item_code
        rule.quantity = Quantity.objects.filter(code=merged.quantity).first() if merged.quantity else None
        rule.save()
        after = _rule_dict(rule)
        audit_record(
            action="iot.rule.update",
            actor=by,
            obj=rule,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
        _after_rule_write()
    return rule


# ---- dead letters -------------------------------------------------------------------------------------


def dead_letter_resolve(*, pk: int, by) -> bool:
    """Mark a dead letter in the user's scope resolved (once); False when it already was. Audited."""
    _require(by, "iot.admin")
    with transaction.atomic():
        done = (
            DeadLetter.objects.restrict(by, "iot.admin")
            .filter(pk=pk, resolved_at__isnull=True)
            .update(resolved_at=timezone.now())
        )
        if done:
            audit_record(
                action="iot.dead_letter.resolve", actor=by, object_type="iot.deadletter", object_id=str(pk)
            )
    return bool(done)
