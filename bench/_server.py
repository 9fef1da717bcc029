"""Shared pieces of the HTTP benchmarks: a PostgreSQL database with the demo town, a served
cityops, and a load generator of several processes keeping persistent connections."""

import http.client
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("CITYOPS_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/cityops_bench")


def env(var_dir: str) -> dict:
    return {**os.environ, "DATABASE_URL": PG_URL, "CITYOPS_VAR_DIR": var_dir, "PYTHONPATH": str(ROOT)}


def cityops(var_dir: str, *args: str, quiet: bool = False) -> None:
    out = subprocess.DEVNULL if quiet else None
    subprocess.run(
        [sys.executable, "-m", "cityops.cli", *args], cwd=ROOT, env=env(var_dir), check=True, stdout=out
    )


def recreate_database() -> None:
    import psycopg

    name = PG_URL.rsplit("/", 1)[1]
    with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`cityops serve` in a subprocess, as in production (gunicorn, no debug)."""

    def __init__(self, var_dir: str, workers: int, threads: int = 4):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cityops.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--threads",
                str(threads),
            ],
            cwd=ROOT,
            env={**env(var_dir), "CITYOPS_LOG_LEVEL": "WARNING"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("cityops serve did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


_REQUEST = {}  # set before the pool forks: closures cannot be pickled, forked children inherit them


def _worker(args) -> list[tuple[float, int]]:
    port, threads, seconds, seed = args
    make_request = _REQUEST["make"]
    import random
    import threading

    out: list[tuple[float, int]] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.perf_counter() < deadline:
            method, path, body, headers = make_request(rng)
            t0 = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            mine.append((time.perf_counter() - t0, resp.status))
        conn.close()
        with lock:
            out.extend(mine)

    pool = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return out


def load(port: int, clients: int, seconds: float, make_request, processes: int = 2) -> dict:
    """Run ``clients`` persistent connections for ``seconds``; throughput and latency percentiles."""
    per = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    _REQUEST["make"] = make_request
    t0 = time.perf_counter()
    with mp.get_context("fork").Pool(processes) as pool:
        # a new seed each run, so a rerun on a reused database reports new problems, not duplicates
        base = int(time.time()) * processes
        parts = pool.map(_worker, [(port, n, seconds, base + i) for i, n in enumerate(per)])
    elapsed = time.perf_counter() - t0
    samples = [s for part in parts for s in part]
    return summary(samples, elapsed)


def summary(samples: list[tuple[float, int]], elapsed: float) -> dict:
    lat = sorted(s[0] * 1000 for s in samples)
    ok = sum(1 for s in samples if 200 <= s[1] < 300)
    refused = Counter(s[1] for s in samples if not 200 <= s[1] < 300)

    def pct(p):
        return round(lat[min(len(lat) - 1, int(p / 100 * len(lat)))], 1) if lat else None

    return {
        "requests": len(samples),
        "ok": ok,
        "errors": len(samples) - ok,
        "error_statuses": dict(sorted(refused.items())),
        "per_s": round(ok / elapsed, 1),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "mean_ms": round(statistics.fmean(lat), 1) if lat else None,
    }
