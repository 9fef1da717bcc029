"""The big screen on loopback against a served, seeded demo: the first useful render (figures, map
and a live stream) and the page's weight in Chromium at 1920×1080, then new case → on the screen:
cases opened through the intake in this process, each timed from its commit to its line in the
page's feed. The floor, measured in the same run and the same browser: a trivial authenticated
page (the user's profile) loaded to its ``load`` event, after sign-in and on reload.

Run against a seeded demo served on the same database (`cityops serve --port 8700` with the same
environment): `CITYOPS_VAR_DIR=var .venv/bin/python bench/ops_screen.py --url http://127.0.0.1:8700
[--cases 20]`. Goals (issue 15): first useful render < 1 s, page weight < 1.5 MB, new case → on the
screen p99 < 1 s.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "Demo-Cityops-2026"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
WEIGHT = """() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
  .reduce((n, e) => n + (e.transferSize || e.encodedBodySize || 0), 0)"""


def open_case(n: int):
    """A patrol case at the centre of the n-th grid of the demo town, by the duty officer."""
    from cityops.accounts.models import User
    from cityops.cases.intake import IntakeIn, Reporter, case_intake
    from cityops.cases.models import PatrolItem
    from cityops.geo.models import Grid

    grids = list(Grid.objects.order_by("code").values_list("centroid_lon", "centroid_lat"))
    lon, lat = grids[n * 7 % len(grids)]
    lon, lat = lon + random.uniform(-4e-4, 4e-4), lat + random.uniform(-4e-4, 4e-4)
    item = PatrolItem.objects.filter(kind="event", active=True).order_by("code").first()
    user = User.objects.get(username="duty")
    data = IntakeIn(channel="patrol", item_code=item.code, lon=lon, lat=lat, reporter=Reporter(user=user),
                    description=f"bench {n}", on_the_spot=False)  # fmt: skip
    result = case_intake(data, by=user)
    return None if result.duplicate else result.case


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:8700")
    ap.add_argument("--cases", type=int, default=20)
    ap.add_argument("--screenshot", default="var/screenshots/bench-ops-screen.png")
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django

    django.setup()
    from playwright.sync_api import sync_playwright

    load = Path("/proc/loadavg").read_text().strip()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=args.url, viewport={"width": 1920, "height": 1080})
        page = context.new_page()
        page.goto("/accounts/login/?next=/ops/screen/")
        page.fill("#id_username", "duty")
        page.fill("#id_password", PASSWORD)
        renders = []
        for attempt in range(3):  # the first after sign-in, then two reloads with a warm cache
            started = time.perf_counter()
            if attempt == 0:
                page.click("form.form button[type=submit]")
            else:
                page.reload()
            page.wait_for_selector("#sc-map[data-ready=true]", timeout=30000)
            page.wait_for_selector('.sc-period[data-period="today"]', timeout=30000)
            page.wait_for_selector("#screen[data-state=live]", timeout=30000)
            renders.append(time.perf_counter() - started)
            if attempt == 0:  # the whole first load: ECharts comes after the first figures
                page.wait_for_selector("#sc-trend canvas", timeout=30000)
                weight = page.evaluate(WEIGHT)
        floors = []
        for _attempt in range(3):
            started = time.perf_counter()
            page.goto("/accounts/profile/", wait_until="load")
            floors.append(time.perf_counter() - started)
        print(f"load average at the start: {load}")
        print(f"first useful render: {renders[0]:.2f} s (after sign-in), {min(renders[1:]):.2f} s (reload)")
        print(
            f"floor, a trivial authenticated page: {floors[0]:.2f} s (first), {min(floors[1:]):.2f} s (reload)"
        )
        print(f"page weight (first load, transferred): {weight / 1e6:.2f} MB")
        page.goto("/ops/screen/")
        page.wait_for_selector("#screen[data-state=live]", timeout=30000)
        latencies = []
        for n in range(args.cases):
            case = open_case(n)
            if case is None:
                continue  # joined an open case nearby: no new line to wait for
            committed = time.perf_counter()
            page.locator(".sc-line", has_text=case.number).wait_for(timeout=10000)
            latencies.append(time.perf_counter() - committed)
            time.sleep(0.3)
        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(
            f"new case → on screen ({len(latencies)} cases): median {statistics.median(latencies):.2f} s, "
            f"p99 {p99:.2f} s, max {latencies[-1]:.2f} s"
        )
        print(f"load average at the end: {Path('/proc/loadavg').read_text().strip()}")
        Path(args.screenshot).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=args.screenshot)
        browser.close()


if __name__ == "__main__":
    main()
