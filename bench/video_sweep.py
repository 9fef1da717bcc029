"""A health sweep of 10,000 channels against loopback cameras and dead ports, beside the limit.

The simulated cameras (cityops.video.simulator, 10 % asking for Digest credentials) run in
processes of their own (``--camera-processes``, 2) on ``--ports`` loopback ports, as real cameras are elsewhere; a tenth of the
channels name a port where nothing listens. The sweep is the prober's ``probe_all`` with the
settings' default limits and concurrency (500); beside it, the same endpoints answer bare TCP
connects (connect and close, same concurrency): a probe cannot be faster than that. Peak RSS is the
sweeping process's.

    .venv/bin/python bench/video_sweep.py [--channels 10000] [--ports 20] [--concurrency 500]
"""

import argparse
import asyncio
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cityops.video.prober import Limits, Target, probe_all  # noqa: E402
from cityops.video.simulator import Mix, needs_auth, password_for  # noqa: E402

MIX = Mix(down=0, flapping=0, auth=10)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def free_ports(n: int) -> list[int]:
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def serve(ports: list[int]) -> None:
    """The camera side (a child process): one responder on every port until stdin closes."""
    from cityops.video.simulator import Responder

    async def main():
        responder = Responder(MIX)
        servers = [await asyncio.start_server(responder.handle, "127.0.0.1", p, backlog=4096) for p in ports]
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        for s in servers:
            s.close()

    asyncio.run(main())


def targets(n: int, live: list[int], dead: list[int]) -> list[Target]:
    out = []
    for i in range(n):
        gb_id = f"4419000000132{i:07d}"
        if i % 10 == 9:
            out.append(Target(i, f"rtsp://127.0.0.1:{dead[i % len(dead)]}/{gb_id}"))
        else:
            auth = needs_auth(gb_id, MIX)
            out.append(
                Target(
                    i,
                    f"rtsp://127.0.0.1:{live[i % len(live)]}/{gb_id}",
                    "admin" if auth else "",
                    password_for(gb_id) if auth else "",
                )
            )
    return out


async def bare_connects(ts: list[Target], concurrency: int, timeout: float) -> tuple[int, int]:
    it = iter(ts)
    ok = failed = 0

    async def worker():
        nonlocal ok, failed
        for t in it:
            host, _, rest = t.url[7:].partition(":")
            port = int(rest.split("/")[0])
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
                writer.transport.abort()
                ok += 1
            except (OSError, TimeoutError):
                failed += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--ports", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument("--camera-processes", type=int, default=2)
    parser.add_argument("--serve", nargs="*", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    live, dead = free_ports(args.ports), free_ports(max(args.ports // 4, 1))
    cameras = [
        subprocess.Popen(
            [sys.executable, __file__, "--serve", *map(str, live[k :: args.camera_processes])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(args.camera_processes)
    ]
    try:
        assert all(c.stdout.readline().strip() == "ready" for c in cameras)
        ts = targets(args.channels, live, dead)
        limits = Limits(connect_s=2.0, read_s=3.0, total_s=8.0)
        before = rss_mb()
        t0 = time.perf_counter()
        ok, failed = asyncio.run(bare_connects(ts, args.concurrency, limits.connect_s))
        tcp_s = time.perf_counter() - t0
        t0, cpu0 = time.perf_counter(), time.process_time()
        results = asyncio.run(probe_all(ts, limits=limits, concurrency=args.concurrency))
        sweep_s, sweep_cpu = time.perf_counter() - t0, time.process_time() - cpu0
        alive = sum(r.ok for r in results)
        errors: dict[str, int] = {}
        for r in results:
            if not r.ok:
                errors[r.error] = errors.get(r.error, 0) + 1
        slowest = max(r.elapsed_ms for r in results)
        print(
            f"channels            {args.channels:,} ({args.ports} camera ports, {len(dead)} dead ports, 10 % Digest)"
        )
        print(f"concurrency         {args.concurrency}   cores {os.cpu_count()}")
        print(
            f"bare TCP connects   {tcp_s:6.2f} s  {args.channels / tcp_s:8,.0f} /s  ({ok:,} connected, {failed:,} refused)"
        )
        print(
            f"RTSP sweep          {sweep_s:6.2f} s  {args.channels / sweep_s:8,.0f} /s  ({alive:,} alive; slowest probe {slowest:,.0f} ms)"
        )
        print(
            f"prober CPU          {sweep_cpu:6.2f} s ({sweep_cpu / sweep_s:.0%} of a core during the sweep)"
        )
        print(f"failures            {errors}")
        print(f"peak RSS            {rss_mb():.0f} MB (before the runs {before:.0f} MB)")
    finally:
        for c in cameras:
            c.stdin.close()
            c.wait(timeout=10)


if __name__ == "__main__":
    main()
