"""A project broker, a database and ingest workers in subprocesses, for the tests against Mosquitto.

The worker is a separate process (it is killed with SIGKILL), so it cannot share pytest's test
database; it gets its own, migrated and seeded once per module: a SQLite file, or on PostgreSQL a
database named after the test run's with ``_mqtt`` appended.
"""

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MOSQUITTO = shutil.which("mosquitto") or (
    "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
)
WORKER_PASSWORD = "worker-test-password"


def require_mosquitto() -> str:
    if MOSQUITTO is None:
        reason = "Mosquitto is not installed (apt-get install -y mosquitto mosquitto-clients)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"MQTT test environment incomplete under CI: {reason}")
        pytest.skip(reason)
    return MOSQUITTO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class Env:
    """The worker's database, the broker's files and port, and the devices' secrets."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.port = free_port()
        base = os.environ.get("DATABASE_URL", "")
        if base.startswith("postgres"):
            self.db_url = base.rsplit("/", 1)[0] + "/" + base.rsplit("/", 1)[1].split("?")[0] + "_mqtt"
            self._recreate_pg()
        else:
            self.db_url = f"sqlite:///{tmp / 'worker.sqlite3'}"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "CITYOPS_VAR_DIR": str(tmp / "var"),
            "CITYOPS_IOT_MQTT_PORT": str(self.port),
            "CITYOPS_IOT_MQTT_PASSWORD": WORKER_PASSWORD,
            "CITYOPS_IOT_BATCH_MS": "50",
            "CITYOPS_STA_MQTT": "true",
            "CITYOPS_PUBLIC_URL": "http://cityops.test",
            "CITYOPS_LOG_LEVEL": "INFO",
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "cityops.settings",
        }
        self.run("-m", "cityops.cli", "migrate", "-v0")
        seeded = self.run("-m", "tests.iot.ingest.mqtt_seed", str(tmp / "broker"), str(self.port))
        self.secrets = json.loads(seeded.stdout.strip().splitlines()[-1])
        self.broker = None

    def _recreate_pg(self) -> None:
        import psycopg

        name = self.db_url.rsplit("/", 1)[1]
        with psycopg.connect(self.db_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, check=True, capture_output=True, text=True
        )

    def start_broker(self) -> None:
        conf = self.tmp / "broker" / "mosquitto.conf"
        self.broker = subprocess.Popen([require_mosquitto(), "-c", str(conf)], stderr=subprocess.PIPE)
        wait_port(self.port)

    def stop_broker(self) -> None:
        if self.broker is not None:
            self.broker.terminate()
            self.broker.wait(timeout=10)

    def worker(self, client_id: str = "cityops-ingest-test", *extra: str) -> subprocess.Popen:
        log = self.tmp / f"{client_id}.log"
        if log.exists():
            log.rename(log.with_suffix(f".{time.monotonic_ns()}.log"))
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cityops.cli",
                "iot-ingest",
                "--client-id",
                client_id,
                "--status-seconds",
                "0",
                *extra,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.tmp / f"{client_id}.log", "a"),  # noqa: SIM115 - closed with the process
        )

    def worker_ready(self, client_id: str, timeout: float = 60) -> None:
        """Wait until the worker has subscribed (before that, a new session would miss messages)."""
        log = self.tmp / f"{client_id}.log"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if log.exists() and "subscribed to" in log.read_text():
                return
            time.sleep(0.05)
        raise RuntimeError(f"worker {client_id} did not subscribe: {log.read_text() if log.exists() else ''}")

    def query(self, sql: str) -> list[tuple]:
        if self.db_url.startswith("sqlite"):
            with sqlite3.connect(self.db_url.removeprefix("sqlite:///"), timeout=20) as conn:
                return conn.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.db_url, autocommit=True) as conn:
            return conn.execute(sql).fetchall()

    def close(self) -> None:
        self.stop_broker()


def stop(proc: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 20) -> int:
    proc.send_signal(sig)
    return proc.wait(timeout=timeout)
