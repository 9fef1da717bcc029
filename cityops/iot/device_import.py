"""Bulk import and export of devices as CSV (UTF-8 or GBK/GB18030) or XLSX, all or nothing.

Every row is checked (fields, its point inside the town, codes unique in the file, a stored
device keeping its type) before anything is written; one problem anywhere writes nothing, and
each problem names its row (the header is row 1) and column. A row whose code exists updates that
device (a new point is a move, with its location row). The export writes the same columns.
"""

import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import NoReturn

from django.db import transaction
from django.utils import timezone

from cityops.audit.services import audit_record
from cityops.core import tabular
from cityops.core.errors import Forbidden
from cityops.core.export import Sheet, columns, file_bytes
from cityops.core.tabular import row_error as error
from cityops.iot.models import Device, DeviceLocation, DeviceType
from cityops.iot.services import DeviceIn, device_errors, device_write_new, point_errors

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_ERRORS = 200
SHEET_NAME = "设备"
COLUMNS = [
    tabular.Column("code", "设备编码", True),
    tabular.Column("name", "设备名称", True),
    tabular.Column("type", "设备类型", True),
    tabular.Column("lon", "经度", True),
    tabular.Column("lat", "纬度", True),
    tabular.Column("install_date", "安装日期"),
    tabular.Column("status", "状态"),
    tabular.Column("address", "地址"),
    tabular.Column("properties", "属性"),
]
CODES = [c.code for c in COLUMNS]
SPEC = tabular.Spec(
    COLUMNS,
    "The devices were not imported: %(count)s problem(s) found; nothing was written.",
    sheet_name=SHEET_NAME,
    max_bytes=MAX_BYTES,
    max_rows=MAX_ROWS,
    max_errors=MAX_ERRORS,
)
STATUSES = {
    "在用": "active",
    "维护": "maintenance",
    "维修": "maintenance",
    "停用": "retired",
    "报废": "retired",
}
# a field of the device check → the column that holds it
FIELD_COLUMN = {"device_type": "type", "location": "lon"}


def _refuse(errors: list[dict]) -> NoReturn:
    tabular.refuse(errors, SPEC)


def parse_properties(text: str) -> dict:
    """A JSON object, or key=value pairs separated by ';' (numbers stay numbers)."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        value = json.loads(text)
        if not isinstance(value, dict):
            raise ValueError("must be a JSON object")
        return value
    out = {}
    for part in text.replace("；", ";").split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{part.strip()!r} is not key=value")
        value = value.strip()
        try:
            out[key.strip()] = int(value) if value.lstrip("-").isdigit() else float(value)
        except ValueError:
            out[key.strip()] = value
    return out


# ---- checking the rows ----------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    data: DeviceIn
    where: object


def _parse_row(number: int, cells: list[str], index: dict[str, int], errors: list[dict]) -> DeviceIn | None:
    get = tabular.getter(cells, index)
    bad = len(errors)
    values = {}
    for code in ("lon", "lat"):
        try:
            values[code] = float(get(code))
        except ValueError:
            errors.append(error(number, code, f"{get(code)!r} is not a number"))
    install = None
    if get("install_date"):
        try:
            install = date.fromisoformat(get("install_date")[:10])
        except ValueError:
            errors.append(
                error(number, "install_date", f"{get('install_date')!r} is not a date (YYYY-MM-DD)")
            )
    try:
        properties = parse_properties(get("properties"))
    except ValueError as exc:
        errors.append(error(number, "properties", f"not JSON or key=value pairs: {exc}"))
        properties = {}
    if len(errors) > bad:
        return None
    status = get("status") or "active"
    return DeviceIn(
        code=get("code"),
        name=get("name"),
        device_type=get("type"),
        lon=values["lon"],
        lat=values["lat"],
        address=get("address"),
        install_date=install,
        status=STATUSES.get(status, status.lower()),
        properties=properties,
    )


def _check(rows: list[tuple[int, list[str]]], index: dict[str, int]) -> tuple[list[Row], list[dict]]:
    types = {t.code: t for t in DeviceType.objects.all()}
    stored = dict(Device.objects.values_list("code", "device_type__code"))
    errors: list[dict] = []
    checked: list[Row] = []
    codes = Counter(tabular.getter(cells, index)("code") for _, cells in rows)
    for number, cells in rows:
        data = _parse_row(number, cells, index, errors)
        if data is None:
            continue
        where, problems = point_errors(data.lon, data.lat)
        problems = device_errors(data, types.get(data.device_type)) + problems
        if codes[data.code] > 1:
            problems.append(("code", f"{data.code!r} appears {codes[data.code]} times in the file"))
        if data.code in stored and data.device_type in types and stored[data.code] != data.device_type:
            problems.append(
                ("device_type", f"device {data.code} is a {stored[data.code]}; its type cannot change")
            )
        for name, message in problems:
            column = FIELD_COLUMN.get(name, name.split(".")[0])
            errors.append(error(number, column, message))
        if not problems:
            checked.append(Row(number, data, where))
    return checked, errors


# ---- writing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    moved: int


def _update(device: Device, row: Row, now) -> tuple[bool, bool]:
    d, w = row.data, row.where
    fields = {
        "name": d.name,
        "address": d.address,
        "install_date": d.install_date,
        "status": d.status,
        "properties": d.properties,
    }
    # a spreadsheet keeps 15 significant digits: closer than 1e-9° (0.1 mm) is the same point
    moved = not (
        math.isclose(device.lon, d.lon, abs_tol=1e-9) and math.isclose(device.lat, d.lat, abs_tol=1e-9)
    )
    if moved:
        fields.update(lon=d.lon, lat=d.lat, area_id=w.area_id, village_id=w.village_id, grid_id=w.grid_id)
        DeviceLocation.objects.update_or_create(
            device=device, time=now, defaults={"lon": d.lon, "lat": d.lat}
        )
    changed = {k: v for k, v in fields.items() if getattr(device, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(device, key, value)
        device.save()
    return bool(changed), moved


def device_import(*, data: bytes, filename: str, by=None, actor_name: str = "") -> ImportResult:
    """Check a device file completely, then write all its devices, or nothing."""
    if by is not None and not by.can("iot.change"):
        raise Forbidden("Your role may not import devices.")
    table, index = tabular.load(data, filename, SPEC)
    with transaction.atomic():
        rows, errors = _check(table.rows, index)
        if errors:
            _refuse(errors)
        if not rows:
            _refuse([error(None, None, "the file has a header row but no devices")])
        result = _write(rows)
        if result.created or result.updated:
            audit_record(
                action="iot.device.import",
                actor=by,
                actor_name=actor_name,
                object_type="iot.device",
                after={"file": filename, **result.__dict__},
            )
    return result


def _write(rows: list[Row]) -> ImportResult:
    now = timezone.now()
    types = {t.code: t for t in DeviceType.objects.all()}
    existing = {
        d.code: d for d in Device.objects.select_for_update().filter(code__in=[r.data.code for r in rows])
    }
    counts = Counter()
    for row in rows:
        device = existing.get(row.data.code)
        if device is None:
            device_write_new(row.data, types[row.data.device_type], row.where, now)
            counts["created"] += 1
            continue
        changed, moved = _update(device, row, now)
        counts["updated" if changed else "unchanged"] += 1
        counts["moved"] += moved
    return ImportResult(counts["created"], counts["updated"], counts["unchanged"], counts["moved"])


# ---- export -------------------------------------------------------------------------------------------


def _record(device: Device) -> list:
    return [
        device.code,
        device.name,
        device.device_type.code,
        device.lon,
        device.lat,
        device.install_date.isoformat() if device.install_date else "",
        device.status,
        device.address,
        json.dumps(device.properties, ensure_ascii=False, sort_keys=True) if device.properties else "",
    ]


def device_export(*, fmt: str, queryset=None) -> bytes:
    """The devices (all, or ``queryset``) as a CSV or XLSX file that imports back unchanged."""
    devices = (queryset if queryset is not None else Device.objects.all()).select_related("device_type")
    rows = (_record(d) for d in devices.order_by("code").iterator(chunk_size=2000))
    if fmt in ("csv", "xlsx"):
        return file_bytes(fmt=fmt, sheets=[Sheet(SHEET_NAME, columns(CODES), rows)])
    raise ValueError(f"unknown format {fmt!r}; use csv or xlsx")
