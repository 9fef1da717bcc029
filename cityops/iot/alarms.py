"""Alarms: raised and cleared by the rules, acknowledged, cleared and commented on by people.

- At most one active alarm per device and rule. The partial unique index ``iot_alarm_one_active``
  decides a race: the insert that loses updates the winner's alarm as a repeat trigger.
- A repeat trigger bumps ``last_seen_at`` and ``trigger_count``; a more severe one escalates the
  alarm (severity never falls while it is active: the console shows the worst seen).
- Debounce: within the quiet period after an alarm of a device and rule cleared (rule parameter
  ``quiet_s``, else ``CITYOPS_IOT_ALARM_QUIET_S``, default 300 s), the same device and rule raise
  no new alarm unless it is more severe than the cleared one.
- A rule with ``case_item_code`` opens a case through ``cases.intake.intake_alarm`` when its alarm
  reaches ``case_severity`` (default: the rule's severity). An alarm cleared before its case was
  dispatched leaves a note on the case; the follow-up records the case's status on the alarm.
  A manhole cover's case takes the problem of the rule's item in the cover's own network
  (``profiles.cover_item``). A refused intake is noted on the alarm and tried again by the
  watcher (``alarms_retry_cases``) after 1, 5, 15 and 60 minutes, until a case opens, the alarm
  clears or the fifth attempt fails; ``case_attempts`` counts the attempts.
"""

import logging
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case as Cases
from django.db.models import DateTimeField, F, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from cityops.audit.services import audit_record
from cityops.cases import links
from cityops.cases.intake import intake_alarm
from cityops.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from cityops.core.events import emit
from cityops.iot.choices import SEVERITY_RANK, AlarmStatus, Connectivity
from cityops.iot.models import Alarm, AlarmComment, Device
from cityops.iot.profiles import cover_item

logger = logging.getLogger(__name__)

MAX_COMMENT = 2000
FOLLOW_BATCH = 2000
# Minutes to wait after the 1st, 2nd, 3rd and 4th failed attempt to open an alarm's case; the
# attempt after the last wait is the last one.
CASE_RETRY_MINUTES = (1, 5, 15, 60)
CASE_MAX_ATTEMPTS = len(CASE_RETRY_MINUTES) + 1
RETRY_BATCH = 200


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    id: int
    code: str
    name: str
    device_type_id: int
    status: str
    properties: dict
    lon: float
    lat: float
    area_id: int
    village_id: int
    grid_id: int
    last_seen_at: datetime | None


INFO_FIELDS = [f.name for f in fields(DeviceInfo)]


def device_infos(ids: list[int]) -> dict[int, DeviceInfo]:
    """What rules and alarms need of these devices, in one query."""
    rows = Device.objects.filter(pk__in=ids).values_list(*INFO_FIELDS)
    return {row[0]: DeviceInfo(*row) for row in rows}


@dataclass
class ActiveRef:
    id: int
    severity: str
    case_id: int | None


def active_map(device_ids: list[int]) -> dict[tuple[int, int], ActiveRef]:
    """The active alarms of these devices by (rule id, device id), in one query."""
    rows = Alarm.objects.filter(device_id__in=device_ids, status=AlarmStatus.ACTIVE).values_list(
        "id", "rule_id", "device_id", "severity", "case_id"
    )
    return {(rule, dev): ActiveRef(pk, sev, case) for pk, rule, dev, sev, case in rows}


def quiet_seconds(rule) -> float:
    return float(rule.params.get("quiet_s", getattr(settings, "CITYOPS_IOT_ALARM_QUIET_S", 300)))


def _rank(severity: str) -> int:
    return SEVERITY_RANK[severity]


def _system_comment(alarm_id: int, text: str) -> None:
    AlarmComment.objects.create(alarm_id=alarm_id, author=None, text=text)


# ---- alarm → case ---------------------------------------------------------------------------------


def _case_due(rule, severity: str) -> bool:
    if not rule.case_item_code:
        return False
    return _rank(severity) >= _rank(rule.params.get("case_severity") or rule.severity)


def case_item(rule, device: DeviceInfo) -> str:
    """The rule's patrol item, or the same problem in a manhole cover's own network if that item is
    active (a cover of an unknown network, or whose item is switched off, gets the rule's item)."""
    item = cover_item(rule.case_item_code, device.properties)
    if item != rule.case_item_code and not links.active_item_codes([item]):
        return rule.case_item_code
    return item


def _case_failed(alarm: Alarm, item: str, detail: str, now: datetime) -> None:
    """Count a failed attempt on the alarm, note it, and set the next attempt (none after the last)."""
    attempt = alarm.case_attempts + 1
    if attempt < CASE_MAX_ATTEMPTS:
        wait = CASE_RETRY_MINUTES[attempt - 1]
        retry_at, then = now + timedelta(minutes=wait), f"{wait} 分钟后重试"
    else:
        retry_at, then = None, "不再自动重试，请人工立案"
    Alarm.objects.filter(pk=alarm.pk).update(case_attempts=attempt, case_retry_at=retry_at)
    alarm.case_attempts, alarm.case_retry_at = attempt, retry_at
    _system_comment(alarm.pk, f"未能立案（{item}）：{detail}（第 {attempt} 次尝试，{then}）")


def open_case(alarm: Alarm, rule, device: DeviceInfo, *, now: datetime | None = None) -> bool:
    """Open (or join) the case of an alarm; whether it did. A refusal is noted on the alarm and
    scheduled for another attempt; it never fails the caller's transaction."""
    item = case_item(rule, device)
    description = f"物联网告警：{device.name}（{device.code}）{alarm.message}"
    try:
        with transaction.atomic():  # a savepoint: a refused intake leaves nothing behind
            result = intake_alarm(
                channel="iot",
                item_code=item,
                lon=device.lon,
                lat=device.lat,
                description=description,
                source_ref=f"iot-alarm-{alarm.pk}",
                attributes={"alarm": alarm.pk, "device": device.code, "rule": rule.code},
            )
    except DomainError as exc:
        _case_failed(alarm, item, exc.detail, now or timezone.now())
        return False
    case, attempt = result.case, alarm.case_attempts + 1
    Alarm.objects.filter(pk=alarm.pk).update(
        case_id=case.pk,
        case_number=case.number,
        case_status=case.status,
        case_attempts=attempt,
        case_retry_at=None,
    )
    alarm.case_id, alarm.case_number, alarm.case_status = case.pk, case.number, case.status
    alarm.case_attempts, alarm.case_retry_at = attempt, None
    joined = "并入已有案件" if result.duplicate else "已立案"
    retried = f"（第 {attempt} 次尝试）" if attempt > 1 else ""
    _system_comment(alarm.pk, f"{joined} {case.number}{retried}")
    return True


def _note_case_if_undispatched(alarm: Alarm, why: str) -> None:
    if not alarm.case_id:
        return
    state = links.case_states([alarm.case_id]).get(alarm.case_id)
    if state is None or state.dispatched:
        return
    note = f"告警已解除（{why}），派遣前请核实是否仍需处置。设备 {alarm.device.code}：{alarm.message}"
    if links.case_add_source_note(case_id=alarm.case_id, channel="iot", note=note, data={"alarm": alarm.pk}):
        _system_comment(alarm.pk, f"已在案件 {alarm.case_number} 中注明告警解除")


# ---- raising, escalating, clearing ----------------------------------------------------------------


def _recently_cleared(rule, device_id: int, at: datetime) -> str | None:
    since = at - timedelta(seconds=quiet_seconds(rule))
    return (
        Alarm.objects.filter(
            rule_id=rule.id, device_id=device_id, status=AlarmStatus.CLEARED, cleared_at__gt=since
        )
        .order_by("-cleared_at")
        .values_list("severity", flat=True)
        .first()
    )


def repeat(alarm_id: int, rule, device: DeviceInfo, severity: str, value, at: datetime, message: str) -> None:
    """A trigger of an active alarm: bump it, and escalate it when the trigger is more severe."""
    alarm = Alarm.objects.select_for_update().get(pk=alarm_id)
    alarm.trigger_count += 1
    alarm.last_seen_at = max(alarm.last_seen_at, at)
    changed = ["trigger_count", "last_seen_at", "updated_at"]
    if _rank(severity) > _rank(alarm.severity):
        alarm.severity, alarm.value, alarm.message = severity, value, message[:300]
        changed += ["severity", "value", "message"]
    alarm.save(update_fields=changed)
    if "severity" in changed:
        _system_comment(alarm.pk, f"告警升级为 {alarm.get_severity_display()}")
        if alarm.case_id is None and _case_due(rule, severity):
            open_case(alarm, rule, device)


def raise_alarm(rule, device: DeviceInfo, severity: str, value, at: datetime, message: str) -> Alarm | None:
    """Raise an alarm, or count the trigger on the active one; None when the quiet period holds it back."""
    previous = _recently_cleared(rule, device.id, at)
    if previous is not None and _rank(severity) <= _rank(previous):
        return None
    try:
        with transaction.atomic():
            alarm = Alarm.objects.create(
                device_id=device.id,
                rule_id=rule.id,
                severity=severity,
                message=message[:300],
                value=value,
                started_at=at,
                last_seen_at=at,
                area_id=device.area_id,
                village_id=device.village_id,
                grid_id=device.grid_id,
            )
            emit(
                "alarm_raised",
                title=gettext_noop("Alarm at %(device)s: %(message)s"),
                params={"device": device.name, "message": alarm.message},
                severity=severity,
                area_id=device.area_id,
                village_id=device.village_id,
                grid_id=device.grid_id,
                lon=device.lon,
                lat=device.lat,
                link=reverse("iot:alarm", args=[alarm.pk]),
                data={"alarm": alarm.pk, "device": device.code},
                at=at,
            )
    except IntegrityError:
        # another worker raised it first (the partial unique index): this is a repeat trigger of it
        active = Alarm.objects.filter(rule_id=rule.id, device_id=device.id, status=AlarmStatus.ACTIVE)
        alarm_id = active.values_list("id", flat=True).get()
        repeat(alarm_id, rule, device, severity, value, at, message)
        return None
    if _case_due(rule, severity):
        open_case(alarm, rule, device)
    return alarm


def clear_alarm(alarm_id: int, *, at: datetime, by=None, why: str = "") -> Alarm | None:
    """Clear an active alarm (by its rule, or by a person); None if it was no longer active."""
    done = Alarm.objects.filter(pk=alarm_id, status=AlarmStatus.ACTIVE).update(
        status=AlarmStatus.CLEARED, cleared_at=at, cleared_by=by, updated_at=timezone.now()
    )
    if not done:
        return None
    alarm = Alarm.objects.select_related("device").get(pk=alarm_id)
    _note_case_if_undispatched(alarm, why or ("人工解除" if by else "数据恢复正常"))
    return alarm


@dataclass
class Changes:
    """The alarm side of one rule evaluation: triggers and clears, applied in order at the end."""

    now: datetime
    active: dict[tuple[int, int], ActiveRef]
    events: list = field(default_factory=list)
    back_online: set = field(default_factory=set)

    def trigger(self, rule, device, severity, value, at, message) -> None:
        self.events.append(("trigger", rule, device, severity, value, at, message))

    def clear(self, rule, device, at) -> None:
        self.events.append(("clear", rule, device, None, None, at, ""))

    def apply(self) -> int:
        """Write the alarm changes; the number of alarms raised."""
        raised = 0
        bumps: dict[int, list] = {}
        for kind, rule, device, severity, value, at, message in self.events:
            key = (rule.id, device.id)
            ref = self.active.get(key)
            if kind == "clear":
                if ref is not None:
                    clear_alarm(ref.id, at=at)
                    del self.active[key]
            elif ref is None:
                alarm = raise_alarm(rule, device, severity, value, at, message)
                if alarm is not None:
                    self.active[key] = ActiveRef(alarm.pk, alarm.severity, alarm.case_id)
                    raised += 1
            elif _rank(severity) > _rank(ref.severity):
                repeat(ref.id, rule, device, severity, value, at, message)
                ref.severity = severity
            else:
                count, last = bumps.get(ref.id, (0, at))
                bumps[ref.id] = [count + 1, max(last, at)]
        self._bump(bumps)
        if self.back_online:
            Device.objects.filter(pk__in=self.back_online, connectivity=Connectivity.OFFLINE).update(
                connectivity=Connectivity.ONLINE
            )
        return raised

    @staticmethod
    def _bump(bumps: dict[int, list]) -> None:
        """Repeat triggers of many alarms in one UPDATE."""
        if not bumps:
            return
        counts = Cases(
            *[When(pk=pk, then=Value(n)) for pk, (n, _) in bumps.items()],
            default=Value(0),
            output_field=IntegerField(),
        )
        seen = Cases(
            *[When(pk=pk, then=Value(t)) for pk, (_, t) in bumps.items()],
            default=F("last_seen_at"),
            output_field=DateTimeField(),
        )
        Alarm.objects.filter(pk__in=list(bumps)).update(
            trigger_count=F("trigger_count") + counts, last_seen_at=seen
        )


# ---- what people do with alarms -------------------------------------------------------------------


def _actionable(alarm_id: int, by) -> Alarm:
    """The alarm if ``by`` sees it (else 404) and may act on it (else 403), locked for the change."""
    if not Alarm.objects.restrict(by, "iot.view").filter(pk=alarm_id).exists():
        raise NotFound(f"There is no alarm {alarm_id} in your scope.")
    alarm = Alarm.objects.restrict(by, "iot.alarm").select_for_update().filter(pk=alarm_id).first()
    if alarm is None:
        raise Forbidden("Your role may not acknowledge, clear or comment on alarms here.")
    return alarm


def _note(text: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_COMMENT:
        raise ValidationFailed(
            f"the comment is longer than {MAX_COMMENT} characters",
            errors=[{"field": "text", "message": f"at most {MAX_COMMENT} characters"}],
        )
    return text


def alarm_acknowledge(*, alarm_id: int, by, note: str = "") -> Alarm:
    """Acknowledge an alarm (active or cleared): someone is on it."""
    note = _note(note)
    with transaction.atomic():
        alarm = _actionable(alarm_id, by)
        if alarm.acknowledged_at is not None:
            raise Conflict(
                f"Alarm {alarm_id} was already acknowledged at {alarm.acknowledged_at.isoformat()}."
            )
        alarm.acknowledged_at, alarm.acknowledged_by = timezone.now(), by
        alarm.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
        if note:
            AlarmComment.objects.create(alarm=alarm, author=by, text=note)
        audit_record(action="iot.alarm.acknowledge", actor=by, obj=alarm, after={"note": note[:200]})
    return alarm


def alarm_clear(*, alarm_id: int, by, note: str = "") -> Alarm:
    """Clear an active alarm by hand; the rule raises it again only after the quiet period."""
    note = _note(note)
    with transaction.atomic():
        alarm = _actionable(alarm_id, by)
        if alarm.status != AlarmStatus.ACTIVE:
            raise Conflict(f"Alarm {alarm_id} is already cleared.")
        if note:
            AlarmComment.objects.create(alarm=alarm, author=by, text=note)
        cleared = clear_alarm(alarm.pk, at=timezone.now(), by=by, why=note or "人工解除")
        audit_record(action="iot.alarm.clear", actor=by, obj=cleared, after={"note": note[:200]})
    return cleared


def alarm_comment(*, alarm_id: int, by, text: str) -> AlarmComment:
    """Add a person's comment to an alarm."""
    text = _note(text)
    if not text:
        raise ValidationFailed("the comment is empty", errors=[{"field": "text", "message": "required"}])
    with transaction.atomic():
        alarm = _actionable(alarm_id, by)
        comment = AlarmComment.objects.create(alarm=alarm, author=by, text=text)
        audit_record(action="iot.alarm.comment", actor=by, obj=alarm, after={"text": text[:200]})
    return comment


# ---- following the cases ----------------------------------------------------------------------------

FINAL_TEXT = {"closed": "案件 {number} 已结案", "cancelled": "案件 {number} 已作废（不予立案）"}


def alarms_follow_cases() -> int:
    """Record on each alarm its case's status; a closed case leaves a system comment. Idempotent."""
    pending = list(
        Alarm.objects.filter(case_id__isnull=False)
        .exclude(case_status__in=list(links.FINAL_STATUSES))
        .values_list("id", "case_id", "case_status", "case_number")[:FOLLOW_BATCH]
    )
    states = links.case_states({case_id for _, case_id, _, _ in pending})
    changed = 0
    for alarm_id, case_id, known, number in pending:
        state = states.get(case_id)
        if state is None or state.status == known:
            continue
        with transaction.atomic():
            done = Alarm.objects.filter(pk=alarm_id, case_status=known).update(case_status=state.status)
            if done and state.final:
                _system_comment(alarm_id, FINAL_TEXT.get(state.status, "{number}").format(number=number))
        changed += done
    return changed


# ---- trying again to open the cases that failed to open ---------------------------------------------


def _stop_retrying_cleared() -> None:
    """A cleared alarm needs no case any more: its pending attempt is dropped, with a note."""
    pending = Alarm.objects.filter(case_retry_at__isnull=False).exclude(status=AlarmStatus.ACTIVE)
    for alarm_id, attempts in pending.values_list("id", "case_attempts")[:RETRY_BATCH]:
        with transaction.atomic():
            if pending.filter(pk=alarm_id).update(case_retry_at=None):
                _system_comment(alarm_id, f"告警已解除，停止重试立案（已尝试 {attempts} 次）")


def _retry_case(alarm_id: int, seen: int, now: datetime) -> bool:
    """One more attempt for one alarm, if this watcher claims it; whether a case opened."""
    with transaction.atomic():
        # The claim: a second watcher's UPDATE waits for this transaction and then finds the attempt
        # counted (or the case open), so it does nothing. So does an escalation in the ingest worker,
        # which locks the alarm and finds ``case_id`` set.
        claimed = Alarm.objects.filter(
            pk=alarm_id,
            status=AlarmStatus.ACTIVE,
            case_id__isnull=True,
            case_attempts=seen,
            case_retry_at__lte=now,
        ).update(case_retry_at=None)
        if not claimed:
            return False
        alarm = Alarm.objects.select_related("rule").get(pk=alarm_id)
        if not _case_due(alarm.rule, alarm.severity):
            _system_comment(alarm_id, "规则已不再要求立案，停止重试")
            return False
        device = device_infos([alarm.device_id])[alarm.device_id]
        return open_case(alarm, alarm.rule, device, now=now)


def _retry_crashed(alarm_id: int, seen: int, now: datetime, exc: Exception) -> None:
    """An attempt that failed for another reason than a refusal (a deadlock …) also counts."""
    with transaction.atomic():
        alarm = (
            Alarm.objects.select_for_update()
            .select_related("rule")
            .filter(pk=alarm_id, status=AlarmStatus.ACTIVE, case_id__isnull=True, case_attempts=seen)
            .first()
        )
        if alarm is not None:
            _case_failed(alarm, alarm.rule.case_item_code, f"内部错误（{type(exc).__name__}）", now)


def alarms_retry_cases(*, now: datetime) -> int:
    """Try again to open the cases of active alarms whose intake failed, when due; returns the cases
    opened or joined. Idempotent, and safe with several watchers at once."""
    _stop_retrying_cleared()
    due = (
        Alarm.objects.filter(status=AlarmStatus.ACTIVE, case_id__isnull=True, case_retry_at__lte=now)
        .order_by("case_retry_at", "id")
        .values_list("id", "case_attempts")[:RETRY_BATCH]
    )
    opened = 0
    for alarm_id, seen in list(due):
        try:
            opened += _retry_case(alarm_id, seen, now)
        except Exception as exc:  # noqa: BLE001 - one broken alarm must not hold back the others
            logger.exception("retrying the case of alarm %s failed", alarm_id)
            _retry_crashed(alarm_id, seen, now, exc)
    return opened
