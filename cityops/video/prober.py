"""The RTSP prober: is a camera there, and does it offer a video track?

One probe is a TCP connect, an ``OPTIONS`` and a ``DESCRIBE`` (``Accept: application/sdp``); a
``401`` with a Digest (RFC 2617 / 7616: MD5, MD5-sess or SHA-256, qop ``auth`` or none) or Basic
challenge is answered once with the channel's credentials. A channel is alive only when the last
answer is ``200`` with an SDP that has an ``m=video`` line.

Every wait has a limit: the connect, each read, and the whole probe (a server that drips one byte a
second cannot hold a probe past its deadline). Headers and SDP have size caps, so a huge answer is a
failure ("answer too large"), never memory growth. ``probe_all`` runs at most ``concurrency`` probes
at a time and never raises: each channel gets a result, an unexpected error included.
"""

import asyncio
import base64
import hashlib
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

USER_AGENT = "cityops-prober/1"
DEFAULT_PORT = 554
MAX_HEADER_BYTES = 16 * 1024
MAX_SDP_BYTES = 64 * 1024
MAX_ERROR = 300


@dataclass(frozen=True)
class Target:
    """What to probe: a channel's id, its stream address (without credentials) and its credentials."""

    channel_id: int
    url: str
    username: str = ""
    password: str = ""


@dataclass(frozen=True)
class ProbeResult:
    channel_id: int
    ok: bool
    error: str = ""
    codec: str = ""
    elapsed_ms: float = 0.0


@dataclass(frozen=True)
class Limits:
    connect_s: float
    read_s: float
    total_s: float
    max_header: int = MAX_HEADER_BYTES
    max_sdp: int = MAX_SDP_BYTES

    @classmethod
    def from_settings(cls) -> "Limits":
        """The limits of the settings; a whole probe may take a connect and three answers."""
        connect = settings.CITYOPS_VIDEO_CONNECT_TIMEOUT_MS / 1000
        read = settings.CITYOPS_VIDEO_READ_TIMEOUT_MS / 1000
        return cls(connect_s=connect, read_s=read, total_s=connect + 2 * read)


class ProbeFailed(Exception):
    """A probe's named failure; its text is what the channel shows as its last error."""


@dataclass
class Answer:
    status: int
    reason: str
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""


# --- the wire ---------------------------------------------------------------------------------------


def split_url(url: str) -> tuple[str, int, str]:
    """Host, port and the request URL (credentials removed) of an ``rtsp://`` address."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or DEFAULT_PORT
    except ValueError as exc:
        raise ProbeFailed(f"bad stream address: {exc}") from None
    if parts.scheme.lower() != "rtsp":
        raise ProbeFailed(f"bad stream address: scheme {parts.scheme or '(none)'!r} is not rtsp")
    if not parts.hostname:
        raise ProbeFailed("bad stream address: no host")
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port:
        netloc += f":{parts.port}"
    return parts.hostname, port, urlunsplit(("rtsp", netloc, parts.path or "/", parts.query, ""))


def _request(method: str, url: str, cseq: int, extra: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {url} RTSP/1.0", f"CSeq: {cseq}", f"User-Agent: {USER_AGENT}"]
    lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _read_line(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readline()
    except (ValueError, asyncio.LimitOverrunError):
        raise ProbeFailed("answer too large: a header line longer than the cap") from None


async def read_answer(reader: asyncio.StreamReader, limits: Limits, cseq: int) -> Answer:
    """One RTSP answer: status line, headers (at most ``max_header`` bytes) and a capped body.

    The caller bounds the time it may take (``_exchange``: the read timeout)."""
    first = await _read_line(reader)
    if not first:
        raise ProbeFailed("connection closed before an answer")
    match = re.match(rb"RTSP/1\.\d (\d{3})(?: (.*))?\r?\n$", first)
    if not match:
        raise ProbeFailed(f"malformed answer: not an RTSP status line ({_shown(first)})")
    status, reason = int(match[1]), (match[2] or b"").decode("latin-1").strip()
    headers: dict[str, list[str]] = {}
    size = len(first)
    while True:
        line = await _read_line(reader)
        size += len(line)
        if size > limits.max_header:
            raise ProbeFailed("answer too large: headers over the cap")
        if not line:
            raise ProbeFailed("malformed answer: the connection closed inside the headers")
        if line in (b"\r\n", b"\n"):
            break
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep or not name.strip() or " " in name.strip():
            raise ProbeFailed(f"malformed answer: bad header line ({_shown(line)})")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    answer = Answer(status, reason[:80], headers, b"")
    got = answer.header("cseq")
    if got and got.strip() != str(cseq):
        raise ProbeFailed(f"malformed answer: CSeq {got[:20]!r} to request {cseq}")
    answer.body = await _read_body(reader, answer, limits)
    return answer


async def _read_body(reader: asyncio.StreamReader, answer: Answer, limits: Limits) -> bytes:
    raw = answer.header("content-length") or "0"
    if not raw.isdigit():
        raise ProbeFailed(f"malformed answer: Content-Length {raw[:20]!r}")
    length = int(raw)
    if length > limits.max_sdp:
        raise ProbeFailed(f"answer too large: {length:,} bytes of body (the cap is {limits.max_sdp:,})")
    if not length:
        return b""
    try:
        return await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise ProbeFailed("malformed answer: the connection closed inside the body") from None


def _shown(raw: bytes) -> str:
    text = raw.decode("latin-1").strip()
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


# --- authentication ---------------------------------------------------------------------------------

_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


def _params(challenge: str) -> dict[str, str]:
    return {
        k.lower(): v if v is not None and v != "" else w
        for k, v, w in re.findall(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))', challenge)
    }


def challenges(answer: Answer) -> dict[str, dict[str, str]]:
    """The authentication schemes a 401 offers (lower-case scheme → its parameters)."""
    found = {}
    for value in answer.headers.get("www-authenticate", []):
        scheme, _, rest = value.strip().partition(" ")
        found.setdefault(scheme.lower(), _params(rest))
    return found


def digest_authorization(
    params: dict[str, str], *, method: str, uri: str, username: str, password: str, cnonce: str | None = None
) -> str:
    """The ``Authorization`` value answering a Digest challenge (RFC 2617 and 7616)."""
    algorithm = params.get("algorithm", "MD5")
    base, sess, _ = algorithm.upper().partition("-SESS")
    if base not in _HASHES:
        raise ProbeFailed(f"the camera asks for digest algorithm {algorithm[:20]!r}, which is not supported")

    def h(text: str) -> str:
        return _HASHES[base](text.encode()).hexdigest()

    realm, nonce = params.get("realm", ""), params.get("nonce", "")
    cnonce = cnonce or os.urandom(8).hex()
    ha1 = h(f"{username}:{realm}:{password}")
    if sess:
        ha1 = h(f"{ha1}:{nonce}:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    qops = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
    fields = [f'username="{username}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"']
    if "auth" in qops:
        nc = "00000001"
        fields += [f'response="{h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")}"', "qop=auth"]
        fields += [f"nc={nc}", f'cnonce="{cnonce}"']
    elif qops:
        raise ProbeFailed(f"the camera asks for digest qop {','.join(qops)[:20]!r}, which is not supported")
    else:
        fields.append(f'response="{h(f"{ha1}:{nonce}:{ha2}")}"')
    if "algorithm" in params:
        fields.append(f"algorithm={algorithm}")
    if "opaque" in params:
        fields.append(f'opaque="{params["opaque"]}"')
    return "Digest " + ", ".join(fields)


def _authorization(answer: Answer, target: Target, uri: str) -> str:
    offered = challenges(answer)
    if not (target.username or target.password):
        raise ProbeFailed("authentication required, and the channel has no credentials")
    if "digest" in offered:
        return digest_authorization(
            offered["digest"], method="DESCRIBE", uri=uri, username=target.username, password=target.password
        )
    if "basic" in offered:
        token = base64.b64encode(f"{target.username}:{target.password}".encode()).decode()
        return f"Basic {token}"
    raise ProbeFailed("malformed answer: a 401 without a Digest or Basic challenge")


# --- SDP --------------------------------------------------------------------------------------------


def video_codec(sdp: bytes) -> str | None:
    """The codec of the SDP's first video track ("" when it names none); None without a video track."""
    text = sdp.decode("utf-8", "replace")
    lines = [line.strip() for line in text.splitlines()]
    for i, line in enumerate(lines):
        if line.startswith("m=video"):
            formats = line.split()[3:]
            for other in lines[i + 1 :]:
                if other.startswith("m="):
                    break
                m = re.match(r"a=rtpmap:(\d+)\s+([^/\s]+)", other)
                if m and (not formats or m[1] in formats):
                    return m[2][:40]
            return ""
    return None


# --- one probe --------------------------------------------------------------------------------------


async def _exchange(reader, writer, request: bytes, limits: Limits, cseq: int) -> Answer:
    """Send a request and read its whole answer within the read timeout.

    One timeout for the whole answer rather than one per read: cheaper (no task per read), and a
    server that keeps sending a line now and then still has only the read timeout to finish."""
    writer.write(request)
    try:
        async with asyncio.timeout(limits.read_s):
            await writer.drain()
            return await read_answer(reader, limits, cseq)
    except TimeoutError:
        raise ProbeFailed("read timeout") from None


async def _connect(host: str, port: int, limits: Limits):
    try:
        async with asyncio.timeout(limits.connect_s):
            return await asyncio.open_connection(host, port, limit=limits.max_header)
    except TimeoutError:
        raise ProbeFailed("connect timeout") from None
    except ConnectionRefusedError:
        raise ProbeFailed("connection refused") from None
    except OSError as exc:
        raise ProbeFailed(f"cannot connect: {exc.strerror or type(exc).__name__}") from None


async def _converse(target: Target, limits: Limits) -> str:
    """The codec of a live channel; raises ProbeFailed naming what went wrong."""
    host, port, uri = split_url(target.url)
    reader, writer = await _connect(host, port, limits)
    try:
        await _exchange(reader, writer, _request("OPTIONS", uri, 1), limits, 1)
        accept = {"Accept": "application/sdp"}
        answer = await _exchange(reader, writer, _request("DESCRIBE", uri, 2, accept), limits, 2)
        if answer.status == 401:
            auth = _authorization(answer, target, uri)
            answer = await _exchange(
                reader, writer, _request("DESCRIBE", uri, 3, accept | {"Authorization": auth}), limits, 3
            )
            if answer.status == 401:
                raise ProbeFailed("credentials refused")
        if answer.status != 200:
            raise ProbeFailed(f"DESCRIBE answered {answer.status} {answer.reason}".strip())
        if not answer.body:
            raise ProbeFailed("no SDP in the answer")
        codec = video_codec(answer.body)
        if codec is None:
            raise ProbeFailed("no video track")
        return codec
    finally:
        writer.transport.abort()  # no goodbye: a TEARDOWN or a FIN handshake costs more than it tells


async def probe(target: Target, limits: Limits) -> ProbeResult:
    """Probe one channel within ``limits.total_s``; never raises (but passes a cancellation on)."""
    start = time.perf_counter()
    try:
        async with asyncio.timeout(limits.total_s):
            codec = await _converse(target, limits)
        ok, error = True, ""
    except ProbeFailed as exc:
        ok, error, codec = False, str(exc), ""
    except TimeoutError:
        ok, error, codec = False, f"no complete answer within {limits.total_s:g} s", ""
    except Exception as exc:  # noqa: BLE001 - a probe's trouble is the channel's, never the sweep's
        ok, error, codec = False, f"probe error: {type(exc).__name__}: {exc}", ""
    elapsed = (time.perf_counter() - start) * 1000
    return ProbeResult(target.channel_id, ok, error[:MAX_ERROR], codec, round(elapsed, 1))


async def probe_all(targets: Iterable[Target], *, limits: Limits, concurrency: int) -> list[ProbeResult]:
    """Probe every target, at most ``concurrency`` at a time; one result per target, in no set order.

    A fixed pool of workers takes targets from one iterator (the semaphore of the design, without a
    task per channel waiting on it), so memory stays the pool's whatever the number of channels."""
    pending = iter(targets)
    results: list[ProbeResult] = []

    async def worker():
        for target in pending:
            results.append(await probe(target, limits))

    workers = [asyncio.create_task(worker()) for _ in range(max(concurrency, 1))]
    try:
        await asyncio.gather(*workers)
    finally:
        for w in workers:
            w.cancel()
    return results


def run_probes(targets: Iterable[Target], *, limits: Limits | None = None, concurrency: int | None = None):
    """``probe_all`` from synchronous code (a job, a command): its own event loop, closed after."""
    limits = limits or Limits.from_settings()
    concurrency = concurrency or settings.CITYOPS_VIDEO_PROBE_CONCURRENCY
    return asyncio.run(probe_all(targets, limits=limits, concurrency=concurrency))
