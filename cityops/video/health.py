"""Channel health: one sweep probes the channels in service and applies what it saw.

The state machine, per channel:

- a success (an RTSP answer with a video track, or a fresh GB/T 28181 keepalive of its device)
  sets the failures to 0 and the channel ONLINE; coming from unknown or offline leaves a
  ``HealthChange`` and ends the open ``Outage``;
- a failed probe adds one to the failures; the channel goes OFFLINE only at
  ``CITYOPS_VIDEO_OFFLINE_AFTER`` failures in a row (the first failures leave the state as it is);
  a device whose keepalives stopped takes its channels offline at once (the device's own
  keepalive count was the debounce);
- going offline leaves a ``HealthChange`` and opens an ``Outage``; an outage that lasts longer than
  ``CITYOPS_VIDEO_OUTAGE_CASE_MINUTES`` opens one maintenance case through ``cases.intake``, closed
  through ``cases.links`` when the channel is back. An intake that fails is written on the outage
  and tried again at the next sweep.

The probes run with no transaction open; what they found is written in one transaction with a
handful of statements whatever the number of channels (rows with the same new values share one
UPDATE).
"""

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from cityops.cases import links
from cityops.cases.intake import intake_alarm
from cityops.core.errors import DomainError
from cityops.core.events import emit_many
from cityops.core.events import event as screen_event
from cityops.core.locks import exclusive
from cityops.core.sealed import SealBroken
from cityops.video.choices import IN_SERVICE, Health, HealthSource
from cityops.video.credentials import open_credentials
from cityops.video.models import Channel, GbDevice, HealthChange, Outage
from cityops.video.prober import ProbeResult, Target, run_probes

log = logging.getLogger(__name__)

CHUNK = 900  # ids per UPDATE … WHERE id IN (…): under SQLite's 999 variables
SWEEP_LOCK = "video.sweep"
MAX_TEXT = 300

ROW_FIELDS = (
    "id",
    "gb_id",
    "main_url",
    "credentials_sealed",
    "device_id",
    "health",
    "health_source",
    "failures",
    "last_error",
    "codec",
    "area_id",
    "village_id",
    "grid_id",
)


@dataclass(frozen=True)
class Row:
    id: int
    gb_id: str
    main_url: str
    credentials_sealed: str
    device_id: int | None
    health: str
    health_source: str
    failures: int
    last_error: str
    codec: str
    area_id: int
    village_id: int
    grid_id: int


@dataclass(frozen=True)
class Seen:
    """What a sweep learnt of one channel."""

    ok: bool
    source: str
    error: str = ""
    codec: str = ""
    keepalive_at: datetime | None = None


@dataclass
class SweepSummary:
    channels: int = 0
    probed: int = 0
    by_sip: int = 0
    unprobed: int = 0
    ok: int = 0
    failed: int = 0
    went_online: int = 0
    went_offline: int = 0
    cases_opened: int = 0
    cases_closed: int = 0
    case_errors: int = 0
    probe_seconds: float = 0.0
    write_seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    busy: bool = False  # another worker's sweep was running: this one did nothing

    def __str__(self) -> str:
        if self.busy:
            return "another sweep is running"
        parts = [
            f"{self.channels:,} channels: {self.probed:,} probed ({self.probe_seconds:.1f} s)",
            f"{self.by_sip:,} by keepalive",
            f"{self.ok:,} answered, {self.failed:,} failed",
        ]
        if self.unprobed:
            parts.append(f"{self.unprobed:,} without an address")
        if self.went_online or self.went_offline:
            parts.append(f"{self.went_online:,} back online, {self.went_offline:,} went offline")
        if self.cases_opened or self.cases_closed or self.case_errors:
            parts.append(
                f"cases opened {self.cases_opened}, closed {self.cases_closed}, failed {self.case_errors}"
            )
        return "; ".join(parts)


def stream_credentials(sealed: str) -> tuple[str, str]:
    """User name and password of a channel's sealed credentials (the registry's form); raises SealBroken."""
    creds = open_credentials(sealed)
    return creds.username, creds.password


# --- what to probe ----------------------------------------------------------------------------------


def _rows() -> list[Row]:
    qs = Channel.objects.filter(build_status__in=list(IN_SERVICE)).order_by("pk").values_list(*ROW_FIELDS)
    return [Row(*values) for values in qs]


def _device_states(rows: list[Row], now: datetime) -> dict[int, Seen]:
    """What the GB/T 28181 keepalives say of each device that ever kept alive."""
    ids = {r.device_id for r in rows if r.device_id}
    states = {}
    for d in GbDevice.objects.filter(pk__in=ids, last_keepalive_at__isnull=False).values(
        "id", "online", "last_keepalive_at", "keepalive_interval_s", "keepalive_count"
    ):
        window = timedelta(seconds=d["keepalive_interval_s"] * max(d["keepalive_count"], 1))
        last = d["last_keepalive_at"]
        if d["online"] and now - last <= window:
            states[d["id"]] = Seen(True, HealthSource.SIP, keepalive_at=last)
        else:
            local = timezone.localtime(last).strftime("%Y-%m-%d %H:%M:%S")
            error = f"the device's keepalives stopped (last at {local})"
            states[d["id"]] = Seen(False, HealthSource.SIP, error=error, keepalive_at=last)
    return states


def _target(row: Row) -> Target | Seen:
    try:
        user, password = stream_credentials(row.credentials_sealed) if row.credentials_sealed else ("", "")
    except SealBroken:
        return Seen(
            False, HealthSource.RTSP, error="the stored credentials do not open with the configured keys"
        )
    return Target(row.id, row.main_url, user, password)


def observe(
    rows: list[Row], now: datetime, runner=run_probes, summary: SweepSummary | None = None
) -> dict[int, Seen]:
    """Ask the devices' keepalives, probe the rest over RTSP; channel id → what was seen."""
    summary = summary or SweepSummary()
    devices = _device_states(rows, now)
    seen: dict[int, Seen] = {}
    targets = []
    for row in rows:
        if row.device_id in devices:
            seen[row.id] = devices[row.device_id]
            summary.by_sip += 1
        elif not row.main_url:
            summary.unprobed += 1
        else:
            target = _target(row)
            if isinstance(target, Seen):
                seen[row.id] = target
            else:
                targets.append(target)
    started = time.perf_counter()
    results: list[ProbeResult] = runner(targets) if targets else []
    summary.probe_seconds = time.perf_counter() - started
    summary.probed = len(targets)
    for r in results:
        seen[r.channel_id] = Seen(r.ok, HealthSource.RTSP, r.error, r.codec)
    return seen


# --- the state machine ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A channel's new field values, and its transition if it had one (previous, new, reason)."""

    changes: dict
    transition: tuple[str, str, str] | None = None


def decide(row: Row, seen: Seen, now: datetime, offline_after: int) -> Step:
    """The next state of one channel after one observation."""
    upd: dict = {"health_source": seen.source} if row.health_source != seen.source else {}
    if seen.source == HealthSource.RTSP:
        upd["last_probe_at"] = now
    if seen.keepalive_at is not None:
        upd["last_keepalive_at"] = seen.keepalive_at
    if seen.ok:
        upd.update(last_ok_at=now, failures=0, last_error="")
        if seen.source == HealthSource.RTSP and seen.codec and seen.codec != row.codec:
            upd["codec"] = seen.codec
        if row.health == Health.ONLINE:
            return Step(upd)
        reason = f"answered DESCRIBE ({seen.codec})" if seen.source == HealthSource.RTSP else "keepalive"
        upd.update(health=Health.ONLINE, health_since=now, health_source=seen.source)
        return Step(upd, (row.health, Health.ONLINE, reason))
    failures = row.failures + 1
    upd.update(failures=failures, last_error=seen.error[:MAX_TEXT])
    due = seen.source == HealthSource.SIP or failures >= offline_after
    if row.health == Health.OFFLINE or not due:
        return Step(upd)
    upd.update(health=Health.OFFLINE, health_since=now, health_source=seen.source)
    return Step(upd, (row.health, Health.OFFLINE, seen.error[:MAX_TEXT]))


def grouped_update(changes: dict[int, dict]) -> int:
    """Write each channel's changes; channels with the same new values share one UPDATE."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pk, upd in changes.items():
        if upd:
            groups[tuple(sorted(upd.items()))].append(pk)
    statements = 0
    for key, ids in groups.items():
        values = dict(key)
        for i in range(0, len(ids), CHUNK):
            Channel.objects.filter(pk__in=ids[i : i + CHUNK]).update(**values)
            statements += 1
    return statements


def apply(
    rows: list[Row], seen: dict[int, Seen], now: datetime, summary: SweepSummary | None = None
) -> list[int]:
    """Write a sweep's observations: fields, transitions, outages. Returns the ids of ended outages."""
    summary = summary or SweepSummary()
    offline_after = settings.CITYOPS_VIDEO_OFFLINE_AFTER
    changes, history, went_offline, came_back = {}, [], [], []
    for row in rows:
        if row.id not in seen:
            continue
        s = seen[row.id]
        summary.ok += s.ok
        summary.failed += not s.ok
        if not s.ok:
            key = s.error.split(":")[0].split(" (")[0][:60]
            summary.errors[key] = summary.errors.get(key, 0) + 1
        step = decide(row, s, now, offline_after)
        changes[row.id] = step.changes
        if step.transition:
            previous, health, reason = step.transition
            history.append(
                HealthChange(
                    channel_id=row.id,
                    at=now,
                    previous=previous,
                    health=health,
                    source=s.source,
                    reason=reason,
                )
            )
            if health == Health.ONLINE:
                came_back.append(row)
            else:
                went_offline.append((row, reason))
    with transaction.atomic():
        grouped_update(changes)
        HealthChange.objects.bulk_create(history, batch_size=500)
        _open_outages(went_offline, now)
        ended = _end_outages([r.id for r in came_back], now)
        _screen_events([r for r, _ in went_offline], came_back, now)
    summary.went_online += len(came_back)
    summary.went_offline += len(went_offline)
    return ended


def _screen_events(offline: list[Row], online: list[Row], now: datetime) -> None:
    """A line in the operations centre's feed for each camera that went offline or came back."""
    ids = [r.id for r in offline] + [r.id for r in online]
    if not ids:
        return
    named = {}
    for i in range(0, len(ids), CHUNK):
        part = Channel.objects.filter(pk__in=ids[i : i + CHUNK]).values_list("pk", "name", "lon", "lat")
        named.update({pk: (name, lon, lat) for pk, name, lon, lat in part})
    out = []
    for rows, kind, severity, title in (
        (offline, "camera_offline", "warning", gettext_noop("Camera %(name)s went offline")),
        (online, "camera_online", "info", gettext_noop("Camera %(name)s is back online")),
    ):
        for r in rows:
            name, lon, lat = named.get(r.id, (r.gb_id, None, None))
            out.append(
                screen_event(
                    kind,
                    title=title,
                    params={"name": name},
                    severity=severity,
                    area_id=r.area_id,
                    village_id=r.village_id,
                    grid_id=r.grid_id,
                    lon=lon,
                    lat=lat,
                    link=reverse("video:channel", args=[r.gb_id]),
                    data={"channel": r.gb_id},
                    at=now,
                )
            )
    emit_many(out)


def _open_outages(rows: list[tuple[Row, str]], now: datetime) -> None:
    ids = [r.id for r, _ in rows]
    already = set()
    for i in range(0, len(ids), CHUNK):
        already |= set(
            Outage.objects.filter(channel_id__in=ids[i : i + CHUNK], ended_at__isnull=True).values_list(
                "channel_id", flat=True
            )
        )
    Outage.objects.bulk_create(
        [
            Outage(
                channel_id=r.id,
                started_at=now,
                reason=reason,
                area_id=r.area_id,
                village_id=r.village_id,
                grid_id=r.grid_id,
            )
            for r, reason in rows
            if r.id not in already
        ],
        batch_size=500,
    )


def _end_outages(channel_ids: list[int], now: datetime) -> list[int]:
    ended = []
    for i in range(0, len(channel_ids), CHUNK):
        open_ = Outage.objects.filter(channel_id__in=channel_ids[i : i + CHUNK], ended_at__isnull=True)
        ended += list(open_.values_list("pk", flat=True))
        open_.update(ended_at=now)
    return ended


# --- outages and their cases ------------------------------------------------------------------------


def _local(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def _open_case(outage: Outage, now: datetime) -> bool:
    """Open the maintenance case of a long outage; on failure write why on the outage. True if opened."""
    ch = outage.channel
    minutes = int((now - outage.started_at).total_seconds() // 60)
    description = (
        f"Camera {ch.gb_id} {ch.name} has been offline since {_local(outage.started_at)} "
        f"({minutes} minutes): {outage.reason or 'no answer'}"
    )
    try:
        result = intake_alarm(
            channel="video",
            item_code=settings.CITYOPS_VIDEO_OUTAGE_ITEM,
            lon=ch.lon,
            lat=ch.lat,
            description=description,
            source_ref=f"video-outage-{outage.pk}",
            attributes={"channel": ch.gb_id, "outage": outage.pk},
        )
    except DomainError as exc:
        error = str(getattr(exc, "detail", "") or exc)
    except Exception as exc:  # noqa: BLE001 - written on the outage and tried again next sweep
        log.exception("opening the case of outage %s failed", outage.pk)
        error = f"{type(exc).__name__}: {exc}"
    else:
        Outage.objects.filter(pk=outage.pk).update(
            case_id=result.case.pk, case_number=result.case.number, case_error=""
        )
        return True
    Outage.objects.filter(pk=outage.pk).update(case_error=error[:MAX_TEXT])
    return False


def outage_cases_open(*, now: datetime, summary: SweepSummary | None = None) -> int:
    """Open a case for every outage that has lasted too long and has none yet (failed ones again)."""
    summary = summary or SweepSummary()
    minutes = settings.CITYOPS_VIDEO_OUTAGE_CASE_MINUTES
    if minutes <= 0:
        return 0
    due = Outage.objects.filter(
        ended_at__isnull=True, case_id__isnull=True, started_at__lte=now - timedelta(minutes=minutes)
    ).select_related("channel")
    for outage in due:
        if _open_case(outage, now):
            summary.cases_opened += 1
        else:
            summary.case_errors += 1
    return summary.cases_opened


def outage_cases_close(outage_ids: list[int], *, summary: SweepSummary | None = None) -> int:
    """Close the cases of ended outages; a case another channel's open outage still holds gets a note."""
    summary = summary or SweepSummary()
    ended = Outage.objects.filter(pk__in=outage_ids, case_id__isnull=False).select_related("channel")
    for outage in ended:
        ch = outage.channel
        note = (
            f"Camera {ch.gb_id} {ch.name} is back online at {_local(outage.ended_at)} after an outage "
            f"since {_local(outage.started_at)}."
        )
        data = {"channel": ch.gb_id, "outage": outage.pk}
        others = Outage.objects.filter(case_id=outage.case_id, ended_at__isnull=True).exclude(pk=outage.pk)
        try:
            if others.exists():
                links.case_add_source_note(
                    case_id=outage.case_id,
                    channel="video",
                    note=note + " Other cameras are still offline.",
                    data=data,
                )
            elif (
                links.case_resolve_by_source(case_id=outage.case_id, channel="video", note=note, data=data)
                == "closed"
            ):
                summary.cases_closed += 1
        except Exception as exc:  # noqa: BLE001 - the sweep goes on; the outage says what happened
            log.exception("closing the case of outage %s failed", outage.pk)
            Outage.objects.filter(pk=outage.pk).update(
                case_error=f"closing: {type(exc).__name__}: {exc}"[:MAX_TEXT]
            )
            summary.case_errors += 1
    return summary.cases_closed


# --- one sweep --------------------------------------------------------------------------------------


def sweep(*, runner=run_probes, now=None) -> SweepSummary:
    """Probe every channel in service, apply the results, open and close the outages' cases.

    One sweep at a time across all workers (an advisory lock on PostgreSQL): two sweeps that probed
    the same cameras would both record each transition, open the outage's case twice and show the
    camera going offline twice on the screen. A sweep that finds another running returns ``busy``.
    """
    with exclusive(SWEEP_LOCK) as mine:
        return _sweep(runner, now) if mine else SweepSummary(busy=True)


def _sweep(runner, now) -> SweepSummary:
    summary = SweepSummary()
    rows = _rows()
    summary.channels = len(rows)
    seen = observe(rows, now or timezone.now(), runner, summary)
    started = time.perf_counter()
    at = now or timezone.now()
    ended = apply(rows, seen, at, summary)
    outage_cases_close(ended, summary=summary)
    outage_cases_open(now=at, summary=summary)
    summary.write_seconds = time.perf_counter() - started
    return summary
