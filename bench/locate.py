"""Locate benchmark: one point → grid, and a batch of a million points, on the demo town.

Run: `make bench` or `.venv/bin/python bench/locate.py [--points N] [--json]`.
Targets (issue "Foundation"): one point under 20 µs; a million points at over 200,000 points/s.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")


def build_locator():
    import django

    django.setup()
    import shapely

    from cityops.demo.town import town_geojson
    from cityops.geo.locate import GridEntry, Location, Locator

    entries = []
    for i, f in enumerate(x for x in town_geojson()["features"] if x["properties"]["level"] == "grid"):
        p = f["properties"]
        loc = Location(i, p["code"], p["name"], 0, p["parent"], "", 0, "", "")
        entries.append(GridEntry(loc, shapely.from_geojson(json.dumps(f["geometry"]))))
    t0 = time.perf_counter()
    locator = Locator(entries)
    return locator, time.perf_counter() - t0


def single_point(locator, lons, lats, rounds: int = 5) -> dict:
    """Mean time of one locate() call, measured over many calls, best and median of rounds."""
    locate = locator.locate
    per_call = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for x, y in zip(lons, lats, strict=True):
            locate(x, y)
        per_call.append((time.perf_counter() - t0) / len(lons) * 1e6)
    return {"best_us": min(per_call), "median_us": statistics.median(per_call)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="batch size")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    import numpy as np

    locator, build_s = build_locator()
    rng = np.random.default_rng(2026)
    pad = 0.01  # a margin around the town so some points fall outside
    lons = rng.uniform(locator.x0 - pad, locator.x1 + pad, args.points)
    lats = rng.uniform(locator.y0 - pad, locator.y1 + pad, args.points)

    sample = 100_000
    mixed = single_point(locator, lons[:sample].tolist(), lats[:sample].tolist())
    # the slow path alone: points in cells that a grid boundary crosses
    codes = locator.raster_flat[
        (np.clip(((lats - locator.y0) / locator.dy).astype(int), 0, locator.ny - 1) * locator.nx)
        + np.clip(((lons - locator.x0) / locator.dx).astype(int), 0, locator.nx - 1)
    ]
    edge = np.nonzero(codes == -2)[0][:sample]
    boundary = single_point(locator, lons[edge].tolist(), lats[edge].tolist())

    rates = []
    for _ in range(3):
        t0 = time.perf_counter()
        found = locator.locate_many(lons, lats)
        rates.append(args.points / (time.perf_counter() - t0))
    inside = float((found >= 0).mean())

    # the two answers must agree
    check = slice(0, 20_000)
    singles = [locator.locate(x, y) for x, y in zip(lons[check], lats[check], strict=True)]
    agree = all((s.grid_id if s else -1) == int(b) for s, b in zip(singles, found[check], strict=True))

    figures = {
        "grids": len(locator.entries),
        "index_build_s": round(build_s, 3),
        "boundary_cell_share": round(float((locator.raster_flat == -2).mean()), 4),
        "single_point_us_mean": round(mixed["best_us"], 2),
        "single_point_us_median_of_rounds": round(mixed["median_us"], 2),
        "single_point_boundary_cell_us": round(boundary["best_us"], 2),
        "batch_points": args.points,
        "batch_points_per_s_best": round(max(rates)),
        "batch_points_per_s_median": round(statistics.median(rates)),
        "share_inside": round(inside, 3),
        "single_and_batch_agree": agree,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(
                f"{key:36s} {value:,}"
                if isinstance(value, int | float) and not isinstance(value, bool)
                else f"{key:36s} {value}"
            )
    ok = figures["single_point_us_mean"] < 20 and figures["batch_points_per_s_best"] > 200_000 and agree
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
