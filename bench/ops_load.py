"""50 big screens on the live feed beside a village dispatcher's queue page: the page's p50/p95
without screens and with them, side by side in one run, while new cases arrive.

The server is `cityops serve` as the demo runs it (its default workers and threads unless
--workers/--threads are given) on the database of the environment: the SQLite file in
$CITYOPS_VAR_DIR, or $DATABASE_URL. Work on a copy of a seeded demo, never on the original:

    cp /path/to/seeded/cityops.sqlite3 var/ && CITYOPS_VAR_DIR=var .venv/bin/python bench/ops_load.py

--rounds of two phases of --seconds each, in turn (so that the machine's other work weighs on
both alike): no screens, then 50 screens (each a raw socket holding GET /ops/events and reading
every event; with --refresh each also reloads its figures and map 5 s after news, as the page
does). In every phase one keep-alive client signed in as the
village dispatcher asks in turn for the queue page (`/cases/?tab=disposing`), the same page
filtered to overdue cases (`&colour=red`) and the floor, a trivial authenticated request
(`GET /api/v1/accounts/me`); this process opens a case through the intake every --every seconds.
Goal (issue 15): the queue page's p95 with 50 screens no more than 20 % above the p95 without.
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import _server  # noqa: E402
from bench.ops_screen import PASSWORD  # noqa: E402
from bench.queries import session_login  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PATHS = {
    "queue": "/cases/?tab=disposing",
    "queue_filtered": "/cases/?tab=disposing&colour=red",
}
FLOOR = "/api/v1/accounts/me"


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def serve(args) -> tuple[subprocess.Popen, int]:
    port = _server.free_port()
    cmd = [sys.executable, "-m", "cityops.cli", "serve", "--port", str(port)]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CITYOPS_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("cityops serve did not start")


def server_threads(pid: int) -> str:
    """The server's processes and their threads, as the kernel counts them."""
    out = subprocess.run(["ps", "-o", "pid=,nlwp=", "--ppid", str(pid)], capture_output=True, text=True)
    workers = [line.split() for line in out.stdout.splitlines() if line.strip()]
    return f"{len(workers)} workers, threads per worker {[int(w[1]) for w in workers]}"


class Screen(threading.Thread):
    """One big screen: GET /ops/events on a raw socket (HTTP/1.0, so the body is the plain event
    stream), reading every frame; when the server ends the stream it reconnects with the last id."""

    def __init__(self, port: int, cookie: str, stop: threading.Event, refresh: bool = False):
        super().__init__(daemon=True)
        self.port, self.cookie, self.stop = port, cookie, stop
        self.refresh_at = None if refresh else False  # False: never; None: none due; else when
        self.refreshes = 0
        self.streaming = threading.Event()
        self.messages = 0
        self.ids: set[int] = set()
        self.last = ""
        self.connections = 0
        self.refused = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.listen()
            except OSError:
                self.refused += 1
                time.sleep(1)

    def listen(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            last = f"Last-Event-ID: {self.last}\r\n" if self.last else ""
            sock.sendall(
                f"GET /ops/events HTTP/1.0\r\nHost: 127.0.0.1\r\nCookie: {self.cookie}\r\n"
                f"Accept: text/event-stream\r\n{last}\r\n".encode()
            )
            self.connections += 1
            buf = b""
            head = True
            while not self.stop.is_set():
                self.reload_figures()
                try:
                    data = sock.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    return  # the server ended the stream (bye): reconnect with the last id
                buf += data
                if head:
                    if b"\r\n\r\n" not in buf:
                        continue
                    status, _, buf = buf.partition(b"\r\n\r\n")
                    if not status.startswith(b"HTTP/1.1 200") and not status.startswith(b"HTTP/1.0 200"):
                        self.refused += 1
                        time.sleep(1)
                        return
                    head = False
                    self.streaming.set()
                *frames, buf = buf.split(b"\n\n")
                for frame in frames:
                    self.frame(frame.decode())

    def frame(self, text: str) -> None:
        fields = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
        if "id" in fields:
            self.last = fields["id"]
        if "data" in fields and "event" not in fields:
            self.messages += 1
            self.ids.add(json.loads(fields["data"])["id"])
            if self.refresh_at is None:
                self.refresh_at = time.monotonic() + 5

    def reload_figures(self) -> None:
        """What the page does 5 s after news (with --refresh): its unit's figures and map again."""
        if not self.refresh_at or time.monotonic() < self.refresh_at:
            return
        self.refresh_at = None
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        for path in ("/ops/screen/figures.json?unit=town", "/ops/screen/map.json?unit=town"):
            conn.request("GET", path, headers={"Cookie": self.cookie})
            conn.getresponse().read()
        conn.close()
        self.refreshes += 1


def measure(port: int, page: dict, floor: dict, seconds: float, samples: dict) -> None:
    """Sequential requests on one keep-alive connection: the two queue pages and the floor in turn,
    each (seconds, status) added to ``samples``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    plan = [(name, path, page) for name, path in PATHS.items()] + [("floor", FLOOR, floor)]
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for name, path, headers in plan:
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except OSError:
                status = 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            samples.setdefault(name, []).append((time.perf_counter() - t0, status))
    conn.close()


def open_case(rng):
    """A patrol case of a random event item at a random spot near a random grid's centre, by the
    duty officer (at fixed spots a rerun's cases would join the open ones as duplicates)."""
    from cityops.accounts.models import User
    from cityops.cases.intake import IntakeIn, Reporter, case_intake
    from cityops.cases.models import PatrolItem
    from cityops.geo.models import Grid

    lon, lat = rng.choice(list(Grid.objects.values_list("centroid_lon", "centroid_lat")))
    item = rng.choice(
        list(PatrolItem.objects.filter(kind="event", active=True).values_list("code", flat=True))
    )
    user = User.objects.get(username="duty")
    data = IntakeIn(channel="patrol", item_code=item, lon=lon + rng.uniform(-2e-3, 2e-3),
                    lat=lat + rng.uniform(-2e-3, 2e-3), reporter=Reporter(user=user),
                    description="bench: a new case", on_the_spot=False)  # fmt: skip
    result = case_intake(data, by=user)
    return None if result.duplicate else result.case


class Trickle(threading.Thread):
    """New cases through the intake, one every ``every`` seconds, as the demo's trickle does."""

    def __init__(self, every: float, stop: threading.Event):
        super().__init__(daemon=True)
        self.every, self.stop = every, stop
        self.numbers: list[tuple[float, int]] = []  # (when, screen event id)
        self.failed = self.duplicates = 0

    def run(self) -> None:
        import random

        from django.db import connection

        from cityops.core import events

        rng = random.Random()
        while not self.stop.wait(self.every):
            try:
                case = open_case(rng)
            except Exception:  # a locked database under load: counted, the run goes on
                self.failed += 1
                continue
            if case is None:
                self.duplicates += 1
            else:
                self.numbers.append((time.monotonic(), events.last_id()))
        connection.close()


def row(name: str, samples: dict, loads: list[str]) -> str:
    def cell(k):
        f = _server.summary(samples[k], 1)
        return f"p50 {f['p50_ms']:>7} ms  p95 {f['p95_ms']:>7} ms  ({f['requests']}, {f['errors']} err)"

    return (
        f"{name:<15} queue: {cell('queue')}\n{'':<15} filtered: {cell('queue_filtered')}\n"
        f"{'':<15} floor: {cell('floor')}   load averages at the start of each phase: {'; '.join(loads)}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--screens", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    ap.add_argument("--rounds", type=int, default=3, help="phases without and with screens, in turn")
    ap.add_argument("--every", type=float, default=1.0, help="seconds between new cases")
    ap.add_argument("--workers", type=int, help="cityops serve --workers (default: its own)")
    ap.add_argument("--threads", type=int, help="cityops serve --threads (default: its own)")
    ap.add_argument(
        "--refresh",
        action="store_true",
        help="the screens also reload their figures and map 5 s after news, as the page does",
    )
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    import django

    django.setup()
    from django.db import connection

    from cityops.accounts.models import User
    from cityops.accounts.services import token_create

    _, token = token_create(user=User.objects.get(username="dispatcher_village"), name="bench", days=1)
    connection.close()
    print(f"database: {connection.settings_dict['NAME']} ({connection.vendor}); load {loadavg()}")
    proc, port = serve(args)
    stop = threading.Event()
    trickle = Trickle(args.every, stop)
    try:
        print(f"cityops serve on port {port}: {server_threads(proc.pid)}")
        login = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        page = session_login(login, "dispatcher_village", PASSWORD)
        screen_cookie = session_login(login, "duty", PASSWORD)["Cookie"]
        login.close()
        floor = {"Authorization": f"Bearer {token}"}
        measure(port, page, floor, 3, {})  # warm-up: every worker's caches and templates
        trickle.start()
        without, with_, loads = {}, {}, {"without": [], "with": []}
        sent, got, streaming, screens = set(), [], [], []
        for round_ in range(args.rounds):
            loads["without"].append(loadavg())
            measure(port, page, floor, args.seconds, without)
            screens_stop = threading.Event()
            screens = [Screen(port, screen_cookie, screens_stop, args.refresh) for _ in range(args.screens)]
            for s in screens:
                s.start()
            t0 = time.monotonic()
            for s in screens:
                s.streaming.wait(timeout=max(0.1, 10 - (time.monotonic() - t0)))
            print(
                f"round {round_ + 1}: {sum(s.streaming.is_set() for s in screens)} of {len(screens)} screens "
                f"streaming after {time.monotonic() - t0:.1f} s; {server_threads(proc.pid)}",
                flush=True,
            )
            first_id = trickle.numbers[-1][1] if trickle.numbers else 0
            loads["with"].append(loadavg())
            measure(port, page, floor, args.seconds, with_)
            these = {i for _, i in trickle.numbers if i > first_id}
            time.sleep(2)  # the last of them reach the screens
            sent |= these
            got += [len(these & s.ids) / max(1, len(these)) for s in screens]
            streaming.append(sum(s.streaming.is_set() for s in screens))
            screens_stop.set()
            for s in screens:
                s.join(timeout=5)
    finally:
        stop.set()
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    print()
    print(row("without screens", without, loads["without"]))
    print(row(f"with {args.screens} screens", with_, loads["with"]))
    print(
        f"\nscreens: streaming at the end of each round {streaming}; {len(sent)} new cases' feed lines "
        f"while they were open, each screen received {min(got):.0%} of them at least; "
        f"figure reloads {sum(s.refreshes for s in screens)} (last round); intakes failed {trickle.failed}, "
        f"joined an open case {trickle.duplicates}"
    )
    results = {"without": {}, "with": {}}
    for key in [*PATHS, "floor"]:
        base, more = _server.summary(without[key], 1), _server.summary(with_[key], 1)
        results["without"][key], results["with"][key] = base, more
        ratios = f"p50 ×{more['p50_ms'] / base['p50_ms']:.2f}, p95 ×{more['p95_ms'] / base['p95_ms']:.2f}"
        if key == "floor":
            print(f"floor: with screens / without: {ratios}")
            continue
        met = more["p95_ms"] <= 1.2 * base["p95_ms"] and more["p50_ms"] <= 1.2 * base["p50_ms"]
        verdict = "met" if met and not more["errors"] else "MISSED"
        print(f"{key}: with screens / without: {ratios} (goal ≤ 1.20): {verdict}")
    print(json.dumps(results, indent=1), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
