"""Decision support on a seeded demo year: the forecast job's time, and each page's server time
(median of three requests, in process through Django's test client, rendering included) for the
town's duty officer and a village dispatcher.

    DATABASE_URL=sqlite:///$PWD/var/demo.sqlite3 .venv/bin/python bench/ops_insight.py [--runs 3]
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def timed(fn) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    import django

    django.setup()
    from django.db.models import Max
    from django.test import Client

    from cityops.accounts.models import User
    from cityops.cases.models import Case
    from cityops.ops.insight.forecast import forecast_all
    from cityops.ops.models import ForecastSeries

    print(f"cases: {Case.objects.count():,}")
    state = forecast_all()
    print(
        f"forecast job: {state.seconds:.1f} s for {ForecastSeries.objects.count()} series "
        f"(to the week of {state.last_week}); warnings: {ForecastSeries.objects.filter(warning=True).count()}"
    )
    ok = ForecastSeries.objects.filter(status="ok", mape__isnull=False)
    mapes = sorted(s.mape for s in ok)
    if mapes:
        print(
            f"MAPE over {len(mapes)} series: median {statistics.median(mapes):.1f} %, max {mapes[-1]:.1f} %"
        )
        town = ForecastSeries.objects.get(key="town")
        print(
            f"  town: MAPE {town.mape:.1f} %, last week {town.last_actual} vs forecast {town.last_expected:.0f} (≤ {town.last_upper:.0f})"
        )
    last = Case.objects.aggregate(m=Max("reported_at"))["m"].date()
    year = f"start={last - timedelta(days=364)}&end={last}"
    pages = [
        "/ops/insight/",
        "/ops/insight/hotspots/",
        f"/ops/insight/hotspots/?{year}",
        "/ops/insight/hotspots/time/",
        "/ops/insight/hotspots/time/?weeks=26",
        "/ops/insight/places/",
        f"/ops/insight/places/?{year}",
        "/ops/insight/rankings/",
        f"/ops/insight/rankings/?dimension=village&{year}",
        "/ops/insight/forecast/",
    ]
    for username in ("duty", "dispatcher_village"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        print(f"\n{username}:")
        for url in pages:
            times, status = [], None
            for _ in range(args.runs):
                began = time.perf_counter()
                status = client.get(url).status_code
                times.append(time.perf_counter() - began)
            print(f"  {statistics.median(times):6.2f} s  {status}  {url}")


if __name__ == "__main__":
    main()
