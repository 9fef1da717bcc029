"""A simulated GB/T 28181 device (an NVR) and a running access point, for the SIP tests.

The device speaks SIP over loopback UDP or TCP with plain sockets and computes its digest answer
with hashlib on its own, so the server's digest code is checked against an independent one."""

import asyncio
import hashlib
import re
import secrets
import socket
import threading

from cityops.video.sip.message import Message, content_length, parse
from cityops.video.sip.server import AccessPoint, Config

PLATFORM_ID = "44190000002000000001"
DOMAIN = "4419000000"


class RunningAccessPoint:
    """The access point on its own loop in a thread, on a free loopback port."""

    def __init__(self, **config):
        self.ap = AccessPoint(Config(sip_id=PLATFORM_ID, domain=DOMAIN, host="127.0.0.1", port=0, **config))
        self.loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.ap.start())
        self._started.set()
        self.loop.run_until_complete(self.ap.serve())
        self.loop.close()

    def __enter__(self):
        self.thread.start()
        assert self._started.wait(10), "the access point did not start"
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.ap.stop)
        self.thread.join(10)
        assert not self.thread.is_alive(), "the access point did not stop"

    @property
    def port(self) -> int:
        return self.ap.port

    def call(self, coro_fn, *args):
        """Run one of the access point's coroutines on its loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro_fn(*args), self.loop).result(10)


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class SimDevice:
    """An NVR that registers, keeps alive and answers a catalog query, over UDP or TCP."""

    def __init__(self, gb_id: str, port: int, *, transport: str = "UDP", password: str = ""):
        self.gb_id, self.password, self.transport = gb_id, password, transport
        self.server = ("127.0.0.1", port)
        self.cseq = 0
        self.call_id = secrets.token_hex(8)
        self.tag = secrets.token_hex(4)
        self.buf = b""
        self.inbox: list[Message] = []  # requests from the platform not yet handled
        if transport == "UDP":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind(("127.0.0.1", 0))
        else:
            self.sock = socket.create_connection(self.server, timeout=5)
        self.sock.settimeout(5)
        self.local = self.sock.getsockname()

    def close(self):
        self.sock.close()

    # ---- wire ------------------------------------------------------------------------------------

    def send_raw(self, data: bytes) -> None:
        if self.transport == "UDP":
            self.sock.sendto(data, self.server)
        else:
            self.sock.sendall(data)

    def recv(self) -> Message:
        if self.transport == "UDP":
            data, _ = self.sock.recvfrom(70000)
            return parse(data)
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                total = end + 4 + content_length(self.buf[:end])
                if len(self.buf) >= total:
                    frame, self.buf = self.buf[:total], self.buf[total:]
                    return parse(frame, stream=True)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the access point closed the connection")
            self.buf += chunk

    def response(self) -> Message:
        """The next response (requests from the platform on the way are kept for later)."""
        while True:
            msg = self.recv()
            if not msg.is_request:
                return msg
            self.inbox.append(msg)

    def request_bytes(self, method: str, *, body: bytes = b"", headers=(), content_type="") -> bytes:
        self.cseq += 1
        lines = [
            f"{method} sip:{PLATFORM_ID}@{DOMAIN} SIP/2.0",
            f"Via: SIP/2.0/{self.transport} {self.local[0]}:{self.local[1]};rport;branch=z9hG4bK{secrets.token_hex(6)}",
            f"From: <sip:{self.gb_id}@{DOMAIN}>;tag={self.tag}",
            f"To: <sip:{self.gb_id if method == 'REGISTER' else PLATFORM_ID}@{DOMAIN}>",
            f"Call-ID: {self.call_id}",
            f"CSeq: {self.cseq} {method}",
            "Max-Forwards: 70",
            *headers,
        ]
        if content_type:
            lines.append(f"Content-Type: {content_type}")
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def request(self, method: str, **kw) -> Message:
        self.send_raw(self.request_bytes(method, **kw))
        return self.response()

    # ---- GB/T 28181 --------------------------------------------------------------------------------

    def register(self, *, expires: int = 3600, password: str | None = None) -> tuple[Message, Message]:
        """REGISTER, then again with the digest answer to the 401: (the 401, the final answer)."""
        contact = f"Contact: <sip:{self.gb_id}@{self.local[0]}:{self.local[1]}>"
        first = self.request("REGISTER", headers=[contact, f"Expires: {expires}"])
        if first.status != 401:
            return first, first
        challenge = dict(re.findall(r'(\w+)="?([^",]+)"?', first.get("WWW-Authenticate")))
        uri, cnonce, nc = f"sip:{PLATFORM_ID}@{DOMAIN}", secrets.token_hex(4), "00000001"
        ha1 = md5(f"{self.gb_id}:{challenge['realm']}:{self.password if password is None else password}")
        ha2 = md5(f"REGISTER:{uri}")
        answer = md5(f"{ha1}:{challenge['nonce']}:{nc}:{cnonce}:auth:{ha2}")
        auth = (
            f'Authorization: Digest username="{self.gb_id}", realm="{challenge["realm"]}", '
            f'nonce="{challenge["nonce"]}", uri="{uri}", response="{answer}", algorithm=MD5, '
            f'cnonce="{cnonce}", qop=auth, nc={nc}'
        )
        return first, self.request("REGISTER", headers=[contact, f"Expires: {expires}", auth])

    def manscdp(self, xml: str, *, encoding: str = "GB2312") -> Message:
        body = f'<?xml version="1.0" encoding="{encoding}"?>\r\n{xml}'.encode("gb18030")
        return self.request("MESSAGE", body=body, content_type="Application/MANSCDP+xml")

    def keepalive(self) -> Message:
        return self.manscdp(
            f"<Notify><CmdType>Keepalive</CmdType><SN>{self.cseq + 1}</SN>"
            f"<DeviceID>{self.gb_id}</DeviceID><Status>OK</Status></Notify>"
        )

    def wait_request(self) -> Message:
        """The next request the platform sends (answered 200, as a device does)."""
        msg = self.inbox.pop(0) if self.inbox else self.recv()
        while not msg.is_request:
            msg = self.recv()
        self.answer(msg, 200)
        return msg

    def answer(self, req: Message, status: int) -> None:
        head = [f"SIP/2.0 {status} OK"]
        head += [f"{n}: {v}" for n, v in req.headers if n in ("Via", "From", "To", "Call-ID", "CSeq")]
        self.send_raw(("\r\n".join([*head, "Content-Length: 0"]) + "\r\n\r\n").encode())

    def catalog_chunk(self, sn: str, sum_num: int, items: list[str]) -> Message:
        return self.manscdp(
            f"<Response><CmdType>Catalog</CmdType><SN>{sn}</SN><DeviceID>{self.gb_id}</DeviceID>"
            f'<SumNum>{sum_num}</SumNum><DeviceList Num="{len(items)}">{"".join(items)}</DeviceList></Response>'
        )


def item(device_id: str, name: str, *, parent: str = "", lon=None, lat=None, status="ON", **extra) -> str:
    fields = {"DeviceID": device_id, "Name": name, "Status": status, **extra}
    if parent:
        fields["ParentID"] = parent
    if lon is not None:
        fields.update(Longitude=str(lon), Latitude=str(lat))
    return "<Item>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</Item>"
