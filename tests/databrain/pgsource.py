"""PostgreSQL as a pull source in tests: a scratch database of its own on the test server, created
with a table of people and dropped afterwards; and a stand-in server that refuses a password (the
test server trusts local connections, so a real one cannot be made to refuse one).

The server is the one of DATABASE_URL when the tests run on PostgreSQL, else CITYOPS_TEST_PG_URL,
else postgres://postgres@127.0.0.1:5432/cityops (as scripts/test.sh). The scratch database is named
after that URL's database, ``<name>_src_<pid>``, so two lanes side by side never share one. Without a
reachable server the tests that need it are skipped, saying why; under CI=true they fail instead."""

import contextlib
import os
import socket
import struct
import threading
import urllib.parse

import pytest

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cityops"


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else os.environ.get("CITYOPS_TEST_PG_URL", DEFAULT_URL)


def with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}", query=""))


def scratch_name(url: str) -> str:
    base = urllib.parse.urlsplit(url).path.lstrip("/") or "cityops"
    return f"{base}_src_{os.getpid()}"


def admin_connection(url: str):
    import psycopg

    try:
        return psycopg.connect(with_database(url, "postgres"), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL is not reachable at {with_database(url, 'postgres')}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


class PasswordRefuser:
    """Speaks just enough of the PostgreSQL wire protocol to ask for a password and refuse it as a
    server does (SQLSTATE 28P01), then hangs up."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.passwords: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            with conn, contextlib.suppress(OSError):
                self._session(conn)

    @staticmethod
    def _read(conn, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise OSError("closed")
            data += chunk
        return data

    def _session(self, conn):
        while True:  # SSL and GSS encryption requests are declined; then the startup message
            (length,) = struct.unpack("!i", self._read(conn, 4))
            body = self._read(conn, length - 4)
            if struct.unpack("!i", body[:4])[0] in (80877103, 80877104):
                conn.sendall(b"N")
                continue
            break
        conn.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
        kind = self._read(conn, 1)
        (length,) = struct.unpack("!i", self._read(conn, 4))
        password = self._read(conn, length - 4)
        if kind == b"p":
            self.passwords.append(password.rstrip(b"\0"))
        fields = b"".join(
            code + text.encode() + b"\0"
            for code, text in (
                (b"S", "FATAL"),
                (b"V", "FATAL"),
                (b"C", "28P01"),
                (b"M", 'password authentication failed for user "reader"'),
            )
        )
        conn.sendall(b"E" + struct.pack("!i", len(fields) + 5) + fields + b"\0")

    def close(self):
        self.sock.close()
