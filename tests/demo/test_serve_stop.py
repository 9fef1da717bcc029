"""Stopping `make serve` (the serving part of `make demo`) with Ctrl-C or TERM leaves nothing behind.

The test starts `make serve` as a terminal would (its own process group, SIGINT not ignored) on a
small migrated SQLite database in a temporary CITYOPS_VAR_DIR, waits until the web server answers
and the worker and the IoT side are up, signals the process group, and then finds no process of
the demo alive after 10 s and its ports free. Every process the demo starts inherits a marker in
its environment, so one started late, or moved out of the group, is found as well.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CITYOPS = ROOT / ".venv" / "bin" / "cityops"
MQTT_PORT = int(os.environ.get("CITYOPS_DEMO_MQTT_PORT", "18783"))
RTSP_PORT = int(os.environ.get("CITYOPS_DEMO_RTSP_PORT", "18784"))
SIP_PORT = int(os.environ.get("CITYOPS_DEMO_SIP_PORT", "18785"))
MARK = "CITYOPS_DEMO_STOP_MARK"

pytestmark = [
    pytest.mark.skipif(
        not (Path("/proc/self/environ").exists() and shutil.which("make") and CITYOPS.exists()),
        reason="needs Linux /proc, make and the project's .venv (make install)",
    ),
    # the demo runs on its own SQLite file whatever the suite's database: the SQLite run of the
    # suite runs this once (twice would only repeat it, on the same fixed ports, at the same time)
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the demo's own SQLite, tested by the SQLite run of the suite",
    ),
]


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A free port: in CITYOPS_TEST_PORT_RANGE (e.g. 18700-18799) when set, else any."""
    lo, _, hi = os.environ.get("CITYOPS_TEST_PORT_RANGE", "").partition("-")
    if lo and hi:
        for port in range(int(lo), int(hi) + 1):
            if port not in (MQTT_PORT, RTSP_PORT, SIP_PORT) and port_free(port):
                return port
        pytest.fail(f"no free port in CITYOPS_TEST_PORT_RANGE={lo}-{hi}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def marked(mark: str) -> dict[int, str]:
    """The live processes carrying ``mark`` in their environment: pid → command line."""
    needle = f"{MARK}={mark}\0".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes():
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone meanwhile, or not ours
            continue
        if state != "Z":  # a zombie has ended; only its parent has yet to read its status
            found[int(entry.name)] = cmd
    return found


def env_for(var: Path, mark: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "HOST", "MAKEFLAGS", "MFLAGS")}
    return env | {
        "CITYOPS_VAR_DIR": str(var),
        "DATABASE_URL": "",  # the demo's SQLite, in the temporary directory
        "CITYOPS_DEMO_MQTT_PORT": str(MQTT_PORT),
        "CITYOPS_DEMO_RTSP_PORT": str(RTSP_PORT),
        "CITYOPS_DEMO_SIP_PORT": str(SIP_PORT),
        MARK: mark,
    }


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A migrated, empty database (no demo town: seeding it takes minutes and is not needed here)."""
    var = tmp_path_factory.mktemp("demo-var")
    subprocess.run(
        [sys.executable, "-m", "cityops.cli", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env_for(var, "migrate"),
        check=True,
        timeout=600,
    )
    return var


def wait_until(check, seconds: float, what, log: Path) -> None:
    """Poll ``check`` for up to ``seconds``; else fail with ``what()`` and the end of the demo's output."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"{what()} within {seconds:.0f} s; the demo said:\n{log.read_text()[-4000:]}")


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
            return resp.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "term"])
def test_stopping_the_demo_leaves_no_process_and_frees_its_ports(migrated, tmp_path, signum):
    var = tmp_path / "var"
    shutil.copytree(migrated, var)
    port, mark = free_port(), uuid.uuid4().hex
    assert port_free(MQTT_PORT), f"port {MQTT_PORT} is taken before the demo starts"
    assert port_free(RTSP_PORT), f"port {RTSP_PORT} is taken before the demo starts"
    assert port_free(SIP_PORT), f"port {SIP_PORT} is taken before the demo starts"
    log = tmp_path / "demo.log"
    broker = shutil.which("mosquitto") is not None
    with log.open("wb") as out:
        make = subprocess.Popen(
            ["make", "-s", "--no-print-directory", "serve", "HOST=127.0.0.1", f"PORT={port}"],
            cwd=ROOT,
            env=env_for(var, mark),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own, as a terminal gives `make demo`
            # As typed in a terminal: Ctrl-C reaches make with its default action, not ignored.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    try:
        wait_until(lambda: answers(port), 90, lambda: "the web server did not answer", log)
        wanted = ["cityops worker", "cityops serve", "cityops simulate-video", "cityops video-sip"] + (
            ["cityops iot-ingest", "mosquitto"] if broker else []
        )
        wait_until(
            lambda: all(any(w in cmd for cmd in marked(mark).values()) for w in wanted),
            30,
            lambda: f"not all of {wanted} were running",
            log,
        )
        before = marked(mark)
        os.killpg(make.pid, signum)
        wait_until(lambda: not marked(mark), 10, lambda: f"still alive: {marked(mark)}; not ended", log)
        assert make.wait(timeout=5) != 0  # make reports the interruption
        assert port_free(port) and port_free(MQTT_PORT) and port_free(RTSP_PORT) and port_free(SIP_PORT)
        assert len(before) >= len(wanted)
        assert "Stopping the demo's processes" in log.read_text()
    finally:
        for pid in marked(mark):  # whatever a failing run left behind
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if make.poll() is None:
            make.kill()
            make.wait()
