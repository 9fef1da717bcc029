"""Rule evaluation: thresholds with hysteresis and duration, rate of change, offline, combinations.

``evaluate_readings`` runs inside the ingest worker's transaction after a batch is stored. It costs
three queries whatever the batch size (the batch's devices, their rule states, their active
alarms), a fourth on PostgreSQL that locks the devices (``_lock_devices``), plus bulk writes of the changed states; an alarm that is raised, escalated or cleared
costs a few more. The rules come compiled from the per-process cache of ``rule_cache``.

What a rule remembers between readings (since when a threshold is exceeded, whether it is
active, the previous value for a rate) lives in ``RuleState`` rows, so a restart loses nothing.
A reading at or before the last one a rule saw for a device is ignored by that rule.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from cityops.iot import alarms
from cityops.iot.choices import SEVERITY_RANK, Connectivity, DeviceStatus, RuleKind
from cityops.iot.models import Device, DeviceType, RuleState
from cityops.iot.profiles import noise_limit
from cityops.iot.rule_cache import RuleDef, RuleSet, rule_sets
from cityops.iot.types import StoredReading

STATE_FIELDS = ["pending_since", "clearing_since", "active", "last_time", "last_value"]
UP_OPS = (">", ">=")


# ---- values that depend on the device or the time ------------------------------------------------


def resolve(spec, device: alarms.DeviceInfo, at: datetime) -> float | None:
    """A threshold: a number, a device property plus an offset, or the noise limit at that time."""
    if spec is None:
        return None
    if isinstance(spec, int | float):
        return float(spec)
    offset = float(spec.get("offset", 0))
    if "property" in spec:
        value = device.properties.get(spec["property"])
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None  # the device lacks the property: the rule does not apply to it
        return float(value) + offset
    if spec.get("source") == "noise_limit":
        limit = noise_limit(device.properties.get("zone_class", ""), timezone.localtime(at).hour)
        return None if limit is None else limit + offset
    return None


def in_hours(params: dict, at: datetime) -> bool:
    hours = params.get("hours")
    if not hours:
        return True
    start, end = hours
    hour = timezone.localtime(at).hour
    return start <= hour < end if start <= end else (hour >= start or hour < end)


def _beyond(op: str, value: float, limit: float) -> bool:
    return {">": value > limit, ">=": value >= limit, "<": value < limit, "<=": value <= limit}[op]


def _back(op: str, value: float, clear: float) -> bool:
    """Whether ``value`` is back on the clear side of the hysteresis band."""
    return value < clear if op in UP_OPS else value > clear


def level_severity(rule: RuleDef, device, at: datetime, value: float) -> str:
    """The most severe level ``value`` reaches (the rule's own severity at least)."""
    best = rule.severity
    for level in rule.params.get("levels", ()):
        limit = resolve(level["value"], device, at)
        reached = limit is not None and _beyond(rule.op, value, limit)
        if reached and SEVERITY_RANK[level["severity"]] > SEVERITY_RANK[best]:
            best = level["severity"]
    return best


# ---- one batch ----------------------------------------------------------------------------------


@dataclass
class Batch:
    now: datetime
    states: dict[tuple[int, int], RuleState]
    changes: alarms.Changes
    dirty: set = field(default_factory=set)
    new: list = field(default_factory=list)

    def state(self, rule: RuleDef, device_id: int) -> RuleState:
        key = (rule.id, device_id)
        st = self.states.get(key)
        if st is None:
            st = RuleState(rule_id=rule.id, device_id=device_id)
            self.states[key] = st
            self.new.append(st)
        return st

    def touch(self, st: RuleState) -> None:
        if st.pk is not None:
            self.dirty.add(st.pk)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _message(rule: RuleDef, value: float, limit: float | None) -> str:
    text = f"{rule.name}：{rule.quantity} = {_fmt(value)}{rule.unit}"
    return f"{text}（阈值 {_fmt(limit)}{rule.unit}）" if limit is not None else text


def _activate(b: Batch, rule, device, st, at, severity, value, message) -> None:
    st.active, st.pending_since = True, None
    if rule.raises_alarm:
        b.changes.trigger(rule, device, severity, value, at, message)


def _deactivate(b: Batch, rule, device, st, at) -> None:
    st.active, st.pending_since = False, None
    if rule.raises_alarm:
        b.changes.clear(rule, device, at)


def eval_threshold(b: Batch, rule: RuleDef, device, st: RuleState, at: datetime, value: float) -> None:
    limit = resolve(rule.params.get("value"), device, at)
    if limit is None:
        return
    clear = resolve(rule.params.get("clear_value", rule.params.get("value")), device, at)
    clear = limit if clear is None else clear
    window = in_hours(rule.params, at)
    exceeded = window and _beyond(rule.op, value, limit)
    if not st.active:
        if not exceeded:
            st.pending_since = None
            return
        st.pending_since = st.pending_since or at
        if (at - st.pending_since).total_seconds() >= float(rule.params.get("for_s", 0)):
            severity = level_severity(rule, device, at, value)
            _activate(b, rule, device, st, at, severity, value, _message(rule, value, limit))
        return
    if not window or _back(rule.op, value, clear):
        _deactivate(b, rule, device, st, at)
    elif exceeded and rule.raises_alarm:
        b.changes.trigger(
            rule, device, level_severity(rule, device, at, value), value, at, _message(rule, value, limit)
        )


def eval_rate(b: Batch, rule: RuleDef, device, st: RuleState, at: datetime, value: float, prev) -> None:
    prev_time, prev_value = prev
    gap = rule.params.get("max_gap_s") or rule.offline_after_s
    if prev_time is None or (at - prev_time).total_seconds() > gap:
        return  # no previous reading close enough to make a rate
    per_min = (value - prev_value) / ((at - prev_time).total_seconds() / 60)
    direction = rule.params.get("direction", "up")
    size = per_min if direction == "up" else -per_min if direction == "down" else abs(per_min)
    limit = float(rule.params["value"])
    clear = float(rule.params.get("clear_value", limit))
    message = f"{rule.name}：{rule.quantity} 每分钟变化 {_fmt(per_min)}{rule.unit}（阈值 {_fmt(limit)}）"
    if not st.active:
        if size >= limit:
            _activate(b, rule, device, st, at, rule.severity, per_min, message)
    elif size <= clear:
        _deactivate(b, rule, device, st, at)
    elif size >= limit and rule.raises_alarm:
        b.changes.trigger(rule, device, rule.severity, per_min, at, message)


def eval_combination(b: Batch, rule: RuleDef, rules: dict[str, RuleDef], device, at: datetime) -> None:
    parts = [rules.get(code) for code in rule.params.get("rules", ())]
    if not parts or any(p is None for p in parts):
        return  # a part disabled for this device: the combination cannot hold
    actives = [
        b.states.get((p.id, device.id)) is not None and b.states[(p.id, device.id)].active for p in parts
    ]
    holds = all(actives) if rule.params.get("op", "all") == "all" else any(actives)
    st = b.state(rule, device.id)
    names = "、".join(p.name for p, a in zip(parts, actives, strict=True) if a)
    if holds and not st.active:
        _activate(b, rule, device, st, at, rule.severity, None, f"{rule.name}：{names}")
        b.touch(st)
    elif not holds and st.active:
        _deactivate(b, rule, device, st, at)
        b.touch(st)


def _evaluate_reading(b: Batch, rules: dict[str, RuleDef], device, reading: StoredReading) -> bool:
    """Apply one reading to the rules of its quantity; whether any rule looked at it."""
    seen = False
    for rule in rules.values():
        if rule.quantity != reading.quantity_code or rule.kind not in (RuleKind.THRESHOLD, RuleKind.RATE):
            continue
        st = b.state(rule, device.id)
        if st.last_time is not None and reading.time <= st.last_time:
            continue
        prev = (st.last_time, st.last_value)
        st.last_time, st.last_value = reading.time, reading.value
        if rule.kind == RuleKind.THRESHOLD:
            eval_threshold(b, rule, device, st, reading.time, reading.value)
        else:
            eval_rate(b, rule, device, st, reading.time, reading.value, prev)
        b.touch(st)
        seen = True
    return seen


def _evaluate_device(b: Batch, rules: dict[str, RuleDef], device, readings: list[StoredReading]) -> None:
    for rule in rules.values():
        if rule.kind == RuleKind.OFFLINE:
            st = b.states.get((rule.id, device.id))
            if st is not None and st.active:  # data is back
                _deactivate(b, rule, device, st, readings[0].time)
                b.touch(st)
                b.changes.back_online.add(device.id)
    if device.status != DeviceStatus.ACTIVE:
        return  # a device in maintenance or retired reports, but raises nothing
    combos = [r for r in rules.values() if r.kind == RuleKind.COMBINATION]
    for reading in sorted(readings, key=lambda r: r.time):
        if _evaluate_reading(b, rules, device, reading):
            for combo in combos:
                eval_combination(b, combo, rules, device, reading.time)


def _flush(b: Batch) -> None:
    if b.dirty:
        changed = [st for st in b.states.values() if st.pk in b.dirty]
        RuleState.objects.bulk_update(changed, STATE_FIELDS)
    worth = [st for st in b.new if st.active or st.pending_since or st.last_time]
    if worth:
        # another worker may have created the same state meanwhile; its row stands
        RuleState.objects.bulk_create(worth, ignore_conflicts=True)


def _lock_devices(ids: list[int]) -> None:
    """Evaluations of one device take turns (PostgreSQL; SQLite has one writer): two ingest workers
    with readings of the same device would otherwise both read its rule states before either wrote
    them, and the one that wrote last would undo the other's change (an alarm left active with its
    rule's state cleared). The rows are locked in id order, so two batches never wait in a circle;
    the locks last until the batch commits, as the devices' own update at its end does anyway."""
    if not (connection.features.has_select_for_update and connection.in_atomic_block):
        return  # SQLite: the batch's transaction holds the only write lock; outside one: nothing to hold
    locked = Device.objects.filter(pk__in=ids).order_by("pk").select_for_update(no_key=True)
    list(locked.values_list("pk", flat=True))


def evaluate_readings(readings: list[StoredReading], *, now: datetime) -> None:
    """Apply a stored batch of readings to the rules of their devices; raise and clear alarms."""
    if not readings:
        return
    by_device: dict[int, list[StoredReading]] = defaultdict(list)
    for r in readings:
        by_device[r.device_id].append(r)
    _lock_devices(list(by_device))
    devices = alarms.device_infos(list(by_device))
    sets = rule_sets()
    states = {(s.rule_id, s.device_id): s for s in RuleState.objects.filter(device_id__in=list(devices))}
    b = Batch(now, states, alarms.Changes(now=now, active=alarms.active_map(list(devices))))
    for device_id, device in devices.items():
        ruleset = sets.get(device.device_type_id)
        if ruleset is not None:
            _evaluate_device(b, ruleset.for_device(device_id), device, by_device[device_id])
    _flush(b)
    b.changes.apply()


# ---- the offline sweep ----------------------------------------------------------------------------


def _unlocked(qs):
    """The rows of ``qs`` that nobody else holds, locked until the sweep commits (PostgreSQL): a
    device whose readings an ingest batch is storing this moment is not silent, one that another
    sweep holds is that sweep's, and waiting for either could close a circle of waits."""
    return qs.select_for_update(skip_locked=True, no_key=True)


def _mark_offline(now: datetime) -> int:
    """Connectivity: offline after the type's ``offline_after_s`` without a reading."""
    marked = 0
    for type_id, after in DeviceType.objects.values_list("id", "offline_after_s"):
        stale = Device.objects.filter(
            device_type_id=type_id, last_seen_at__lt=now - timedelta(seconds=after)
        ).exclude(connectivity=Connectivity.OFFLINE)
        marked += Device.objects.filter(pk__in=_unlocked(stale).values("pk")).update(
            connectivity=Connectivity.OFFLINE
        )
    return marked


def _silent_devices(rule: RuleDef, now: datetime, only: int | None, overridden: list[int]):
    qs = Device.objects.filter(
        device_type_id=rule.device_type_id,
        status=DeviceStatus.ACTIVE,
        last_seen_at__lt=now - timedelta(seconds=rule.after_s),
    ).exclude(Exists(RuleState.objects.filter(rule_id=rule.id, device_id=OuterRef("pk"), active=True)))
    if only is not None:
        return qs.filter(pk=only)
    return qs.exclude(pk__in=overridden) if overridden else qs


def _offline_rules(sets: dict[int, RuleSet]):
    """(rule, device id or None for the whole type, devices whose override replaces it)."""
    for ruleset in sets.values():
        for code, rule in ruleset.base.items():
            if rule.kind == RuleKind.OFFLINE:
                overridden = [d for d, own in ruleset.overrides.items() if code in own]
                yield rule, None, overridden
        for device_id, own in ruleset.overrides.items():
            for rule in own.values():
                if rule is not None and rule.kind == RuleKind.OFFLINE:
                    yield rule, device_id, []


def sweep_offline(*, now: datetime) -> int:
    """Mark silent devices offline and raise the offline alarms due; returns the alarms raised.

    One transaction, holding the devices it found silent (``_unlocked``): a second sweep at once
    skips them instead of raising their alarms again, and an ingest batch with their readings waits
    for this one and then clears what it raised."""
    with transaction.atomic():
        return _sweep_offline(now)


def _sweep_offline(now: datetime) -> int:
    _mark_offline(now)
    raised = 0
    for rule, only, overridden in _offline_rules(rule_sets()):
        silent = list(
            _unlocked(_silent_devices(rule, now, only, overridden)).values_list("id", flat=True)[:5000]
        )
        if not silent:
            continue
        devices = alarms.device_infos(silent)
        states = {s.device_id: s for s in RuleState.objects.filter(rule_id=rule.id, device_id__in=silent)}
        changes = alarms.Changes(now=now, active=alarms.active_map(silent))
        for device in devices.values():
            st = states.get(device.id) or RuleState(rule_id=rule.id, device_id=device.id)
            minutes = (now - device.last_seen_at).total_seconds() / 60
            st.active, st.pending_since = True, None
            st.save()
            if rule.raises_alarm:
                changes.trigger(
                    rule,
                    device,
                    rule.severity,
                    round(minutes, 1),
                    now,
                    f"{rule.name}：已 {minutes:.0f} 分钟无数据",
                )
        raised += changes.apply()
    return raised
