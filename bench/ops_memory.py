"""The big screen through a sped-up day in headless Chromium: JS heap and DOM nodes sampled while a
fast trickle of cases, alarms and camera changes arrives; the series, and its slope after warm-up.

Run on a copy of a seeded demo (it writes cases and feed lines):
`CITYOPS_VAR_DIR=var .venv/bin/python bench/ops_memory.py [--minutes 15] [--every 0.3]`.
It serves the demo with `cityops serve` (streams ending every --stream-seconds, so the page also
reconnects often), signs in as the duty officer at 1920×1080, drills down once (a click on the
map: below the town the map also draws cases, sensors and cameras), and then, for --minutes, this
process writes a feed line every --every seconds — a new case through the intake every
--case-every, the other lines alarms and cameras going offline and back, as their emitters write
them. Each new line makes the page reload its figures and map (5 s later, as it does on any news).
Every --sample seconds: garbage collected (CDP `HeapProfiler.collectGarbage`), then
`Runtime.getHeapUsage` and `Memory.getDOMCounters`, three times 2 s apart, keeping the least (a
reading in the middle of a map redraw also counts the drawing on its way out). The floor is the first sample, taken before
any new line. Goal (issue 15): no growth after warm-up (--warmup minutes).
"""

import argparse
import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.ops_load import loadavg, open_case, serve  # noqa: E402
from bench.ops_screen import CHROMIUM_ARGS, PASSWORD  # noqa: E402

PROBE = """() => ({
  feed: document.querySelectorAll('#sc-feed li').length,
  paths: document.querySelectorAll('#sc-map path').length,
  attached: document.getElementsByTagName('*').length,
  tooltips: document.querySelectorAll('#sc-map .leaflet-tooltip').length,
  state: document.getElementById('screen').dataset.state,
  unit: document.getElementById('sc-map').dataset.unit,
})"""


class Trickle(threading.Thread):
    """Feed lines every ``every`` seconds: a case through the intake every ``case_every``, between
    them alarms raised at real sensors and cameras going offline and coming back."""

    def __init__(self, every: float, case_every: float, stop: threading.Event):
        super().__init__(daemon=True)
        self.every, self.case_every, self.stop = every, case_every, stop
        self.lines = self.cases = 0

    def run(self) -> None:
        from django.db import connection
        from django.utils.translation import gettext_noop

        from cityops.core import events
        from cityops.iot.models import Device
        from cityops.video.models import Channel

        rng = random.Random(7)
        devices = list(
            Device.objects.exclude(lon=None).values(
                "name", "code", "area_id", "village_id", "grid_id", "lon", "lat"
            )[:200]
        )
        cameras = list(
            Channel.objects.values("pk", "name", "area_id", "village_id", "grid_id", "lon", "lat")[:200]
        )
        next_case = time.monotonic()
        n = 0
        while not self.stop.wait(self.every):
            n += 1
            if time.monotonic() >= next_case:
                next_case += self.case_every
                if open_case(rng) is not None:
                    self.cases += 1
                    self.lines += 1
                continue
            if n % 2 and devices:
                d = rng.choice(devices)
                events.emit(
                    "alarm_raised",
                    title=gettext_noop("Alarm at %(device)s: %(message)s"),
                    params={"device": d["name"], "message": f"water level {rng.uniform(2, 4):.2f} m"},
                    severity=rng.choice(["minor", "major", "warning"]),
                    area_id=d["area_id"], village_id=d["village_id"], grid_id=d["grid_id"],
                    lon=d["lon"], lat=d["lat"], data={"device": d["code"]},
                )  # fmt: skip
            elif cameras:
                c = rng.choice(cameras)
                offline = rng.random() < 0.5
                events.emit(
                    "camera_offline" if offline else "camera_online",
                    title=gettext_noop("Camera %(name)s went offline")
                    if offline
                    else gettext_noop("Camera %(name)s is back online"),
                    params={"name": c["name"]},
                    severity="warning" if offline else "info",
                    area_id=c["area_id"],
                    village_id=c["village_id"],
                    grid_id=c["grid_id"],
                    lon=c["lon"],
                    lat=c["lat"],
                    data={"channel": c["pk"]},
                )
            self.lines += 1
        connection.close()


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y)."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=15)
    ap.add_argument("--every", type=float, default=0.3, help="seconds between feed lines")
    ap.add_argument("--case-every", type=float, default=3.0, help="seconds between new cases")
    ap.add_argument("--sample", type=float, default=30, help="seconds between samples")
    ap.add_argument("--warmup", type=float, default=3, help="minutes left out of the slope")
    ap.add_argument("--stream-seconds", type=int, default=60)
    ap.add_argument("--screenshot", default="var/screenshots/bench-ops-memory.png")
    args = ap.parse_args()
    os.environ["CITYOPS_SCREEN_STREAM_SECONDS"] = str(args.stream_seconds)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django

    django.setup()
    from playwright.sync_api import sync_playwright

    args.workers = args.threads = None
    proc, port = serve(args)
    stop = threading.Event()
    trickle = Trickle(args.every, args.case_every, stop)
    samples = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(
                base_url=f"http://127.0.0.1:{port}", viewport={"width": 1920, "height": 1080}
            )
            page.goto("/accounts/login/?next=/ops/screen/")
            page.fill("#id_username", "duty")
            page.fill("#id_password", PASSWORD)
            page.click("form.form button[type=submit]")
            page.wait_for_selector("#sc-map[data-ready=true]", timeout=60000)
            page.wait_for_selector("#screen[data-state=live]", timeout=60000)
            box = page.locator("#sc-map").bounding_box()
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_function(
                "() => document.getElementById('sc-map').dataset.unit !== 'town'", timeout=30000
            )
            cdp = page.context.new_cdp_session(page)
            cdp.send("HeapProfiler.enable")

            def reading() -> tuple[float, int, int]:
                cdp.send("HeapProfiler.collectGarbage")
                heap = cdp.send("Runtime.getHeapUsage")
                dom = cdp.send("Memory.getDOMCounters")
                return heap["usedSize"] / 1e6, dom["nodes"], dom["jsEventListeners"]

            def sample(t: float) -> dict:
                # the least of three readings 2 s apart: a reading taken while the map is being
                # redrawn counts the drawing being replaced too; a leak raises the least as well
                readings = [reading()]
                for _ in range(2):
                    time.sleep(2)
                    readings.append(reading())
                heap, nodes, listeners = min(readings)
                probe = page.evaluate(PROBE)
                row = {
                    "min": t / 60,
                    "heap_mb": heap,
                    "nodes": min(r[1] for r in readings),
                    "listeners": min(r[2] for r in readings),
                    "lines": trickle.lines,
                    **probe,
                }
                print(
                    f"{row['min']:6.1f} min  heap {row['heap_mb']:6.2f} MB  DOM nodes {row['nodes']:6d}  "
                    f"listeners {row['listeners']:5d}  feed {row['feed']:3d}  map paths {row['paths']:4d}  "
                    f"attached elements {row['attached']:5d}  tooltips {row['tooltips']:4d}  "
                    f"lines sent {row['lines']:5d}  {row['state']} {row['unit']}  load {loadavg()}",
                    flush=True,
                )
                return row

            print(f"served on port {port}; load {loadavg()}; the floor is the first row (no new lines yet)")
            t0 = time.monotonic()
            samples.append(sample(0))
            trickle.start()
            while time.monotonic() - t0 < args.minutes * 60:
                time.sleep(max(0.0, args.sample - (time.monotonic() - t0) % args.sample))
                samples.append(sample(time.monotonic() - t0))
            Path(args.screenshot).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=args.screenshot)
            browser.close()
    finally:
        stop.set()
        proc.terminate()
        proc.wait(timeout=30)
    after = [s for s in samples if s["min"] >= args.warmup]
    heap = slope([(s["min"], s["heap_mb"]) for s in after])
    nodes = slope([(s["min"], s["nodes"]) for s in after])
    span = after[-1]["min"] - after[0]["min"]
    mean_heap = sum(s["heap_mb"] for s in after) / len(after)
    mean_nodes = sum(s["nodes"] for s in after) / len(after)
    print(
        f"\n{trickle.lines} feed lines ({trickle.cases} new cases) in {args.minutes:g} min; "
        f"floor (before any line): heap {samples[0]['heap_mb']:.2f} MB, {samples[0]['nodes']} DOM nodes"
    )
    print(
        f"after {args.warmup:g} min of warm-up ({len(after)} samples over {span:.1f} min): heap slope "
        f"{heap * 60:+.2f} MB/h ({heap * span:+.2f} MB over the span, mean {mean_heap:.2f} MB); DOM nodes "
        f"slope {nodes * 60:+.0f}/h ({nodes * span:+.0f} over the span, mean {mean_nodes:.0f})"
    )
    flat = abs(heap * span) < 0.05 * mean_heap and abs(nodes * span) < 0.05 * mean_nodes
    print(f"goal (growth over the span < 5 % of the mean, heap and DOM): {'met' if flat else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
