"""Simulated cameras for the demo and the benchmark: loopback RTSP responders and AI alerts.

One responder serves any number of channels on one port, each at ``/<gb_id>``; what a channel does
is a stable function of its ID and the seed: most answer DESCRIBE with an H.264 track, a few percent
are down (the connection is cut as soon as it is opened), some flap (down in every other period),
some ask for Digest authentication (user ``admin``, a password derived from the ID and the seed).
"""

import asyncio
import hashlib
import hmac
import json
import os
import random
import time
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

SDP_VIDEO = (
    "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cityops simulated camera\r\nt=0 0\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=0\r\n"
)
SDP_AUDIO = (
    "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cityops simulated microphone\r\nt=0 0\r\n"
    "m=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)
REALM = "cityops-sim"
USERNAME = "admin"
MAX_REQUEST = 8192


@dataclass(frozen=True)
class Mix:
    """Percentages of channels that are down, flapping and asking for credentials."""

    down: float = 3.0
    flapping: float = 5.0
    auth: float = 10.0
    flap_seconds: float = 300.0
    seed: str = "cityops"


def _fraction(seed: str, gb_id: str, what: str) -> float:
    digest = hashlib.sha256(f"{seed}:{what}:{gb_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def password_for(gb_id: str, seed: str = "cityops") -> str:
    return hashlib.sha256(f"{seed}:password:{gb_id}".encode()).hexdigest()[:12]


def needs_auth(gb_id: str, mix: Mix) -> bool:
    return _fraction(mix.seed, gb_id, "auth") * 100 < mix.auth


def mode_of(gb_id: str, mix: Mix, now: float | None = None) -> str:
    """What the channel does now: "down", "auth" or "up"."""
    if _fraction(mix.seed, gb_id, "down") * 100 < mix.down:
        return "down"
    f = _fraction(mix.seed, gb_id, "flap")
    if f * 100 < mix.flapping:
        now = time.time() if now is None else now
        if int(now / mix.flap_seconds + f * 7) % 2:
            return "down"
    return "auth" if needs_auth(gb_id, mix) else "up"


def _answer(status: str, cseq: str, headers: dict | None = None, body: str = "") -> bytes:
    lines = [f"RTSP/1.0 {status}", f"CSeq: {cseq}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body:
        lines += ["Content-Type: application/sdp", f"Content-Length: {len(body.encode())}"]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def _digest_ok(header: str, *, method: str, password: str, nonce: str) -> bool:
    from cityops.video.prober import _params

    if not header.lower().startswith("digest "):
        return False
    p = _params(header[7:])
    if p.get("username") != USERNAME or p.get("nonce") != nonce:
        return False

    def h(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - RTSP Digest is MD5

    ha1, ha2 = h(f"{USERNAME}:{REALM}:{password}"), h(f"{method}:{p.get('uri', '')}")
    if p.get("qop") == "auth":
        expected = h(f"{ha1}:{nonce}:{p.get('nc')}:{p.get('cnonce')}:auth:{ha2}")
    else:
        expected = h(f"{ha1}:{nonce}:{ha2}")
    return hmac.compare_digest(expected, p.get("response", ""))


class Responder:
    """An asyncio RTSP responder for many channels: OPTIONS and DESCRIBE, nothing that streams."""

    def __init__(self, mix: Mix | None = None, known: set[str] | None = None):
        self.mix = mix or Mix()
        self.known = known  # None: every path is a channel
        self.served = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonce = os.urandom(8).hex()
        try:
            while request := await _read_request(reader):
                method, url, headers = request
                gb_id = urlsplit(url).path.strip("/").split("/")[0]
                mode = mode_of(gb_id, self.mix) if self.known is None or gb_id in self.known else "unknown"
                if mode == "down":
                    break
                writer.write(self._reply(method, url, headers, mode, gb_id, nonce))
                await writer.drain()
                self.served += 1
        except (OSError, asyncio.IncompleteReadError, ValueError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.transport.abort()

    def _reply(self, method, url, headers, mode, gb_id, nonce) -> bytes:
        cseq = headers.get("cseq", "0")
        if mode == "unknown":
            return _answer("404 Not Found", cseq)
        if method == "OPTIONS":
            return _answer("200 OK", cseq, {"Public": "OPTIONS, DESCRIBE"})
        if method != "DESCRIBE":
            return _answer("405 Method Not Allowed", cseq, {"Allow": "OPTIONS, DESCRIBE"})
        if mode == "auth" and not _digest_ok(
            headers.get("authorization", ""),
            method=method,
            password=password_for(gb_id, self.mix.seed),
            nonce=nonce,
        ):
            challenge = f'Digest realm="{REALM}", nonce="{nonce}", qop="auth", algorithm=MD5'
            return _answer("401 Unauthorized", cseq, {"WWW-Authenticate": challenge})
        return _answer("200 OK", cseq, {"Content-Base": url + "/"}, SDP_VIDEO)


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict] | None:
    first = await reader.readline()
    if not first.strip():
        return None
    parts = first.decode("latin-1").split()
    if len(parts) != 3:
        raise ValueError("bad request line")
    headers, size = {}, len(first)
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        size += len(line)
        if size > MAX_REQUEST:
            raise ValueError("request too large")
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return parts[0], parts[1], headers


async def serve(endpoints: list[tuple[str, int]], responder: Responder) -> list[asyncio.Server]:
    """Listen on every (host, port) with ``responder``; the servers are returned started."""
    servers = []
    for host, port in endpoints:
        servers.append(
            await asyncio.start_server(responder.handle, host, port, backlog=1024, reuse_address=True)
        )
    return servers


# --- AI alerts --------------------------------------------------------------------------------------


def sign(key: str, body: bytes, t: int | None = None) -> str:
    """The ``X-Cityops-Signature`` header of a webhook body."""
    t = int(time.time()) if t is None else t
    mac = hmac.new(key.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def alert_body(gb_id: str, kind: str, rng: random.Random) -> bytes:
    from datetime import UTC, datetime

    return json.dumps(
        {
            "source": "cityops-sim",
            "event_id": f"sim-{int(time.time() * 1000)}-{rng.randrange(10**6):06d}",
            "kind": kind,
            "channel": gb_id,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "confidence": round(rng.uniform(0.55, 0.99), 2),
        },
        separators=(",", ":"),
    ).encode()


def post_alert(url: str, key: str, body: bytes, timeout: float = 5.0) -> int:
    """POST one signed alert; the HTTP status (an error status too)."""
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own webhook
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Cityops-Signature": sign(key, body)},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


# --- the registry side ------------------------------------------------------------------------------


def rewrite_urls(host: str, port: int, mix: Mix) -> int:
    """Point every channel in service at the simulator; set the Digest credentials where asked."""
    from cityops.video.choices import IN_SERVICE
    from cityops.video.credentials import Credentials, seal_credentials
    from cityops.video.models import Channel

    channels = list(Channel.objects.filter(build_status__in=list(IN_SERVICE)).only("pk", "gb_id"))
    for ch in channels:
        ch.main_url = f"rtsp://{host}:{port}/{ch.gb_id}"
        ch.credentials_sealed = (
            seal_credentials(Credentials(USERNAME, password_for(ch.gb_id, mix.seed)))
            if needs_auth(ch.gb_id, mix)
            else ""
        )
    Channel.objects.bulk_update(channels, ["main_url", "credentials_sealed"], batch_size=500)
    return len(channels)


def loopback_endpoints() -> list[tuple[str, int]]:
    """The loopback (127.x) host and port pairs that channels in service name in their addresses."""
    from cityops.video.choices import IN_SERVICE
    from cityops.video.models import Channel

    found = set()
    for url in Channel.objects.filter(build_status__in=list(IN_SERVICE)).values_list("main_url", flat=True):
        try:
            parts = urlsplit(url)
            if parts.scheme == "rtsp" and (parts.hostname or "").startswith("127."):
                found.add((parts.hostname, parts.port or 554))
        except ValueError:
            continue
    return sorted(found)


def alert_candidates() -> list[tuple[str, str]]:
    """(channel, alert kind) pairs an alert may name: a kitchen kind on a canteen's camera, a
    street kind on any other camera in service (no rodent on a crossroads, no parking in a kitchen)."""
    from cityops.video.choices import IN_SERVICE, Scene
    from cityops.video.models import AlertKind, Channel

    in_service = Channel.objects.filter(build_status__in=list(IN_SERVICE))
    kitchen = list(in_service.filter(canteen__isnull=False).values_list("gb_id", flat=True))
    street = list(in_service.filter(canteen__isnull=True).values_list("gb_id", flat=True))
    pairs = []
    for code, scene in AlertKind.objects.filter(active=True).values_list("code", "scene"):
        pairs += [(gb_id, code) for gb_id in (kitchen if scene == Scene.KITCHEN else street)]
    return pairs
