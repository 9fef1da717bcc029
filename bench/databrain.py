"""The data brain at the town's size: loading the 24 resources' synthetic files (about 1.1 million
records, through the load service with every quality check) and reading them back a page at a time.

    .venv/bin/python bench/databrain.py [--records 1100000] [--reuse] [--requests 200]

Without --reuse it migrates a fresh database ($DATABASE_URL, else a temporary SQLite file), writes
the departments and the catalogue and times the demo's records seed (every file generated, then
loaded); with --reuse it reads the database as it is. Then, on the largest resource, it times
datastore pages of 100 records (p50/p95 over --requests): a filter on a text field, a numeric or
date range sorted by another field, the 500th keyset page, and an exact count with a filter.
Beside CKAN's published datastore_search figure: 41 ms per 100 rows at 2 M rows (PR #9260).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def setup(reuse: bool) -> None:
    if not reuse and not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='databrain-bench-')}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    import django

    django.setup()


def seed(records: int) -> None:
    from django.conf import settings
    from django.core.management import call_command

    from cityops.demo import names
    from cityops.demo.databrain import catalogue_seed
    from cityops.demo.datarecords import records_seed
    from cityops.org.models import Department

    call_command("migrate", verbosity=0)
    for code, name, short, in_grid, services in names.DEPARTMENTS:
        Department.objects.get_or_create(
            code=code,
            defaults={"name": name, "short_name": short, "in_grid": in_grid, "gives_services": services},
        )
    catalogue_seed()
    settings.CITYOPS_DEMO_DATA_RECORDS = records
    t0 = time.perf_counter()
    tally = records_seed()
    took = time.perf_counter() - t0
    print(
        f"load: {tally.created:,} records in {took:.1f} s ({tally.created / took:,.0f} records/s), files generated and loaded"
    )
    from django.db.models import Sum

    from cityops.databrain.models import Load

    loads = (Load.objects.aggregate(ms=Sum("duration_ms"))["ms"] or 0) / 1000
    print(
        f"the {Load.objects.count()} loads alone (their duration, reading to commit): {loads:.1f} s "
        f"({tally.created / loads:,.0f} records/s); load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


def timed(fn, n: int) -> str:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return f"p50 {statistics.median(samples):.1f} ms, p95 {samples[int(len(samples) * 0.95) - 1]:.1f} ms"


def queries(n: int) -> None:
    from django.db import connection

    from cityops.databrain import datastore
    from cityops.databrain.datastore import Filter
    from cityops.databrain.models import Resource

    resource = Resource.objects.order_by("-record_count").first()
    fields = list(resource.fields.all())
    print(
        f"{connection.vendor}: {Resource.objects.count()} resources, "
        f"{sum(Resource.objects.values_list('record_count', flat=True)):,} records; "
        f"largest {resource.code} {resource.name} with {resource.record_count:,}"
    )
    village = datastore.page(resource, fields, filters=[], limit=1).rows[0]["village"]
    text = [Filter("village", "eq", village)]
    dated = next(f.name for f in fields if f.type == "date")
    ranged = [Filter(dated, "gte", "2020-01-01"), Filter(dated, "lte", "2020-12-31")]
    print(
        "filter on a text field, 100 rows:   ",
        timed(lambda: datastore.page(resource, fields, filters=text, limit=100), n),
    )
    print(
        "date range sorted by name, 100 rows:",
        timed(lambda: datastore.page(resource, fields, filters=ranged, sort="name", limit=100), n),
    )
    cursor, t0 = "", time.perf_counter()
    for _ in range(500):
        cursor = datastore.page(resource, fields, filters=[], after=cursor, limit=100).next_cursor
    print(
        f"500 keyset pages walked in {time.perf_counter() - t0:.2f} s; the 501st page:",
        timed(lambda: datastore.page(resource, fields, filters=[], after=cursor, limit=100), n),
    )
    print(
        "exact count with the text filter:   ",
        timed(lambda: datastore.count(resource, fields, text), max(5, n // 10)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_100_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup(args.reuse)
    if not args.reuse:
        seed(args.records)
    queries(args.requests)


if __name__ == "__main__":
    main()
