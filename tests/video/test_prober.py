"""The RTSP prober against loopback responders: each way a camera can answer, or not."""

import asyncio
import hashlib
import socket

import pytest

from cityops.video import prober
from cityops.video.prober import Limits, Target, probe, probe_all
from cityops.video.simulator import SDP_AUDIO, SDP_VIDEO, Mix, Responder, password_for

FAST = Limits(connect_s=0.5, read_s=0.3, total_s=1.0)


def answer(status, cseq, headers=None, body=""):
    lines = [f"RTSP/1.0 {status}", f"CSeq: {cseq}"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body:
        lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


async def read_request(reader):
    lines = []
    while (line := await reader.readline()) not in (b"\r\n", b""):
        lines.append(line.decode().strip())
    if not lines:
        return None
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0].split()[0], headers


def scripted(reply):
    """A server whose answer to each request is ``reply(method, headers, n)`` (bytes, or None: hang up)."""

    async def handle(reader, writer):
        n = 0
        try:
            while (req := await read_request(reader)) is not None:
                n += 1
                out = reply(req[0], req[1], n)
                if out is None:
                    break
                if callable(out):
                    await out(writer)
                    continue
                writer.write(out)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    return handle


def run(handler, target_path="/cam", limits=FAST, username="", password=""):
    async def main():
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await probe(Target(1, f"rtsp://127.0.0.1:{port}{target_path}", username, password), limits)

    return asyncio.run(main())


def ok_reply(body=SDP_VIDEO):
    def reply(method, headers, n):
        if method == "OPTIONS":
            return answer("200 OK", headers["CSeq"], {"Public": "OPTIONS, DESCRIBE"})
        return answer("200 OK", headers["CSeq"], {"Content-Type": "application/sdp"}, body)

    return reply


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_camera_with_a_video_track_is_alive_and_names_its_codec():
    result = run(scripted(ok_reply()))
    assert (result.ok, result.error, result.codec) == (True, "", "H264")
    assert result.elapsed_ms < 1000


def test_a_200_without_a_video_track_is_not_alive():
    result = run(scripted(ok_reply(SDP_AUDIO)))
    assert (result.ok, result.error) == (False, "no video track")


def test_a_200_without_sdp_is_not_alive():
    result = run(scripted(ok_reply("")))
    assert (result.ok, result.error) == (False, "no SDP in the answer")


def test_digest_challenge_answered_with_the_channels_credentials():
    mix = Mix(down=0, flapping=0, auth=100)
    gb_id = "44190000001320000001"
    result = run(Responder(mix).handle, f"/{gb_id}", username="admin", password=password_for(gb_id))
    assert (result.ok, result.error, result.codec) == (True, "", "H264")


def test_digest_with_wrong_credentials_is_credentials_refused():
    mix = Mix(down=0, flapping=0, auth=100)
    result = run(Responder(mix).handle, "/44190000001320000001", username="admin", password="wrong")
    assert (result.ok, result.error) == (False, "credentials refused")


def test_a_challenge_to_a_channel_without_credentials():
    mix = Mix(down=0, flapping=0, auth=100)
    result = run(Responder(mix).handle, "/44190000001320000001")
    assert (result.ok, result.error) == (False, "authentication required, and the channel has no credentials")


def test_digest_without_qop_rfc2069_style():
    seen = {}

    def reply(method, headers, n):
        if method == "OPTIONS":
            return answer("200 OK", headers["CSeq"])
        if "Authorization" not in headers:
            return answer(
                "401 Unauthorized", headers["CSeq"], {"WWW-Authenticate": 'Digest realm="r", nonce="abc"'}
            )
        seen["auth"] = headers["Authorization"]
        return answer("200 OK", headers["CSeq"], {}, SDP_VIDEO)

    result = run(scripted(reply), username="u", password="p")
    assert result.ok
    p = prober._params(seen["auth"][7:])
    md5 = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731, S324
    assert p["response"] == md5(f"{md5('u:r:p')}:abc:{md5('DESCRIBE:' + p['uri'])}")
    assert "qop" not in p and "cnonce" not in p


def test_digest_response_matches_rfc_2617_example():
    # RFC 2617 section 3.5, with the method and URI of its example.
    params = {
        "realm": "testrealm@host.com",
        "qop": "auth,auth-int",
        "nonce": "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        "opaque": "5ccc069c403ebaf9f0171e9517f40e41",
    }
    header = prober.digest_authorization(
        params,
        method="GET",
        uri="/dir/index.html",
        username="Mufasa",
        password="Circle Of Life",
        cnonce="0a4f113b",
    )
    assert 'response="6629fae49393a05397450978507c4ef1"' in header
    assert 'opaque="5ccc069c403ebaf9f0171e9517f40e41"' in header


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"HTTP/1.1 200 OK\r\n\r\n", "malformed answer: not an RTSP status line ('HTTP/1.1 200 OK')"),
        (b"RTSP/1.0 200 OK\r\nCSeq 1\r\n\r\n", "malformed answer: bad header line ('CSeq 1')"),
        (b"RTSP/1.0 200 OK\r\nCSeq: 7\r\n\r\n", "malformed answer: CSeq '7' to request 1"),
        (b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: x\r\n\r\n", "malformed answer: Content-Length 'x'"),
        (b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n", "malformed answer: the connection closed inside the headers"),
    ],
)
def test_malformed_answers_are_named(raw, error):
    async def then_hang_up(writer):
        writer.write(raw)
        await writer.drain()
        writer.close()

    result = run(scripted(lambda method, headers, n: then_hang_up))
    assert (result.ok, result.error) == (False, error)


def test_an_error_status_is_named():
    def reply(method, headers, n):
        return answer("200 OK" if n == 1 else "404 Stream Not Found", headers["CSeq"])

    assert run(scripted(reply)).error == "DESCRIBE answered 404 Stream Not Found"


def test_huge_sdp_is_refused_without_reading_it():
    def reply(method, headers, n):
        if n == 1:
            return answer("200 OK", headers["CSeq"])
        return (
            f"RTSP/1.0 200 OK\r\nCSeq: {headers['CSeq']}\r\nContent-Length: 50000000\r\n\r\n".encode()
            + b"v" * 100000
        )

    result = run(scripted(reply))
    assert (result.ok, result.error) == (
        False,
        "answer too large: 50,000,000 bytes of body (the cap is 65,536)",
    )


def test_endless_headers_are_refused():
    def reply(method, headers, n):
        return b"RTSP/1.0 200 OK\r\n" + b"X-Pad: " + b"a" * 100 + b"\r\n" + (b"X-More: b\r\n" * 3000)

    result = run(scripted(reply))
    assert (result.ok, result.error) == (False, "answer too large: headers over the cap")


def test_slow_loris_cannot_hold_a_probe_past_its_deadline():
    async def drip_lines(writer):
        writer.write(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n")
        for i in range(1000):  # a short header line every 0.1 s: the answer never ends
            writer.write(b"X-%d: a\r\n" % i)
            await writer.drain()
            await asyncio.sleep(0.1)

    result = run(scripted(lambda method, headers, n: drip_lines), limits=Limits(0.5, read_s=5, total_s=1.0))
    assert (result.ok, result.error) == (False, "no complete answer within 1 s")
    assert 950 <= result.elapsed_ms < 1500


def test_a_byte_at_a_time_is_a_read_timeout():
    async def drip_bytes(writer):
        for ch in b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n" + b"X: " + b"a" * 1000:
            writer.write(bytes([ch]))
            await writer.drain()
            await asyncio.sleep(0.05)

    result = run(scripted(lambda method, headers, n: drip_bytes))
    assert (result.ok, result.error) == (False, "read timeout")  # the answer's own time is up first
    assert result.elapsed_ms < 500


def test_a_server_that_never_answers_is_a_read_timeout():
    async def silence(writer):
        await asyncio.sleep(5)

    result = run(scripted(lambda method, headers, n: silence))
    assert (result.ok, result.error) == (False, "read timeout")


def test_dead_port_is_connection_refused():
    result = asyncio.run(probe(Target(1, f"rtsp://127.0.0.1:{dead_port()}/x"), FAST))
    assert (result.ok, result.error) == (False, "connection refused")


def test_connect_timeout_on_an_unroutable_address():
    # A listening socket whose backlog is full never completes the handshake of a new connection.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(0)
        port = s.getsockname()[1]
        fillers = []
        for _ in range(4):
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", port))
            fillers.append(c)
        result = asyncio.run(probe(Target(1, f"rtsp://127.0.0.1:{port}/x"), Limits(0.2, 0.2, 1.0)))
        for c in fillers:
            c.close()
    assert result.ok is False and result.error in ("connect timeout", "read timeout")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://127.0.0.1/x", "bad stream address: scheme 'http' is not rtsp"),
        ("rtsp:///x", "bad stream address: no host"),
        ("rtsp://127.0.0.1:99999/x", "bad stream address: Port out of range 0-65535"),
    ],
)
def test_bad_addresses_are_named(url, error):
    result = asyncio.run(probe(Target(1, url), FAST))
    assert (result.ok, result.error) == (False, error)


def test_credentials_in_the_address_are_not_sent_in_the_request_line():
    host, port, uri = prober.split_url("rtsp://admin:secret@127.0.0.1:8554/a?b=1")
    assert (host, port, uri) == ("127.0.0.1", 8554, "rtsp://127.0.0.1:8554/a?b=1")


def test_probe_all_gives_one_result_per_channel_and_bounds_concurrency(monkeypatch):
    # counted around the prober's own probe: the server's handlers outlive the probes they answer
    live = {"now": 0, "most": 0}
    real_probe = prober.probe

    async def counted(target, limits):
        live["now"] += 1
        live["most"] = max(live["most"], live["now"])
        try:
            return await real_probe(target, limits)
        finally:
            live["now"] -= 1

    async def handler(reader, writer):
        await asyncio.sleep(0.02)
        await scripted(ok_reply())(reader, writer)

    async def main():
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        dead = dead_port()
        targets = [Target(i, f"rtsp://127.0.0.1:{port if i % 3 else dead}/c{i}") for i in range(60)]
        async with server:
            return await probe_all(targets, limits=FAST, concurrency=7)

    monkeypatch.setattr(prober, "probe", counted)
    results = asyncio.run(main())
    assert sorted(r.channel_id for r in results) == list(range(60))
    assert {r.ok for r in results if r.channel_id % 3} == {True}
    assert {r.error for r in results if not r.channel_id % 3} == {"connection refused"}
    assert live["most"] == 7  # the pool fills and never exceeds its size


def test_an_unexpected_error_is_a_result_not_an_exception(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("surprise")

    monkeypatch.setattr(prober, "split_url", boom)
    result = asyncio.run(probe(Target(5, "rtsp://x/"), FAST))
    assert (result.channel_id, result.ok, result.error) == (5, False, "probe error: RuntimeError: surprise")


def test_video_codec_reads_the_video_tracks_rtpmap():
    sdp = b"v=0\r\nm=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\nm=video 0 RTP/AVP 98\r\na=rtpmap:98 H265/90000\r\n"
    assert prober.video_codec(sdp) == "H265"
    assert prober.video_codec(b"v=0\r\nm=video 0 RTP/AVP 26\r\n") == ""
    assert prober.video_codec(b"v=0\r\nm=audio 0 RTP/AVP 0\r\n") is None
