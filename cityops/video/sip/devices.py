"""What the access point writes: registrations, keepalives, expiry and catalogs (synchronous, one
transaction each; the server runs them on its database thread).

A device's password is its own sealed one, else the shared ``CITYOPS_VIDEO_SIP_PASSWORD``. A device
the registry does not know is refused, unless ``CITYOPS_VIDEO_SIP_AUTO_ADD`` is on: then one that
proves the shared password is added on its first REGISTER (and audited). A device is online from a
successful REGISTER until it unregisters, its registration expires, or no keepalive came for
interval × count seconds (GB/T 28181: 60 s × 3); keepalives also stamp its channels, whose health
the video health sweep decides.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from cityops.audit.services import audit_record
from cityops.core.sealed import SealBroken, unseal
from cityops.video import gbid
from cityops.video.catalog import CatalogResult, Item, catalog_apply
from cityops.video.models import Channel, GbDevice, Project

log = logging.getLogger("cityops.video.sip")


@dataclass(frozen=True)
class Credentials:
    """The password a REGISTER must prove, and whether the device is new (to be added)."""

    password: str
    known: bool


def credentials(gb_id: str) -> Credentials | None:
    """The password ``gb_id`` must know, or None when it may not register at all."""
    try:
        gbid.parse(gb_id, types=gbid.DEVICE_REGISTER_TYPES)
    except gbid.BadId as exc:
        log.warning("REGISTER refused: %s is not a device ID that may register (%s)", gb_id[:40], exc)
        return None
    device = GbDevice.objects.filter(gb_id=gb_id).only("password_sealed").first()
    shared = settings.CITYOPS_VIDEO_SIP_PASSWORD
    if device is None:
        if settings.CITYOPS_VIDEO_SIP_AUTO_ADD and shared:
            return Credentials(shared, known=False)
        log.warning("REGISTER refused: %s is not in the registry (CITYOPS_VIDEO_SIP_AUTO_ADD is off)", gb_id)
        return None
    try:
        own = unseal(device.password_sealed)
    except SealBroken:
        log.error("REGISTER refused: the sealed password of %s does not open with the configured keys", gb_id)
        return None
    if not (own or shared):
        log.warning("REGISTER refused: %s has no password and CITYOPS_VIDEO_SIP_PASSWORD is empty", gb_id)
        return None
    return Credentials(own or shared, known=True)


def device_registered(
    *, gb_id: str, host: str, port: int, transport: str, expires_s: int, now: datetime
) -> bool:
    """A REGISTER passed: the device is online until ``now + expires_s`` unless it keeps alive.

    Returns whether it was online already (a refresh, which needs no new catalog query)."""
    with transaction.atomic():
        device, created = GbDevice.objects.select_for_update().get_or_create(gb_id=gb_id)
        was_online = device.online and device.expires_at is not None and device.expires_at > now
        device.host, device.port, device.transport = host, port, transport
        device.registered_at, device.expires_at, device.online = now, now + timedelta(seconds=expires_s), True
        device.save()
        if created:
            audit_record(
                action="video.gbdevice.auto_add",
                actor_name="sip",
                obj=device,
                after={"gb_id": gb_id, "host": host, "transport": transport},
            )
    return was_online


def device_unregistered(*, gb_id: str, now: datetime) -> bool:
    """Expires: 0 — the device goes offline now (its channels' keepalives stop counting)."""
    return bool(GbDevice.objects.filter(gb_id=gb_id).update(online=False, expires_at=now, updated_at=now))


def device_alive(*, gb_id: str, host: str, now: datetime) -> bool:
    """A keepalive from ``host``: stamp the device and its channels; False if it is not registered there."""
    with transaction.atomic():
        device = GbDevice.objects.select_for_update().filter(gb_id=gb_id).first()
        if device is None or device.expires_at is None or device.expires_at <= now or device.host != host:
            return False
        GbDevice.objects.filter(pk=device.pk).update(last_keepalive_at=now, online=True, updated_at=now)
        Channel.objects.filter(device=device).update(last_keepalive_at=now)
    return True


def device_registered_at(*, gb_id: str, host: str, now: datetime) -> GbDevice | None:
    """The device if it holds a live registration from ``host`` (MESSAGEs are accepted only then)."""
    return GbDevice.objects.filter(gb_id=gb_id, expires_at__gt=now, host=host).first()


def devices_expire(*, now: datetime) -> list[str]:
    """Online devices whose registration expired or whose keepalives stopped: now offline."""
    gone = []
    for d in GbDevice.objects.filter(online=True).only(
        "gb_id", "expires_at", "registered_at", "last_keepalive_at", "keepalive_interval_s", "keepalive_count"
    ):
        heard = max((t for t in (d.registered_at, d.last_keepalive_at) if t), default=None)
        silent = timedelta(seconds=d.keepalive_interval_s * d.keepalive_count)
        if d.expires_at is None or d.expires_at <= now or heard is None or heard + silent <= now:
            gone.append(d.gb_id)
    if gone:
        GbDevice.objects.filter(gb_id__in=gone, online=True).update(online=False, updated_at=now)
    return gone


def catalog_received(*, gb_id: str, items: list[Item], problems: list[dict], now: datetime) -> CatalogResult:
    """A device's whole catalog arrived: file it, skipping (and naming) the items that cannot be."""
    device = GbDevice.objects.get(gb_id=gb_id)
    code = settings.CITYOPS_VIDEO_SIP_PROJECT
    project = Project.objects.filter(code=code).first() if code else None
    if code and project is None:
        log.error("CITYOPS_VIDEO_SIP_PROJECT=%s names no video project; new channels are skipped", code)
    return catalog_apply(
        items,
        project=project,
        actor_name=f"sip:{gb_id}",
        device=device,
        partial=True,
        seen_at=now,
        problems=problems,
    )
