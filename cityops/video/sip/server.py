"""The GB/T 28181 access point: one asyncio loop serving SIP over UDP and TCP on one port.

It accepts REGISTER (digest-authenticated), MESSAGE with MANSCDP Keepalive and Catalog bodies,
OPTIONS and ACK; it sends each newly registered device a Catalog query and files the answer (its
chunks assembled by SN until SumNum items arrived, or what arrived when ``catalog_timeout_s``
passed). Every database write runs on one worker thread so the loop never blocks on it. A message
that does not parse is dropped with a log line; a handler that fails answers 500; nothing a peer
sends stops the loop. No INVITE, no media (live view goes through the media server).
"""

import asyncio
import contextlib
import itertools
import logging
import secrets
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from cityops.core.errors import ValidationFailed
from cityops.video.catalog import Item, read_chunk, renumber
from cityops.video.sip import devices, digest, manscdp
from cityops.video.sip.message import (
    MAX_MESSAGE,
    Malformed,
    Message,
    address,
    auth_params,
    content_length,
    new_branch,
    new_tag,
    parse,
    response,
    uri_user,
)

log = logging.getLogger("cityops.video.sip")
ALLOW = "REGISTER, MESSAGE, OPTIONS, ACK"
MAX_PENDING_CATALOGS = 256
MAX_CATALOG_ITEMS = 50_000


@dataclass
class Config:
    sip_id: str
    domain: str
    host: str = "0.0.0.0"
    port: int = 5060
    default_expires_s: int = 3600
    max_expires_s: int = 86_400
    check_s: float = 10.0
    catalog_timeout_s: float = 30.0
    tcp_idle_s: float = 300.0
    max_connections: int = 2048

    @classmethod
    def from_settings(cls, **overrides) -> "Config":
        base = {
            "sip_id": settings.CITYOPS_VIDEO_SIP_ID,
            "domain": settings.CITYOPS_VIDEO_SIP_DOMAIN,
            "host": settings.CITYOPS_VIDEO_SIP_HOST,
            "port": settings.CITYOPS_VIDEO_SIP_PORT,
        }
        return cls(**{**base, **{k: v for k, v in overrides.items() if v is not None}})


@dataclass
class Link:
    """How to reach a peer again: over UDP to its address, or on its TCP connection."""

    transport: str
    addr: tuple[str, int]
    udp: asyncio.DatagramTransport | None = None
    writer: asyncio.StreamWriter | None = None

    def send(self, data: bytes) -> None:
        if self.writer is not None:
            if not self.writer.is_closing():
                self.writer.write(data)
        elif self.udp is not None and not self.udp.is_closing():
            self.udp.sendto(data, self.addr)


@dataclass
class Pending:
    """A catalog being assembled from its chunks."""

    sum_num: int
    started: float
    items: dict[str, Item] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)


def _db_call(fn, kwargs):
    close_old_connections()
    return fn(**kwargs)


def _local_ip(peer: str) -> str:
    """The address this host uses towards ``peer`` (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect((peer, 9))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, ap: "AccessPoint"):
        self.ap = ap

    def datagram_received(self, data, addr):
        link = Link("UDP", (addr[0], addr[1]), udp=self.ap.udp)
        self.ap.spawn(self.ap.handle(data, link))

    def error_received(self, exc):
        log.warning("UDP error: %s", exc)


class AccessPoint:
    def __init__(self, config: Config):
        self.config = config
        self.udp: asyncio.DatagramTransport | None = None
        self.tcp: asyncio.base_events.Server | None = None
        self.port = 0
        self.links: dict[str, Link] = {}
        self.catalogs: dict[tuple[str, str], Pending] = {}
        self.applied: list[tuple[str, object]] = []  # (device, CatalogResult), newest last
        self._sn = itertools.count(secrets.randbelow(100_000) + 1)
        self._cseq = itertools.count(1)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="cityops-sip-db")
        self._tasks: set[asyncio.Task] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._stop: asyncio.Event | None = None

    # ---- life ------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind UDP and TCP on one port (port 0: a free one, the same number for both)."""
        loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        for _attempt in range(20):
            self.udp, _ = await loop.create_datagram_endpoint(
                lambda: _Udp(self), local_addr=(self.config.host, self.config.port)
            )
            self.port = self.udp.get_extra_info("sockname")[1]
            try:
                self.tcp = await asyncio.start_server(
                    self._serve_tcp, self.config.host, self.port, limit=MAX_MESSAGE + 1024
                )
                break
            except OSError:
                self.udp.close()
                if self.config.port:
                    raise
        else:
            raise OSError("no port free for both UDP and TCP")
        self.spawn(self._housekeeping())
        c = self.config
        log.info(
            "GB/T 28181 access point %s (domain %s) on %s:%d UDP+TCP", c.sip_id, c.domain, c.host, self.port
        )

    async def serve(self) -> None:
        """Run until ``stop()``."""
        await self._stop.wait()
        await self.close()

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    async def close(self) -> None:
        if self.udp is not None:
            self.udp.close()
        if self.tcp is not None:
            self.tcp.close()
        for writer in list(self._writers):
            writer.close()
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.catalogs:
            log.warning("stopping with %d catalog(s) incomplete; they are not applied", len(self.catalogs))
        with contextlib.suppress(Exception):  # the database thread's connection, not left open
            await self.db(connections.close_all)
        self._pool.shutdown(wait=True)
        log.info("GB/T 28181 access point stopped")

    def spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def db(self, fn, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(_db_call, fn, kwargs))

    # ---- TCP ---------------------------------------------------------------------------------------

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")[:2]
        if len(self._writers) >= self.config.max_connections:
            log.warning("TCP connection from %s:%s refused: %d connections open", *peer, len(self._writers))
            writer.close()
            return
        self._writers.add(writer)
        link = Link("TCP", (peer[0], peer[1]), writer=writer)
        try:
            await self._read_frames(reader, link)
        except TimeoutError:
            log.info("TCP connection from %s:%s idle for %ss: closed", *peer, self.config.tcp_idle_s)
        except Malformed as exc:
            log.warning("TCP connection from %s:%s closed: %s", *peer, exc)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _read_frames(self, reader: asyncio.StreamReader, link: Link) -> None:
        buf = b""
        while True:
            data = await asyncio.wait_for(reader.read(65536), self.config.tcp_idle_s)
            if not data:
                return
            buf += data
            while True:
                buf = buf.lstrip(b"\r\n")  # CRLF keepalives between messages (RFC 5626)
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(buf) > MAX_MESSAGE:
                        raise Malformed(f"no end of headers in {len(buf)} bytes")
                    break
                total = end + 4 + content_length(buf[:end])
                if total > MAX_MESSAGE:
                    raise Malformed(f"a message of {total} bytes, more than {MAX_MESSAGE}")
                if len(buf) < total:
                    break
                frame, buf = buf[:total], buf[total:]
                await self.handle(frame, link)

    # ---- messages ----------------------------------------------------------------------------------

    async def handle(self, data: bytes, link: Link) -> None:
        """One message from a peer: answer it, or drop it with a log line."""
        try:
            msg = parse(data, stream=link.transport == "TCP")
        except Malformed as exc:
            log.warning("dropped %d bytes from %s:%s over %s: %s", len(data), *link.addr, link.transport, exc)
            return
        if not msg.is_request:
            if msg.status >= 300:
                log.warning(
                    "%s:%s answered our %s with %d %s", *link.addr, msg.get("CSeq"), msg.status, msg.reason
                )
            return
        try:
            reply = await self._dispatch(msg, link)
        except Malformed as exc:
            log.warning("%s from %s:%s refused: %s", msg.method, *link.addr, exc)
            reply = response(msg, 400, source=link.addr)
        except Exception:
            log.exception("%s from %s:%s failed", msg.method, *link.addr)
            reply = response(msg, 500, source=link.addr)
        if reply is not None:
            link.send(reply.to_bytes())

    async def _dispatch(self, msg: Message, link: Link) -> Message | None:
        if msg.method == "REGISTER":
            return await self._register(msg, link)
        if msg.method == "MESSAGE":
            return await self._message(msg, link)
        if msg.method == "OPTIONS":
            return response(msg, 200, source=link.addr, headers=[("Allow", ALLOW)])
        if msg.method == "ACK":
            return None
        return response(msg, 405, source=link.addr, headers=[("Allow", ALLOW)])

    def _expires(self, msg: Message) -> int:
        raw = msg.get("Expires") or address(msg.get("Contact", "<sip:x@x>"))[1].get("expires", "")
        if not raw:
            return self.config.default_expires_s
        if not raw.isdigit() or len(raw) > 9:
            raise Malformed(f"Expires {raw[:20]!r} is not a number of seconds")
        return min(int(raw), self.config.max_expires_s)

    async def _register(self, msg: Message, link: Link) -> Message:
        device_id = uri_user(address(msg.get("From"))[0])
        expires = self._expires(msg)
        creds = await self.db(devices.credentials, gb_id=device_id)
        if creds is None:
            return response(msg, 403, source=link.addr)
        realm = self.config.domain
        header = msg.get("Authorization")
        if not header:
            return response(
                msg, 401, source=link.addr, headers=[("WWW-Authenticate", digest.challenge(realm))]
            )
        scheme, values = auth_params(header)
        try:
            answer = digest.Answer.from_params(values)
        except ValueError as exc:
            raise Malformed(str(exc)) from None
        if scheme.lower() != "digest" or answer.realm != realm or answer.username != device_id:
            log.warning("REGISTER of %s from %s:%s: digest for another realm or user", device_id, *link.addr)
            return response(msg, 403, source=link.addr)
        state = digest.nonce_state(answer.nonce, realm)
        if state != "ok":
            stale = state == "stale"
            return response(
                msg,
                401,
                source=link.addr,
                headers=[("WWW-Authenticate", digest.challenge(realm, stale=stale))],
            )
        if not digest.check(answer, method="REGISTER", password=creds.password):
            log.warning("REGISTER of %s from %s:%s: wrong password", device_id, *link.addr)
            return response(msg, 403, source=link.addr)
        return await self._registered(msg, link, device_id, expires)

    async def _registered(self, msg: Message, link: Link, device_id: str, expires: int) -> Message:
        now = timezone.now()
        extra = [
            ("Expires", str(expires)),
            ("Date", timezone.localtime(now).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23]),
        ]
        if msg.get("Contact"):
            extra.insert(0, ("Contact", msg.get("Contact")))
        if expires == 0:
            await self.db(devices.device_unregistered, gb_id=device_id, now=now)
            self.links.pop(device_id, None)
            log.info("%s unregistered from %s:%s", device_id, *link.addr)
            return response(msg, 200, source=link.addr, headers=extra)
        was_online = await self.db(
            devices.device_registered,
            gb_id=device_id,
            host=link.addr[0],
            port=link.addr[1],
            transport=link.transport,
            expires_s=expires,
            now=now,
        )
        self.links[device_id] = link
        log.info("%s registered from %s:%s over %s for %ss", device_id, *link.addr, link.transport, expires)
        if not was_online:
            self.spawn(self.query_catalog(device_id))
        return response(msg, 200, source=link.addr, headers=extra)

    async def _message(self, msg: Message, link: Link) -> Message:
        if not msg.get("Content-Type").lower().startswith("application/manscdp+xml"):
            return response(msg, 415, source=link.addr)
        if len(msg.body) > manscdp.MAX_BODY:
            return response(msg, 413, source=link.addr)
        device_id = uri_user(address(msg.get("From"))[0])
        try:
            cmd = manscdp.read(msg.body)
        except ValidationFailed as exc:
            log.warning("MESSAGE from %s (%s:%s) dropped: %s", device_id, *link.addr, exc.detail)
            return response(msg, 400, source=link.addr)
        now = timezone.now()
        if cmd.cmd == "Keepalive":
            if not await self.db(devices.device_alive, gb_id=device_id, host=link.addr[0], now=now):
                log.warning("keepalive of %s from %s:%s: not registered from there", device_id, *link.addr)
                return response(msg, 403, source=link.addr)
            if cmd.text("Status").upper() not in ("OK", ""):
                log.warning("keepalive of %s reports status %s", device_id, cmd.text("Status")[:20])
            self.links[device_id] = link
            return response(msg, 200, source=link.addr)
        if await self.db(devices.device_registered_at, gb_id=device_id, host=link.addr[0], now=now) is None:
            log.warning(
                "MESSAGE %s of %s from %s:%s: not registered from there", cmd.cmd, device_id, *link.addr
            )
            return response(msg, 403, source=link.addr)
        if cmd.cmd == "Catalog" and cmd.kind in ("Response", "Notify"):
            try:
                self._catalog_chunk(device_id, cmd)
            except ValidationFailed as exc:
                log.warning("catalog chunk of %s dropped: %s", device_id, exc.detail)
                return response(msg, 400, source=link.addr)
        return response(msg, 200, source=link.addr)

    # ---- catalogs ----------------------------------------------------------------------------------

    async def query_catalog(self, device_id: str) -> None:
        """Ask a device for its catalog (the answer arrives as MESSAGEs of its own)."""
        link = self.links.get(device_id)
        if link is None:
            return
        sn = next(self._sn)
        host = link.writer.get_extra_info("sockname")[0] if link.writer else _local_ip(link.addr[0])
        req = Message(method="MESSAGE", uri=f"sip:{device_id}@{link.addr[0]}:{link.addr[1]}")
        req.headers = [
            ("Via", f"SIP/2.0/{link.transport} {host}:{self.port};rport;branch={new_branch()}"),
            ("From", f"<sip:{self.config.sip_id}@{self.config.domain}>;tag={new_tag()}"),
            ("To", f"<sip:{device_id}@{self.config.domain}>"),
            ("Call-ID", f"{secrets.token_hex(12)}@{host}"),
            ("CSeq", f"{next(self._cseq)} MESSAGE"),
            ("Max-Forwards", "70"),
            ("User-Agent", "cityops"),
            ("Content-Type", manscdp.CONTENT_TYPE),
        ]
        req.body = manscdp.catalog_query(sn=sn, device_id=device_id)
        link.send(req.to_bytes())
        log.info("catalog query SN %d sent to %s", sn, device_id)

    def _catalog_chunk(self, device_id: str, cmd: manscdp.Command) -> None:
        key = (device_id, cmd.sn)
        pending = self.catalogs.get(key)
        first = len(pending.items) + 1 if pending else 1
        chunk = read_chunk(cmd.root, first_index=first, what=f"catalog chunk of {device_id}")
        if pending is None:
            if len(self.catalogs) >= MAX_PENDING_CATALOGS:
                oldest = min(self.catalogs, key=lambda k: self.catalogs[k].started)
                log.warning("dropping the incomplete catalog of %s: too many under way", oldest[0])
                del self.catalogs[oldest]
            pending = self.catalogs[key] = Pending(chunk.sum_num, time.monotonic())
        for n, item in enumerate(chunk.items):
            if len(pending.items) < MAX_CATALOG_ITEMS:
                pending.items.setdefault(
                    item.device_id or f"#{first + n}", item
                )  # a retransmission counts once
        pending.problems += chunk.problems
        if len(pending.items) >= pending.sum_num:
            del self.catalogs[key]
            self.spawn(self._apply(device_id, pending))

    async def _apply(self, device_id: str, pending: Pending) -> None:
        items = renumber(list(pending.items.values()))
        try:
            result = await self.db(
                devices.catalog_received,
                gb_id=device_id,
                items=items,
                problems=pending.problems,
                now=timezone.now(),
            )
        except Exception:
            log.exception("the catalog of %s could not be applied", device_id)
            return
        log.info(
            "catalog of %s (%d of %d items): %s", device_id, len(items), pending.sum_num, result.counts()
        )
        for p in result.problems[:50]:
            log.warning("catalog of %s: %s", device_id, p["message"])
        self.applied.append((device_id, result))
        del self.applied[:-100]

    # ---- housekeeping ------------------------------------------------------------------------------

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(self.config.check_s)
            with contextlib.suppress(Exception):
                await self.tick()

    async def tick(self) -> None:
        """Devices whose registration or keepalives lapsed go offline; late catalogs are applied."""
        try:
            gone = await self.db(devices.devices_expire, now=timezone.now())
        except Exception:
            log.exception("the expiry check failed")
            gone = []
        for gb_id in gone:
            self.links.pop(gb_id, None)
            log.info("%s is offline: registration expired or keepalives stopped", gb_id)
        limit = time.monotonic() - self.config.catalog_timeout_s
        for key, pending in list(self.catalogs.items()):
            if pending.started <= limit:
                del self.catalogs[key]
                log.warning(
                    "catalog SN %s of %s timed out with %d of %d items; applying those",
                    key[1],
                    key[0],
                    len(pending.items),
                    pending.sum_num,
                )
                self.spawn(self._apply(key[0], pending))
