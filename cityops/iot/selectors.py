"""Reads of the device registry, rules and alarms, each restricted to the acting user's scope."""

from dataclasses import dataclass

from django.db.models import Q

from cityops.cases import links
from cityops.core.errors import NotFound
from cityops.iot.models import Alarm, Device, DeviceType, Rule


@dataclass
class DeviceFilter:
    device_type: str | None = None
    area: str | None = None
    village: str | None = None
    grid: str | None = None
    status: str | None = None
    connectivity: str | None = None
    text: str | None = None


def device_list(*, user, filters: DeviceFilter | None = None, action: str = "iot.view"):
    """Devices the user may see (or act on), filtered, by code."""
    f = filters or DeviceFilter()
    qs = Device.objects.restrict(user, action).select_related("device_type", "area", "village", "grid")
    for name, lookup in (
        ("device_type", "device_type__code"),
        ("area", "area__code"),
        ("village", "village__code"),
        ("grid", "grid__code"),
        ("status", "status"),
        ("connectivity", "connectivity"),
    ):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{lookup: value})
    if f.text:
        qs = qs.filter(Q(code__icontains=f.text) | Q(name__icontains=f.text) | Q(address__icontains=f.text))
    return qs.order_by("code")


def device_get(*, user, code: str, action: str = "iot.view") -> Device:
    device = (
        Device.objects.restrict(user, action)
        .select_related("device_type", "area", "village", "grid")
        .filter(code=code)
        .first()
    )
    if device is None:
        raise NotFound(f"There is no device {code!r} in your scope.")
    return device


def device_rules(device: Device) -> list[Rule]:
    """The rules that apply to a device: its type's, with its own overrides in their place."""
    rows = Rule.objects.filter(
        Q(device_type_id=device.device_type_id, device__isnull=True) | Q(device=device)
    )
    merged: dict[str, Rule] = {}
    for rule in rows.select_related("quantity").order_by("code", "device_id"):
        if rule.code not in merged or rule.device_id:
            merged[rule.code] = rule
    return list(merged.values())


def device_types():
    return DeviceType.objects.prefetch_related("type_quantities__quantity").order_by("code")


def rule_list(*, device_type: str | None = None, device: Device | None = None):
    qs = Rule.objects.select_related("device_type", "device", "quantity")
    if device_type:
        qs = qs.filter(device_type__code=device_type)
    qs = qs.filter(device=device) if device is not None else qs.filter(device__isnull=True)
    return qs.order_by("device_type__code", "code")


def rule_get(*, rule_id: int) -> Rule:
    rule = Rule.objects.select_related("device_type", "device", "quantity").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"There is no rule {rule_id}.")
    return rule


@dataclass
class AlarmFilter:
    status: str | None = None
    severity: str | None = None
    device_type: str | None = None
    device: str | None = None
    area: str | None = None
    village: str | None = None
    grid: str | None = None
    acknowledged: bool | None = None


def alarm_list(*, user, filters: AlarmFilter | None = None):
    """Alarms the user may see, filtered, newest first."""
    f = filters or AlarmFilter()
    qs = Alarm.objects.restrict(user, "iot.view").select_related(
        "device", "rule", "device__device_type", "area", "village", "grid"
    )
    for name, lookup in (
        ("status", "status"),
        ("severity", "severity"),
        ("device_type", "device__device_type__code"),
        ("device", "device__code"),
        ("area", "area__code"),
        ("village", "village__code"),
        ("grid", "grid__code"),
    ):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{lookup: value})
    if f.acknowledged is not None:
        qs = qs.filter(acknowledged_at__isnull=not f.acknowledged)
    return qs.order_by("-started_at", "-id")


def alarm_get(*, user, alarm_id: int) -> Alarm:
    alarm = (
        Alarm.objects.restrict(user, "iot.view")
        .select_related("device", "rule", "area", "village", "grid", "acknowledged_by", "cleared_by")
        .filter(pk=alarm_id)
        .first()
    )
    if alarm is None:
        raise NotFound(f"There is no alarm {alarm_id} in your scope.")
    return alarm


def alarm_comments(alarm: Alarm):
    return alarm.comments.select_related("author").order_by("created_at", "id")


def alarm_case(alarm: Alarm) -> links.CaseState | None:
    """The current state of the alarm's case, read live (the follow-up stores it only periodically)."""
    if not alarm.case_id:
        return None
    return links.case_states([alarm.case_id]).get(alarm.case_id)


def iot_counts() -> dict:
    """Devices (by type and connectivity), readings stored in every tier, active alarms, dead letters."""
    from django.db.models import Count, Sum

    from cityops.iot.models import DeadLetter, Reading, ReadingBlock

    by_type = dict(Device.objects.values_list("device_type__code").annotate(n=Count("id")))
    by_link = dict(Device.objects.values_list("connectivity").annotate(n=Count("id")))
    compacted = ReadingBlock.objects.aggregate(n=Sum("count"))["n"] or 0
    return {
        "devices": sum(by_type.values()),
        "devices_by_type": dict(sorted(by_type.items())),
        "devices_by_connectivity": dict(sorted(by_link.items())),
        "readings": Reading.objects.count() + compacted,
        "readings_compacted": compacted,
        "active_alarms": Alarm.objects.filter(status="active").count(),
        "dead_letters": DeadLetter.objects.filter(resolved_at__isnull=True).count(),
    }
