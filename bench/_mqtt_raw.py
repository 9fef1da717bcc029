"""A lean MQTT 3.1.1 publisher for the load generator of bench/iot_ingest.py.

paho spends tens of microseconds of Python on each message it publishes, so a load generator built
on it takes a core of the two this machine has away from the broker, the database and the workers
being measured. This one writes the same packets (CONNECT with a user and password, PUBLISH at QoS 1
with a packet id, one device per connection) into a buffer sent in large writes, and counts each
PUBACK, so "acknowledged" means what it means for any MQTT client: the broker took the message.
It speaks only what the benchmark needs: QoS 1 publishing, no keep-alive (0), no reconnection.
"""

import select
import socket
import struct

CONNECT, CONNACK, PUBLISH_QOS1, PUBACK = 0x10, 0x20, 0x32, 0x40


def _length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _utf8(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("!H", len(raw)) + raw


class Publisher:
    """One device's connection; ``publish`` queues, ``flush`` writes, ``read_acks`` counts PUBACKs."""

    def __init__(self, port: int, client_id: str, user: str, password: str, window: int = 200):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        variable = _utf8("MQTT") + bytes([4, 0xC2]) + struct.pack("!H", 0)  # user, password, clean
        payload = _utf8(client_id) + _utf8(user) + _utf8(password)
        self.sock.sendall(bytes([CONNECT]) + _length(len(variable) + len(payload)) + variable + payload)
        ack = self._exactly(4)
        if ack[0] != CONNACK or ack[3] != 0:
            raise ConnectionError(f"{client_id}: the broker refused the connection (CONNACK {ack[3]})")
        self.sock.setblocking(False)
        self.window = window
        self.next_id = 1
        self.in_flight = 0
        self.sent = self.acked = 0
        self._out = bytearray()
        self._in = bytearray()

    def _exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("the broker closed the connection")
            data += chunk
        return data

    @property
    def full(self) -> bool:
        return self.in_flight >= self.window

    def publish(self, topic: bytes, payload: bytes) -> None:
        body = _utf8(topic) + struct.pack("!H", self.next_id) + payload
        self._out += bytes([PUBLISH_QOS1]) + _length(len(body)) + body
        self.next_id = self.next_id % 65535 + 1
        self.in_flight += 1
        self.sent += 1

    def flush(self) -> None:
        while self._out:
            try:
                n = self.sock.send(self._out)
            except BlockingIOError:
                select.select([], [self.sock], [], 1.0)
                continue
            del self._out[:n]

    def read_acks(self) -> None:
        """Count the PUBACKs that have arrived (without waiting)."""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except BlockingIOError:
                break
            if not chunk:
                raise ConnectionError("the broker closed the connection")
            self._in += chunk
        whole = len(self._in) // 4 * 4
        for i in range(0, whole, 4):
            if self._in[i] != PUBACK:
                raise ConnectionError(f"unexpected packet type {self._in[i] >> 4} from the broker")
        self.acked += whole // 4
        self.in_flight -= whole // 4
        del self._in[:whole]

    def close(self) -> None:
        try:
            self.flush()
            self.sock.setblocking(True)
            self.sock.sendall(b"\xe0\x00")  # DISCONNECT
        finally:
            self.sock.close()


def wait_all(publishers: list[Publisher], timeout: float) -> None:
    """Flush every connection and wait until each has its PUBACKs, or ``timeout`` seconds pass."""
    import time

    end = time.time() + timeout
    for p in publishers:
        p.flush()
    pending = [p for p in publishers if p.in_flight]
    while pending and time.time() < end:
        select.select([p.sock for p in pending], [], [], 0.5)
        for p in pending:
            p.read_acks()
        pending = [p for p in pending if p.in_flight]
