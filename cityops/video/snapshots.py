"""A channel's snapshot: one frame through ``ffmpeg`` over RTSP/TCP, with a timeout and a size cap.

ffmpeg runs as a child process killed at the wall-clock deadline; its output is read with a cap
(a bigger picture is refused, not kept). The credentials go into the URL only on ffmpeg's command
line and are removed from every message it gives back.
"""

import asyncio
import shutil
from datetime import timedelta
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone

from cityops.audit.services import audit_record
from cityops.core.errors import ValidationFailed
from cityops.core.sealed import SealBroken
from cityops.video.choices import Health
from cityops.video.health import stream_credentials
from cityops.video.models import Channel

JPEG = b"\xff\xd8"


class SnapshotFailed(ValidationFailed):
    """The frame could not be taken; the message says why (never with a password in it), ``reason``
    which case it is: no_url, credentials, no_ffmpeg, timeout, too_large or refused."""

    def __init__(self, detail: str, *, reason: str = "refused"):
        super().__init__(detail)
        self.reason = reason


def _with_credentials(url: str, user: str, password: str) -> str:
    if not user:
        return url
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"))


def _scrub(text: str, *secrets: str) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "***").replace(quote(s, safe=""), "***")
    return text


async def grab_frame(
    url: str, *, user: str = "", password: str = "", timeout_s: float, max_bytes: int
) -> bytes:
    """One JPEG frame of the stream at ``url``; raises SnapshotFailed with the reason."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise SnapshotFailed("ffmpeg is not installed (apt-get install ffmpeg)", reason="no_ffmpeg")
    args = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-rtsp_transport", "tcp"]
    args += ["-timeout", str(int(timeout_s * 1_000_000)), "-i", _with_credentials(url, user, password)]
    args += ["-frames:v", "1", "-f", "image2", "-c:v", "mjpeg", "-q:v", "5", "pipe:1"]
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(timeout_s):
            data = await _read_capped(proc.stdout, max_bytes)
            err = await proc.stderr.read(2000)
            code = await proc.wait()
    except TimeoutError:
        raise SnapshotFailed(f"no frame within {timeout_s:g} s", reason="timeout") from None
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if data is None:
        raise SnapshotFailed(f"the picture is larger than {max_bytes:,} bytes", reason="too_large")
    if code != 0 or not data.startswith(JPEG):
        reason = _scrub(
            err.decode("utf-8", "replace").strip().splitlines()[-1:][0] if err.strip() else "", user, password
        )
        raise SnapshotFailed(f"ffmpeg took no frame (exit {code}){': ' + reason[:200] if reason else ''}")
    return data


async def _read_capped(stream: asyncio.StreamReader, max_bytes: int) -> bytes | None:
    chunks, size = [], 0
    while chunk := await stream.read(65536):
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def channel_snapshot(*, channel: Channel) -> Channel:
    """Take a channel's snapshot now and keep it as its last one; raises SnapshotFailed."""
    if not channel.main_url:
        raise SnapshotFailed("the channel has no main stream address", reason="no_url")
    try:
        user, password = (
            stream_credentials(channel.credentials_sealed) if channel.credentials_sealed else ("", "")
        )
    except SealBroken:
        raise SnapshotFailed(
            "the stored credentials do not open with the configured keys", reason="credentials"
        ) from None
    data = asyncio.run(
        grab_frame(
            channel.main_url,
            user=user,
            password=password,
            timeout_s=settings.CITYOPS_VIDEO_SNAPSHOT_TIMEOUT_S,
            max_bytes=settings.CITYOPS_VIDEO_SNAPSHOT_MAX_BYTES,
        )
    )
    old = channel.snapshot.name if channel.snapshot else ""
    channel.snapshot.save(f"{channel.gb_id}.jpg", ContentFile(data), save=False)
    channel.snapshot_at = timezone.now()
    Channel.objects.filter(pk=channel.pk).update(
        snapshot=channel.snapshot.name, snapshot_at=channel.snapshot_at
    )
    if old and old != channel.snapshot.name:
        channel.snapshot.storage.delete(old)
    return channel


def channel_snapshot_take(*, channel: Channel, by=None, actor_name: str = "") -> Channel:
    """A person's "take a snapshot now": the frame as ``channel_snapshot``, and an audit record of
    the attempt whether it worked or not (who looked at which camera when)."""
    try:
        channel_snapshot(channel=channel)
    except SnapshotFailed as exc:
        audit_record(
            action="video.channel.snapshot",
            actor=by,
            actor_name=actor_name,
            obj=channel,
            after={"taken": False, "reason": exc.reason, "error": exc.detail},
        )
        raise
    audit_record(
        action="video.channel.snapshot",
        actor=by,
        actor_name=actor_name,
        obj=channel,
        after={"taken": True, "at": channel.snapshot_at.isoformat(), "bytes": channel.snapshot.size},
    )
    return channel


SWEEP_SNAPSHOTS = 3  # per sweep, of the online channels whose snapshot is missing or a day old
SNAPSHOT_AGE = timedelta(hours=24)


def snapshots_refresh(*, limit: int = SWEEP_SNAPSHOTS) -> tuple[int, int]:
    """Renew a few stale snapshots of online channels (when snapshots are on); (taken, failed)."""
    if not settings.CITYOPS_VIDEO_SNAPSHOTS:
        return 0, 0
    stale = Q(snapshot_at__isnull=True) | Q(snapshot_at__lt=timezone.now() - SNAPSHOT_AGE)
    # At random among the stale ones, so that a few cameras that never give a frame block nobody.
    due = Channel.objects.filter(stale, health=Health.ONLINE).exclude(main_url="").order_by("?")[:limit]
    taken = failed = 0
    for channel in due:
        try:
            channel_snapshot(channel=channel)
            taken += 1
        except SnapshotFailed:
            failed += 1
    return taken, failed
