"""Against a real RTSP server (GStreamer's gst-rtsp-server, a live H.264 test pattern): the prober's
DESCRIBE with Digest, a sweep that marks the channel online, and a snapshot through ffmpeg."""

import asyncio
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from cityops.video import health
from cityops.video.credentials import Credentials, seal_credentials
from cityops.video.models import Channel
from cityops.video.prober import Limits, Target, probe
from cityops.video.snapshots import SnapshotFailed, channel_snapshot, grab_frame

SERVER = Path(__file__).with_name("gst_rtsp_server.py")
SYSTEM_PYTHON = "/usr/bin/python3"
USER, PASSWORD = "admin", "s3cret"
LIMITS = Limits(connect_s=2, read_s=5, total_s=10)
GI_CHECK = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"


def missing() -> str:
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} is missing"
    check = subprocess.run([SYSTEM_PYTHON, "-c", GI_CHECK], capture_output=True, timeout=30)
    if check.returncode != 0:
        return "GStreamer's RTSP server is not importable (apt-get install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-ugly)"
    if shutil.which("ffmpeg") is None:
        return "ffmpeg is not installed (apt-get install ffmpeg)"
    return ""


def free_port() -> int:
    for port in range(18500, 19000):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("no free port in 18500-18999")


@pytest.fixture(scope="module")
def rtsp_server():
    reason = missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"RTSP test environment incomplete under CI: {reason}")
        pytest.skip(reason)
    port = free_port()
    proc = subprocess.Popen(
        [SYSTEM_PYTHON, str(SERVER), str(port), USER, PASSWORD],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        if line != "ready":
            pytest.fail(f"the RTSP server did not start: {line} {proc.stderr.read()[-2000:]}")
        yield f"rtsp://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_describe_with_digest_against_a_real_server(rtsp_server):
    ok = asyncio.run(probe(Target(1, f"{rtsp_server}/test", USER, PASSWORD), LIMITS))
    assert (ok.ok, ok.codec) == (True, "H264")
    refused = asyncio.run(probe(Target(2, f"{rtsp_server}/test", USER, "wrong"), LIMITS))
    assert (refused.ok, refused.error) == (False, "credentials refused")
    audio = asyncio.run(probe(Target(3, f"{rtsp_server}/audio", USER, PASSWORD), LIMITS))
    assert (audio.ok, audio.error) == (False, "no video track")


def test_a_sweep_marks_the_real_camera_online_and_a_snapshot_is_kept(
    rtsp_server, video_channels, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.CITYOPS_VIDEO_SNAPSHOT_TIMEOUT_S = 10
    ch = video_channels["g2"]
    Channel.objects.filter(pk=ch.pk).update(
        main_url=f"{rtsp_server}/test", credentials_sealed=seal_credentials(Credentials(USER, PASSWORD))
    )
    Channel.objects.exclude(pk=ch.pk).update(build_status="planned")
    summary = health.sweep()
    assert (summary.probed, summary.ok) == (1, 1)
    ch.refresh_from_db()
    assert (ch.health, ch.codec) == ("online", "H264")
    channel_snapshot(channel=ch)
    ch.refresh_from_db()
    data = ch.snapshot.read()
    assert data[:2] == b"\xff\xd8" and 500 < len(data) < settings.CITYOPS_VIDEO_SNAPSHOT_MAX_BYTES
    assert ch.snapshot_at is not None


def test_a_snapshot_over_the_cap_or_refused_is_named_without_the_password(rtsp_server):
    with pytest.raises(SnapshotFailed, match=r"^the picture is larger than 100 bytes$"):
        asyncio.run(
            grab_frame(f"{rtsp_server}/test", user=USER, password=PASSWORD, timeout_s=10, max_bytes=100)
        )
    with pytest.raises(SnapshotFailed) as failed:
        asyncio.run(
            grab_frame(f"{rtsp_server}/test", user=USER, password="wrong", timeout_s=10, max_bytes=10**6)
        )
    assert "401" in str(failed.value) and "wrong" not in str(failed.value)


def test_a_snapshot_of_a_dead_address_fails_within_its_timeout():
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    with pytest.raises(SnapshotFailed, match="ffmpeg took no frame|no frame within"):
        asyncio.run(grab_frame(f"rtsp://127.0.0.1:{free_port()}/x", timeout_s=3, max_bytes=10**6))
