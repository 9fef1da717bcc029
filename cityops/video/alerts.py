"""AI alerts: what the video analytics report, kept whole, and the cases they open.

- Every alert acknowledged to the sender is stored, once: ``(source, event_id)`` is unique, and a
  repeat (a retry, a replay inside the signature's window) is answered with the stored alert.
- An alert of a known, active kind at or above the kind's lowest confidence, whose kind names a
  patrol item, opens a case through ``cases.intake.intake_alarm`` (channel "video") at the channel's
  position, with the snapshot as the case's photo. Anything else is kept with status ``no_case`` and
  the reason in its note (an unknown kind is kept: nothing acknowledged is lost).
- Duplicate suppression: another alert of the same kind on the same channel within the kind's window
  of an alert that opened (or is trying to open) a case joins it (status ``duplicate``). Alerts of
  one channel are decided one at a time (the channel row is locked), so two at once cannot both open.
- A refused intake leaves status ``case_failed`` with the reason, tried again by the worker
  (``alerts_retry_cases``) after 1, 5, 15 and 60 minutes; the follow-up (``alerts_follow_cases``)
  marks the alert ``case_closed`` when its case is closed or cancelled.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from cityops.cases import links
from cityops.cases.intake import intake_alarm
from cityops.cases.photos import Photo, read_photo
from cityops.core.errors import DomainError, ValidationFailed
from cityops.video.choices import AlertStatus, Scene
from cityops.video.models import Alert, AlertKind, Channel

logger = logging.getLogger(__name__)

SNAPSHOT_TYPES = {"image/jpeg": "jpg", "image/png": "png"}
CASE_RETRY_MINUTES = (1, 5, 15, 60)
CASE_MAX_ATTEMPTS = len(CASE_RETRY_MINUTES) + 1
RETRY_BATCH = 200
FOLLOW_BATCH = 2000
# Statuses of an alert that stands for its channel and kind: later ones within the window join it.
PRIMARY = (AlertStatus.CASE_OPENED, AlertStatus.CASE_FAILED)


@dataclass(frozen=True)
class DefaultKind:
    code: str
    name: str
    scene: str
    item_codes: tuple[str, ...]  # the first of these that is an active patrol item is taken


# The demo catalogue's items (cityops/demo/catalogue.py) the default kinds open cases of, best first.
DEFAULT_KINDS = (
    DefaultKind("no_hat", "未戴厨师帽", Scene.KITCHEN, ("SJ090302",)),  # 餐饮卫生脏乱（学校食堂）
    DefaultKind("no_mask", "未戴口罩", Scene.KITCHEN, ("SJ090302",)),
    DefaultKind("no_workwear", "未穿工作服", Scene.KITCHEN, ("SJ090302",)),
    DefaultKind("smoking", "吸烟", Scene.KITCHEN, ("SJ160702",)),  # 控烟违规（学校）
    DefaultKind("phone", "玩手机", Scene.KITCHEN, ("SJ090302",)),
    DefaultKind("rodent", "鼠患", Scene.KITCHEN, ("SJ160202",)),  # 病媒生物孳生（鼠患）
    DefaultKind("flame_unattended", "明火离岗", Scene.KITCHEN, ("SJ061503",)),  # 火情报警（商铺）
    DefaultKind("illegal_parking", "违章停车", Scene.STREET, ("SJ041201",)),  # 机动车乱停放（主次干道）
    DefaultKind("street_vending", "占道经营", Scene.STREET, ("SJ040101",)),  # 占道经营（主次干道）
    DefaultKind("bin_overflow", "垃圾满溢", Scene.STREET, ("BJ030103", "SJ010901")),  # 垃圾箱（满溢）
)


def alert_kinds_seed() -> int:
    """Create the default alert kinds that are missing, each mapped to the first of its patrol items
    that exists; a kind left without an item is filled in when its item appears. Idempotent; the
    number of kinds created or given an item."""
    wanted = {code for k in DEFAULT_KINDS for code in k.item_codes}
    active = links.active_item_codes(wanted)
    changed = 0
    for k in DEFAULT_KINDS:
        item = next((code for code in k.item_codes if code in active), "")
        kind, created = AlertKind.objects.get_or_create(
            code=k.code, defaults={"name": k.name, "scene": k.scene, "item_code": item}
        )
        if created:
            changed += 1
        elif not kind.item_code and item:
            changed += AlertKind.objects.filter(pk=kind.pk, item_code="").update(item_code=item)
    return changed


# ---- receiving ------------------------------------------------------------------------------------


@dataclass
class AlertIn:
    source: str
    event_id: str
    kind: str
    channel: str  # the GB/T 28181 ID
    at: datetime
    confidence: float
    snapshot: Photo | None = None


@dataclass
class Received:
    alert: Alert
    created: bool


def read_snapshot(data: bytes) -> Photo:
    """The snapshot checked as a JPEG or PNG image (by content), within the photo size limit."""
    photo = read_photo("snapshot", data, field="snapshot_base64")
    if photo.content_type not in SNAPSHOT_TYPES:
        raise ValidationFailed(
            f"the snapshot is {photo.content_type}; send a JPEG or PNG image",
            errors=[{"field": "snapshot_base64", "message": "not a JPEG or PNG image"}],
        )
    return photo


def _stored(source: str, event_id: str) -> Alert | None:
    return Alert.objects.filter(source=source, event_id=event_id).first()


def alert_receive(*, data: AlertIn) -> Received:
    """Store one alert from the analytics and decide its case; a repeated event returns the stored one."""
    stored = _stored(data.source, data.event_id)
    if stored is not None:
        return Received(stored, False)
    channel = Channel.objects.filter(gb_id=data.channel).first()
    if channel is None:
        message = f"there is no channel with GB/T 28181 ID {data.channel}; the alert was not stored"
        raise ValidationFailed(message, errors=[{"field": "channel", "message": message}])
    kind = AlertKind.objects.filter(code=data.kind).first()
    try:
        with transaction.atomic():
            # one alert of a channel at a time: the duplicate check and the case are decided together
            Channel.objects.select_for_update().filter(pk=channel.pk).values_list("pk").first()
            alert = Alert.objects.create(
                source=data.source,
                event_id=data.event_id,
                kind_code=data.kind,
                kind=kind,
                channel=channel,
                at=data.at,
                confidence=data.confidence,
                area_id=channel.area_id,
                village_id=channel.village_id,
                grid_id=channel.grid_id,
            )
            if data.snapshot is not None:
                ext = SNAPSHOT_TYPES[data.snapshot.content_type]
                name = f"{data.snapshot.sha256[:16]}.{ext}"
                alert.snapshot.save(name, ContentFile(data.snapshot.data), save=False)
                Alert.objects.filter(pk=alert.pk).update(snapshot=alert.snapshot.name)
            _decide(alert, kind, channel, data.snapshot, timezone.now())
    except IntegrityError:
        stored = _stored(data.source, data.event_id)  # the same event arrived twice at once
        if stored is None:
            raise
        return Received(stored, False)
    return Received(alert, True)


def _set(alert: Alert, **values) -> None:
    Alert.objects.filter(pk=alert.pk).update(**values)
    for name, value in values.items():
        setattr(alert, name, value)


def _first_within(alert: Alert, kind: AlertKind) -> Alert | None:
    """The earliest alert that stands for this channel and kind within the kind's window of ``alert``."""
    window = timedelta(minutes=kind.suppress_minutes)
    if not window:
        return None
    return (
        Alert.objects.filter(
            channel_id=alert.channel_id,
            kind_code=alert.kind_code,
            status__in=PRIMARY,
            at__gte=alert.at - window,
            at__lte=alert.at + window,
        )
        .exclude(pk=alert.pk)
        .order_by("at", "id")
        .first()
    )


def _no_case_reason(kind: AlertKind | None, alert: Alert) -> str:
    if kind is None:
        return f"未知的告警类型 {alert.kind_code}，已保存，未立案"
    if not kind.active:
        return f"告警类型 {kind.code} 已停用，未立案"
    if not kind.item_code:
        return f"告警类型 {kind.code} 未对应巡查事项，未立案"
    if alert.confidence < kind.min_confidence:
        return f"置信度 {alert.confidence:.2f} 低于立案阈值 {kind.min_confidence:.2f}"
    return ""


def _decide(alert: Alert, kind: AlertKind | None, channel: Channel, photo: Photo | None, now) -> None:
    reason = _no_case_reason(kind, alert)
    if reason:
        _set(alert, status=AlertStatus.NO_CASE, note=reason)
        return
    first = _first_within(alert, kind)
    if first is not None:
        _set(
            alert,
            status=AlertStatus.DUPLICATE,
            duplicate_of=first,
            case_id=first.case_id,
            case_number=first.case_number,
            note=f"{kind.suppress_minutes} 分钟内同一通道同类告警，并入告警 {first.pk}",
        )
        return
    open_case(alert, kind, channel, photo, now=now)


def _description(alert: Alert, kind: AlertKind, channel: Channel) -> str:
    at = timezone.localtime(alert.at).strftime("%Y-%m-%d %H:%M:%S")
    return (
        f"视频AI告警：{kind.name}（{kind.code}），通道 {channel.name}（{channel.gb_id}），"
        f"置信度 {alert.confidence:.0%}，时间 {at}"
    )


def _case_failed(alert: Alert, item: str, detail: str, now: datetime) -> None:
    attempt = alert.case_attempts + 1
    if attempt < CASE_MAX_ATTEMPTS:
        wait = CASE_RETRY_MINUTES[attempt - 1]
        retry_at, then = now + timedelta(minutes=wait), f"{wait} 分钟后重试"
    else:
        retry_at, then = None, "不再自动重试，请人工立案"
    note = f"未能立案（{item}）：{detail}（第 {attempt} 次尝试，{then}）"
    _set(
        alert, status=AlertStatus.CASE_FAILED, case_attempts=attempt, case_retry_at=retry_at, note=note[:300]
    )


def open_case(alert: Alert, kind: AlertKind, channel: Channel, photo: Photo | None, *, now) -> bool:
    """Open (or join) the alert's case; whether it did. A refusal is noted and scheduled for retry."""
    try:
        with transaction.atomic():  # a savepoint: a refused intake leaves nothing behind
            result = intake_alarm(
                channel="video",
                item_code=kind.item_code,
                lon=channel.lon,
                lat=channel.lat,
                description=_description(alert, kind, channel),
                source_ref=f"video-alert-{alert.pk}",
                attributes={
                    "alert": alert.pk,
                    "source": alert.source,
                    "event_id": alert.event_id,
                    "channel": channel.gb_id,
                    "kind": kind.code,
                    "confidence": alert.confidence,
                },
                photos=[photo] if photo is not None else [],
            )
    except DomainError as exc:
        _case_failed(alert, kind.item_code, exc.detail, now)
        return False
    case, attempt = result.case, alert.case_attempts + 1
    joined = "并入已有案件" if result.duplicate else "已立案"
    _set(
        alert,
        status=AlertStatus.CASE_OPENED,
        case_id=case.pk,
        case_number=case.number,
        case_attempts=attempt,
        case_retry_at=None,
        note=f"{joined} {case.number}" + (f"（第 {attempt} 次尝试）" if attempt > 1 else ""),
    )
    return True


# ---- trying again, following the cases ---------------------------------------------------------------


def _snapshot_photo(alert: Alert) -> Photo | None:
    if not alert.snapshot:
        return None
    try:
        with alert.snapshot.open("rb") as f:
            return read_snapshot(f.read())
    except (OSError, DomainError):
        return None  # a lost or spoiled file does not keep the case from opening


def _retry_one(alert_id: int, seen: int, now: datetime) -> bool:
    with transaction.atomic():
        claimed = Alert.objects.filter(
            pk=alert_id, status=AlertStatus.CASE_FAILED, case_attempts=seen, case_retry_at__lte=now
        ).update(case_retry_at=None)
        if not claimed:
            return False
        alert = Alert.objects.select_related("kind", "channel").get(pk=alert_id)
        kind = alert.kind
        reason = _no_case_reason(kind, alert)
        if reason:
            _set(alert, status=AlertStatus.NO_CASE, note=f"不再重试：{reason}"[:300])
            return False
        return open_case(alert, kind, alert.channel, _snapshot_photo(alert), now=now)


def alerts_retry_cases(*, now: datetime) -> int:
    """Try again, when due, to open the cases that were refused; the cases opened. Idempotent."""
    due = (
        Alert.objects.filter(status=AlertStatus.CASE_FAILED, case_retry_at__lte=now)
        .order_by("case_retry_at", "id")
        .values_list("id", "case_attempts")[:RETRY_BATCH]
    )
    opened = 0
    for alert_id, seen in list(due):
        try:
            opened += _retry_one(alert_id, seen, now)
        except Exception:  # noqa: BLE001 - one broken alert must not hold back the others
            logger.exception("retrying the case of video alert %s failed", alert_id)
    return opened


FINAL_TEXT = {"closed": "案件 {number} 已结案", "cancelled": "案件 {number} 已作废（不予立案）"}


def alerts_follow_cases() -> int:
    """Mark ``case_closed`` the alerts whose case was closed or cancelled; the number marked. Idempotent."""
    pending = list(
        Alert.objects.filter(status=AlertStatus.CASE_OPENED, case_id__isnull=False).values_list(
            "id", "case_id", "case_number"
        )[:FOLLOW_BATCH]
    )
    states = links.case_states({case_id for _, case_id, _ in pending})
    changed = 0
    for alert_id, case_id, number in pending:
        state = states.get(case_id)
        if state is None or not state.final:
            continue
        note = FINAL_TEXT.get(state.status, "{number}").format(number=number)
        changed += Alert.objects.filter(pk=alert_id, status=AlertStatus.CASE_OPENED).update(
            status=AlertStatus.CASE_CLOSED, note=note
        )
    return changed


def snapshot_bytes(alert: Alert) -> tuple[bytes, str] | None:
    """The stored snapshot and its content type, or None."""
    if not alert.snapshot:
        return None
    try:
        with alert.snapshot.open("rb") as f:
            data = f.read()
    except OSError:
        return None
    ext = alert.snapshot.name.rsplit(".", 1)[-1].lower()
    return data, {"jpg": "image/jpeg", "png": "image/png"}.get(ext, "application/octet-stream")
