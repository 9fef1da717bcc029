"""The access point against a simulated NVR over loopback UDP and TCP: register, keepalive, catalog,
unregister, expiry, and bad input that must never stop it."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.core.sealed import seal
from cityops.video.models import Channel, GbDevice, Group
from tests.builders import grid_centre
from tests.video.conftest import gb
from tests.video.sipdevice import DOMAIN, RunningAccessPoint, SimDevice, item

pytestmark = pytest.mark.django_db(transaction=True)
NVR = gb("118", 1)
PASSWORD = "nvr-secret-1"


@pytest.fixture
def ap():
    with RunningAccessPoint(check_s=3600) as running:
        yield running


@pytest.fixture
def nvr(db):
    return GbDevice.objects.create(gb_id=NVR, name="一号NVR", password_sealed=seal(PASSWORD))


def _until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def _registered(ap, transport="UDP"):
    dev = SimDevice(NVR, ap.port, transport=transport, password=PASSWORD)
    challenge, ok = dev.register()
    assert (challenge.status, ok.status) == (401, 200)
    return dev


@pytest.mark.parametrize("transport", ["UDP", "TCP"])
def test_register_is_challenged_then_accepted_and_the_catalog_is_asked_for(ap, nvr, transport):
    dev = SimDevice(NVR, ap.port, transport=transport, password=PASSWORD)
    challenge, ok = dev.register(expires=1800)
    www = challenge.get("WWW-Authenticate")
    assert challenge.status == 401
    assert www.startswith("Digest ") and f'realm="{DOMAIN}"' in www and 'qop="auth"' in www
    assert ok.status == 200 and ok.get("Expires") == "1800"
    assert len(ok.get("Date")) == 23 and ok.get("Date")[10] == "T"  # GB/T 28181 time sync
    nvr.refresh_from_db()
    assert nvr.online and nvr.transport == transport and nvr.host == "127.0.0.1"
    assert nvr.port == dev.local[1]
    assert timedelta(seconds=1790) < nvr.expires_at - timezone.now() <= timedelta(seconds=1800)

    query = dev.wait_request()
    assert query.method == "MESSAGE" and query.uri.startswith(f"sip:{NVR}@127.0.0.1")
    assert query.get("Content-Type") == "Application/MANSCDP+xml"
    body = query.body.decode("gb18030")
    assert "<CmdType>Catalog</CmdType>" in body and f"<DeviceID>{NVR}</DeviceID>" in body
    dev.close()


def test_a_wrong_password_is_forbidden_after_the_challenge(ap, nvr):
    dev = SimDevice(NVR, ap.port, password=PASSWORD)
    challenge, answer = dev.register(password="guess")
    assert (challenge.status, answer.status) == (401, 403)
    nvr.refresh_from_db()
    assert not nvr.online and nvr.registered_at is None


def test_unknown_devices_are_refused_unless_auto_add_is_on(ap, settings):
    settings.CITYOPS_VIDEO_SIP_PASSWORD = "shared-secret"
    stranger = gb("118", 9)
    dev = SimDevice(stranger, ap.port, password="shared-secret")
    assert dev.register()[1].status == 403
    assert not GbDevice.objects.filter(gb_id=stranger).exists()

    settings.CITYOPS_VIDEO_SIP_AUTO_ADD = True
    assert dev.register()[1].status == 200
    assert GbDevice.objects.get(gb_id=stranger).online


def test_only_device_types_may_register(ap, settings):
    settings.CITYOPS_VIDEO_SIP_PASSWORD = "shared-secret"
    settings.CITYOPS_VIDEO_SIP_AUTO_ADD = True
    group_id = gb("215", 1)  # a business group is not a device
    first, _ = SimDevice(group_id, ap.port, password="shared-secret").register()
    assert first.status == 403
    assert not GbDevice.objects.exists()


def test_keepalive_stamps_the_device_and_its_channels(ap, nvr, video_channels):
    g1a, g2 = video_channels["g1a"], video_channels["g2"]
    Channel.objects.filter(pk=g1a.pk).update(device=nvr)
    dev = _registered(ap)
    before = timezone.now()
    assert dev.keepalive().status == 200
    nvr.refresh_from_db()
    g1a.refresh_from_db()
    g2.refresh_from_db()
    assert nvr.online and nvr.last_keepalive_at >= before
    assert g1a.last_keepalive_at == nvr.last_keepalive_at
    assert g2.last_keepalive_at is None  # not behind this NVR


def test_keepalive_without_registration_is_forbidden(ap, nvr):
    dev = SimDevice(NVR, ap.port, password=PASSWORD)
    assert dev.keepalive().status == 403
    nvr.refresh_from_db()
    assert nvr.last_keepalive_at is None and not nvr.online


@pytest.mark.parametrize("transport", ["UDP", "TCP"])
def test_catalog_in_two_chunks_updates_the_registry(ap, nvr, video_channels, settings, transport):
    settings.CITYOPS_VIDEO_SIP_PROJECT = "kjhcq"
    g1a = video_channels["g1a"]
    dev = _registered(ap, transport)
    query = dev.wait_request()
    sn = query.body.decode("gb18030").split("<SN>")[1].split("</SN>")[0]
    business, org, new = gb("215", 1), gb("216", 1), gb("132", 50)
    lon, lat = grid_centre(3)
    first = [item(business, "城区治安"), item(org, "一号路口片", parent=business)]
    second = [
        item(g1a.gb_id, "一号路口东(新)", parent=org, Manufacturer="Hikvision", Model="DS-2CD"),
        item(new, "三号路口", parent=org, lon=lon, lat=lat, Manufacturer="Dahua"),
        item(gb("132", 51), "无坐标", parent=org, status="OFF"),  # new, no position: skipped
    ]
    assert dev.catalog_chunk(sn, 5, first).status == 200
    assert dev.catalog_chunk(sn, 5, second).status == 200
    _until(lambda: ap.ap.applied)
    device_id, result = ap.ap.applied[-1]
    assert device_id == NVR
    assert (result.groups_created, result.channels_updated, result.channels_created) == (2, 1, 1)
    assert [p["field"] for p in result.problems] == ["Longitude"]

    assert Group.objects.get(gb_id=org).parent.gb_id == business
    g1a.refresh_from_db()
    assert (g1a.name, g1a.vendor, g1a.model) == ("一号路口东(新)", "Hikvision", "DS-2CD")
    assert g1a.device_id == nvr.pk and g1a.group.gb_id == org
    created = Channel.objects.get(gb_id=new)
    assert created.site.code == new and created.project.code == "kjhcq" and created.device_id == nvr.pk
    assert created.last_keepalive_at is not None  # reported ON by a live device
    assert not Channel.objects.filter(gb_id=gb("132", 51)).exists()
    nvr.refresh_from_db()
    assert nvr.catalog_at is not None


def test_an_incomplete_catalog_is_applied_when_it_times_out(ap, nvr, video_channels):
    g2 = video_channels["g2"]
    dev = _registered(ap)
    dev.wait_request()
    assert dev.catalog_chunk("77", 3, [item(g2.gb_id, "二号路口(改)")]).status == 200
    ap.ap.config.catalog_timeout_s = 0
    ap.call(ap.ap.tick)
    _until(lambda: ap.ap.applied)
    g2.refresh_from_db()
    assert g2.name == "二号路口(改)" and not ap.ap.catalogs


def test_expires_zero_unregisters(ap, nvr):
    dev = _registered(ap)
    bye = dev.register(expires=0)[1]
    assert bye.status == 200 and bye.get("Expires") == "0"
    nvr.refresh_from_db()
    assert not nvr.online
    assert dev.keepalive().status == 403


def test_silent_devices_go_offline(ap, nvr):
    _registered(ap)
    GbDevice.objects.filter(pk=nvr.pk).update(
        keepalive_interval_s=60, keepalive_count=3, registered_at=timezone.now() - timedelta(seconds=181)
    )
    ap.call(ap.ap.tick)
    nvr.refresh_from_db()
    assert not nvr.online


GARBAGE = [
    b"\x00\xff" * 100,
    b"HELLO\r\n\r\n",
    b"REGISTER sip:x SIP/3.0\r\nVia: a\r\n\r\n",
    b"MESSAGE sip:a@b SIP/2.0\r\nVia: x\r\nFrom: <sip:a@b>\r\nTo: <sip:b@b>\r\nCall-ID: 1\r\nCSeq: 1 MESSAGE\r\n"
    b"Content-Length: 99\r\n\r\nshort",
    b"OPTIONS sip:a@b SIP/2.0\r\n" + b"X-Pad: " + b"a" * 5000 + b"\r\n\r\n",
]


def test_garbage_over_udp_is_dropped_and_the_next_message_answered(ap, nvr):
    dev = SimDevice(NVR, ap.port, password=PASSWORD)
    for junk in [*GARBAGE, b"x" * 65000]:
        dev.send_raw(junk)
    # a well-formed MESSAGE whose body is an XML bomb, and one that is not MANSCDP at all
    bomb = '<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Notify><CmdType>&b;</CmdType></Notify>'
    assert dev.manscdp(bomb).status == 400
    assert dev.request("MESSAGE", body=b"hi", content_type="text/plain").status == 415
    assert dev.request("INVITE").status == 405
    assert dev.request("OPTIONS").status == 200
    assert dev.register()[1].status == 200


def test_garbage_over_tcp_closes_only_that_connection(ap, nvr):
    bad = SimDevice(NVR, ap.port, transport="TCP", password=PASSWORD)
    # framing intact (a CRLF ping, then a message without Via): the message is dropped, the link stays
    bad.send_raw(b"\r\n\r\nMESSAGE sip:a@b SIP/2.0\r\nFrom: <sip:a@b>\r\nContent-Length: 2\r\n\r\nhi")
    assert bad.request("OPTIONS").status == 200
    bad.send_raw(b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: zz\r\n\r\n")  # framing lost: closed
    with pytest.raises((ConnectionError, OSError)):
        bad.request("OPTIONS")
    huge = SimDevice(NVR, ap.port, transport="TCP", password=PASSWORD)
    huge.send_raw(b"A" * 70000)
    with pytest.raises((ConnectionError, OSError)):
        huge.request("OPTIONS")
    good = SimDevice(NVR, ap.port, transport="TCP", password=PASSWORD)
    assert good.register()[1].status == 200


def test_idle_tcp_connections_are_closed():
    with RunningAccessPoint(check_s=3600, tcp_idle_s=0.2) as running:
        dev = SimDevice(NVR, running.port, transport="TCP")
        with pytest.raises((ConnectionError, OSError)):
            dev.recv()
