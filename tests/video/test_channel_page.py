"""The channel page's health and snapshot parts: the health now, the status history, the outages with
their cases, and "take a snapshot now" (video.live only, POST only, CSRF, errors shown, audited)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cityops.audit.models import AuditRecord
from cityops.video import snapshots
from cityops.video.models import Channel, GbDevice, HealthChange, Outage

JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 200 + b"\xff\xd9"


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def history(video_channels):
    """g1a: online via a GB/T 28181 device after an outage that opened case C-1; g5 offline now."""
    now = timezone.now()
    g1a, g5 = video_channels["g1a"], video_channels["g5"]
    device = GbDevice.objects.create(gb_id="44190000001110000001", name="一号 NVR", online=True)
    device.last_keepalive_at = now - timedelta(seconds=40)
    device.save()
    Channel.objects.filter(pk=g1a.pk).update(
        device=device,
        health="online",
        health_source="sip",
        health_since=now - timedelta(hours=2),
        last_keepalive_at=now - timedelta(seconds=40),
        codec="H.265",
    )
    Channel.objects.filter(pk=g5.pk).update(
        health="offline",
        health_source="rtsp",
        health_since=now - timedelta(minutes=50),
        failures=4,
        last_error="connect: connection refused",
        main_url="rtsp://10.0.0.5/1",
    )
    where = {"area_id": g1a.area_id, "village_id": g1a.village_id, "grid_id": g1a.grid_id}
    Outage.objects.create(
        channel=g1a,
        started_at=now - timedelta(hours=30),
        ended_at=now - timedelta(hours=2),
        reason="read: timed out",
        case_id=1,
        case_number="C-20260301-0001",
        **where,
    )
    g5where = {"area_id": g5.area_id, "village_id": g5.village_id, "grid_id": g5.grid_id}
    Outage.objects.create(
        channel=g5,
        started_at=now - timedelta(minutes=50),
        reason="connect: connection refused",
        case_error="no patrol item BJ060801",
        **g5where,
    )
    for at, prev, new, src, reason in (
        (now - timedelta(hours=30), "online", "offline", "rtsp", "read: timed out"),
        (now - timedelta(hours=2), "offline", "online", "sip", "keepalive"),
    ):
        HealthChange.objects.create(channel=g1a, at=at, previous=prev, health=new, source=src, reason=reason)
    return video_channels


def test_the_health_part_shows_the_state_history_and_outages(client, users, history):
    client.force_login(users["officer"])
    page = client.get(f"/video/channels/{history['g1a'].gb_id}/").content.decode()
    assert 'data-testid="channel-health"' in page
    assert "GB/T 28181 keepalive" in page and "H.265" in page and "一号 NVR" in page
    assert "since " in page and "(2 h 0 min)" in page
    history_part = page.split('data-testid="health-history"')[1].split("</ul>")[0]
    assert history_part.index("keepalive") < history_part.index("read: timed out")  # newest first
    assert 'href="/cases/C-20260301-0001/"' in page and "1 d 4 h" in page
    page = client.get(f"/video/channels/{history['g5'].gb_id}/").content.decode()
    assert "connect: connection refused" in page and "ongoing" in page
    assert "No case: no patrol item BJ060801" in page
    assert "No change of health recorded yet." in page


def test_a_role_without_cases_sees_the_case_number_without_a_link(client, users, history):
    client.force_login(users["steward"])
    page = client.get(f"/video/channels/{history['g1a'].gb_id}/").content.decode()
    assert "C-20260301-0001" in page and "/cases/C-20260301-0001/" not in page
    assert 'data-testid="channel-snapshot"' not in page  # no video.live


def test_outages_outside_the_scope_are_not_read(users, history):
    from cityops.video import selectors

    health = selectors.channel_health(user=users["dispatcher_v1"], channel=history["g5"])
    assert health.changes == [] and health.outages == []
    health = selectors.channel_health(user=users["dispatcher_v1"], channel=history["g1a"])
    assert len(health.changes) == 2 and len(health.outages) == 1


def _take(client, channel, htmx=True):
    headers = {"HX-Request": "true", "HX-Target": "channel-snapshot"} if htmx else {}
    return client.post(f"/video/channels/{channel.gb_id}/snapshot/take/", headers=headers)


def test_take_a_snapshot_keeps_it_and_audits_it(client, users, history, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    async def frame(url, **kwargs):
        assert url == "rtsp://10.0.0.5/1"
        return JPEG_BYTES

    monkeypatch.setattr(snapshots, "grab_frame", frame)
    client.force_login(users["officer"])
    g5 = history["g5"]
    page = client.get(f"/video/channels/{g5.gb_id}/").content.decode()
    assert "Take a snapshot now" in page and "No snapshot yet." in page
    r = _take(client, g5)
    body = r.content.decode()
    assert r.status_code == 200 and "<html" not in body
    assert "A new snapshot was taken." in body and f"/video/channels/{g5.gb_id}/snapshot?t=" in body
    g5.refresh_from_db()
    assert g5.snapshot_at is not None
    assert client.get(f"/video/channels/{g5.gb_id}/snapshot").content == JPEG_BYTES
    record = AuditRecord.objects.get(action="video.channel.snapshot")
    assert record.actor == "officer" and record.after["taken"] is True
    # without htmx: back to the channel page with the message
    r = _take(client, g5, htmx=False)
    assert r.status_code == 302 and r.url == f"/video/channels/{g5.gb_id}/#snapshot-title"


@pytest.mark.parametrize(
    ("setup", "shown"),
    [
        ("no_ffmpeg", "ffmpeg is not installed on the server"),
        ("timeout", "The camera sent no picture in time."),
        ("no_url", "This camera has no main stream address"),
    ],
)
def test_a_failed_snapshot_says_why(client, users, history, monkeypatch, setup, shown):
    g5 = history["g5"]
    if setup == "no_ffmpeg":
        monkeypatch.setattr(snapshots.shutil, "which", lambda name: None)
    elif setup == "timeout":

        async def slow(url, **kwargs):
            raise snapshots.SnapshotFailed("no frame within 10 s", reason="timeout")

        monkeypatch.setattr(snapshots, "grab_frame", slow)
    else:
        Channel.objects.filter(pk=g5.pk).update(main_url="")
    client.force_login(users["officer"])
    body = _take(client, g5).content.decode()
    assert shown in body and 'data-testid="snapshot-feedback"' in body and 'role="alert"' in body
    assert not Channel.objects.get(pk=g5.pk).snapshot
    record = AuditRecord.objects.get(action="video.channel.snapshot")
    assert record.after["taken"] is False and record.after["reason"] == setup


def test_snapshot_taking_is_for_video_live_by_post_with_csrf_in_scope(client, users, history, monkeypatch):
    def never(**kwargs):
        raise AssertionError("no frame may be taken")

    monkeypatch.setattr(snapshots, "channel_snapshot", never)
    g5, g1a = history["g5"], history["g1a"]
    url = f"/video/channels/{g5.gb_id}/snapshot/take/"
    client.force_login(users["steward"])  # video.view and video.change, not video.live
    assert client.post(url).status_code == 403
    client.force_login(users["officer"])
    assert client.get(url).status_code == 405
    client.force_login(users["dispatcher_v1"])  # g5 lies outside village V1
    assert client.post(url).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(users["officer"])
    assert strict.post(f"/video/channels/{g1a.gb_id}/snapshot/take/").status_code == 403
    assert not AuditRecord.objects.filter(action="video.channel.snapshot").exists()
