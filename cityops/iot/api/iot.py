"""The IoT API: devices, device types, rules and alarms; thin over the selectors and services."""

from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Status

from cityops.core.api import PageQuery, paginate
from cityops.core.errors import ValidationFailed
from cityops.core.inputs import Id
from cityops.iot import alarms, selectors, services
from cityops.iot.choices import AlarmStatus, Connectivity, DeviceStatus, Severity
from cityops.iot.models import Alarm, Device, Rule
from cityops.iot.rule_checks import RuleIn
from cityops.iot.schemas import (
    AlarmDetail,
    AlarmPage,
    AlarmQuery,
    CommentIn,
    CommentOut,
    DeviceDetail,
    DeviceIn,
    DevicePage,
    DevicePatch,
    DeviceQuery,
    DeviceTypeOut,
    NoteIn,
    RuleOut,
    RulePatch,
    SecretOut,
)
from cityops.iot.schemas import RuleIn as RuleBody

router = Router(tags=["iot"])


def _require(request, action: str) -> None:
    if not request.user.can(action):
        raise PermissionDenied(f"Your role may not do {action}.")


def device_row(d: Device) -> dict:
    status, conn = DeviceStatus(d.status), Connectivity(d.connectivity)
    return {
        "code": d.code,
        "name": d.name,
        "type": d.device_type.code,
        "type_name": d.device_type.name,
        "status": d.status,
        "status_label": str(status.label),
        "status_colour": status.colour,
        "connectivity": d.connectivity,
        "connectivity_label": str(conn.label),
        "connectivity_colour": conn.colour,
        "lon": d.lon,
        "lat": d.lat,
        "address": d.address,
        "area": d.area.code,
        "village": d.village.code,
        "grid": d.grid.code,
        "install_date": d.install_date,
        "last_seen_at": d.last_seen_at,
        "has_secret": bool(d.secret_hash),
    }


def rule_row(r: Rule) -> dict:
    return {
        "id": r.id,
        "code": r.code,
        "name": r.name,
        "type": r.device_type.code,
        "device": r.device.code if r.device_id else None,
        "kind": r.kind,
        "severity": r.severity,
        "severity_colour": Severity(r.severity).colour,
        "quantity": r.quantity.code if r.quantity_id else None,
        "params": r.params,
        "enabled": r.enabled,
        "case_item_code": r.case_item_code,
    }


def device_detail(d: Device) -> dict:
    streams = d.datastreams.select_related("quantity").order_by("quantity__code")
    return {
        **device_row(d),
        "description": d.description,
        "properties": d.properties,
        "streams": [
            {
                "quantity": s.quantity.code,
                "unit": s.quantity.unit_symbol,
                "last_value": s.last_value,
                "last_time": s.last_time,
            }
            for s in streams
        ],
        "rules": [rule_row(r) for r in selectors.device_rules(d)],
        "active_alarms": d.alarms.filter(status=AlarmStatus.ACTIVE).count(),
    }


def alarm_row(a: Alarm) -> dict:
    severity, status = Severity(a.severity), AlarmStatus(a.status)
    return {
        "id": a.id,
        "device": a.device.code,
        "device_name": a.device.name,
        "rule": a.rule.code,
        "rule_name": a.rule.name,
        "severity": a.severity,
        "severity_label": str(severity.label),
        "severity_colour": severity.colour,
        "status": a.status,
        "status_colour": status.colour,
        "message": a.message,
        "value": a.value,
        "started_at": a.started_at,
        "last_seen_at": a.last_seen_at,
        "trigger_count": a.trigger_count,
        "cleared_at": a.cleared_at,
        "acknowledged_at": a.acknowledged_at,
        "case_number": a.case_number,
        "case_status": a.case_status,
        "area": a.area.code,
        "village": a.village.code,
        "grid": a.grid.code,
    }


def alarm_detail(request, alarm_id: Id) -> dict:
    a = selectors.alarm_get(user=request.user, alarm_id=alarm_id)
    case = selectors.alarm_case(a)
    return {
        **alarm_row(a),
        "acknowledged_by": a.acknowledged_by.username if a.acknowledged_by_id else None,
        "cleared_by": a.cleared_by.username if a.cleared_by_id else None,
        "comments": [
            {
                "id": c.id,
                "author": c.author.username if c.author_id else None,
                "text": c.text,
                "created_at": c.created_at,
            }
            for c in selectors.alarm_comments(a)
        ],
        "case": {"number": a.case_number, "status": case.status, "closed_at": case.closed_at}
        if case
        else None,
    }


# ---- devices ------------------------------------------------------------------------------------------


@router.get("/devices", response=DevicePage, summary="Devices in your scope, filtered and paged")
def device_list(request, q: Query[DeviceQuery], paging: Query[PageQuery]):
    _require(request, "iot.view")
    f = selectors.DeviceFilter(
        device_type=q.type,
        area=q.area,
        village=q.village,
        grid=q.grid,
        status=q.status,
        connectivity=q.connectivity,
        text=q.q,
    )
    items, meta = paginate(selectors.device_list(user=request.user, filters=f), paging)
    return {**meta, "results": [device_row(d) for d in items]}


@router.post("/devices", response={201: DeviceDetail}, summary="Register a device")
def device_create(request, body: DeviceIn):
    _require(request, "iot.change")
    data = services.DeviceIn(
        code=body.code,
        name=body.name,
        device_type=body.type,
        lon=body.lon,
        lat=body.lat,
        description=body.description,
        address=body.address,
        install_date=body.install_date,
        status=body.status,
        properties=body.properties,
    )
    device = services.device_create(data=data, by=request.user)
    return Status(201, device_detail(selectors.device_get(user=request.user, code=device.code)))


@router.get("/devices/{code}", response=DeviceDetail, summary="One device with its streams, rules and alarms")
def device_get(request, code: str):
    _require(request, "iot.view")
    return device_detail(selectors.device_get(user=request.user, code=code))


@router.patch("/devices/{code}", response=DeviceDetail, summary="Change, move or set the status of a device")
def device_update(request, code: str, body: DevicePatch):
    _require(request, "iot.change")
    device = selectors.device_get(user=request.user, code=code)
    if (body.lon is None) != (body.lat is None):
        raise ValidationFailed(
            "a move needs both lon and lat", errors=[{"field": "location", "message": "lon and lat"}]
        )
    fields = body.model_dump(
        include={"name", "description", "address", "install_date", "properties"}, exclude_unset=True
    )
    if fields:
        services.device_update(device_id=device.pk, by=request.user, **fields)
    if body.lon is not None:
        services.device_move(device_id=device.pk, lon=body.lon, lat=body.lat, by=request.user)
    if body.status is not None:
        services.device_set_status(device_id=device.pk, status=body.status, by=request.user)
    return device_detail(selectors.device_get(user=request.user, code=code))


@router.post("/devices/{code}/secret", response={201: SecretOut}, summary="Issue or rotate a device secret")
def device_secret(request, code: str):
    _require(request, "iot.change")
    device = selectors.device_get(user=request.user, code=code)
    device, secret = services.device_issue_secret(device_id=device.pk, by=request.user)
    return Status(201, {"device": device.code, "secret": secret})


@router.get("/device-types", response=list[DeviceTypeOut], summary="Device types with their quantities")
def device_types(request):
    _require(request, "iot.view")
    return [
        {
            "code": t.code,
            "name": t.name,
            "description": t.description,
            "report_interval_s": t.report_interval_s,
            "offline_after_s": t.offline_after_s,
            "quantities": [
                {
                    "quantity": tq.quantity.code,
                    "name": tq.quantity.name,
                    "unit": tq.quantity.unit_symbol,
                    "min_valid": tq.min_valid,
                    "max_valid": tq.max_valid,
                }
                for tq in t.type_quantities.all()
            ],
        }
        for t in selectors.device_types()
    ]


# ---- rules --------------------------------------------------------------------------------------------


@router.get("/rules", response=list[RuleOut], summary="Rules of device types, or a device's overrides")
def rule_list(request, type: str | None = None, device: str | None = None):
    _require(request, "iot.view")
    own = selectors.device_get(user=request.user, code=device) if device else None
    return [rule_row(r) for r in selectors.rule_list(device_type=type, device=own)]


@router.post("/rules", response={201: RuleOut}, summary="Add a rule, or a per-device override")
def rule_create(request, body: RuleBody):
    _require(request, "iot.change")
    data = RuleIn(
        device_type=body.type,
        code=body.code,
        name=body.name,
        kind=body.kind,
        severity=body.severity,
        quantity=body.quantity,
        params=body.params,
        enabled=body.enabled,
        case_item_code=body.case_item_code,
        device=body.device,
    )
    rule = services.rule_create(data=data, by=request.user)
    return Status(201, rule_row(selectors.rule_get(rule_id=rule.pk)))


@router.patch("/rules/{rule_id}", response=RuleOut, summary="Change a rule")
def rule_update(request, rule_id: Id, body: RulePatch):
    _require(request, "iot.change")
    services.rule_update(rule_id=rule_id, by=request.user, **body.model_dump(exclude_unset=True))
    return rule_row(selectors.rule_get(rule_id=rule_id))


# ---- alarms -------------------------------------------------------------------------------------------


@router.get("/alarms", response=AlarmPage, summary="Alarms in your scope, newest first")
def alarm_list(request, q: Query[AlarmQuery], paging: Query[PageQuery]):
    _require(request, "iot.view")
    f = selectors.AlarmFilter(
        status=q.status,
        severity=q.severity,
        device_type=q.type,
        device=q.device,
        area=q.area,
        village=q.village,
        grid=q.grid,
        acknowledged=q.acknowledged,
    )
    items, meta = paginate(selectors.alarm_list(user=request.user, filters=f), paging)
    return {**meta, "results": [alarm_row(a) for a in items]}


@router.get("/alarms/{alarm_id}", response=AlarmDetail, summary="One alarm with its comments and case")
def alarm_get(request, alarm_id: Id):
    _require(request, "iot.view")
    return alarm_detail(request, alarm_id)


@router.post("/alarms/{alarm_id}/ack", response=AlarmDetail, summary="Acknowledge an alarm")
def alarm_ack(request, alarm_id: Id, body: NoteIn):
    alarms.alarm_acknowledge(alarm_id=alarm_id, by=request.user, note=body.note)
    return alarm_detail(request, alarm_id)


@router.post("/alarms/{alarm_id}/clear", response=AlarmDetail, summary="Clear an active alarm by hand")
def alarm_clear(request, alarm_id: Id, body: NoteIn):
    alarms.alarm_clear(alarm_id=alarm_id, by=request.user, note=body.note)
    return alarm_detail(request, alarm_id)


@router.post("/alarms/{alarm_id}/comments", response={201: CommentOut}, summary="Comment on an alarm")
def alarm_comment(request, alarm_id: Id, body: CommentIn):
    c = alarms.alarm_comment(alarm_id=alarm_id, by=request.user, text=body.text)
    return Status(
        201, {"id": c.id, "author": request.user.username, "text": c.text, "created_at": c.created_at}
    )
