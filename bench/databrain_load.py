"""One load of the data brain's largest resource, timed (and profiled): where a load's time goes.

    .venv/bin/python bench/databrain_load.py [--rows 50000] [--code 101001-0002] [--again] [--profile N]

Migrates a fresh database ($DATABASE_URL, else a temporary SQLite file), writes the catalogue,
generates the resource's demo file (GB18030 CSV with the demo's problems; not timed) and times
``load_file`` on it: the first load into the empty table, and with --again a second load of the
same file (every row an update by key). --profile N prints the N costliest functions (cProfile),
--sql N the N costliest kinds of SQL statement (their first words) with their time in the database.
"""

import argparse
import contextlib
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def setup() -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='databrain-load-')}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--code", default="101001-0002")
    parser.add_argument("--again", action="store_true")
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--sql", type=int, default=0)
    args = parser.parse_args()
    setup()
    from django.core.management import call_command
    from django.db import connection

    from cityops.databrain.loads import load_file
    from cityops.databrain.models import Resource
    from cityops.demo import names
    from cityops.demo.databrain import catalogue_seed
    from cityops.demo.datarecords import resource_file
    from cityops.org.models import Department

    call_command("migrate", verbosity=0)
    for code, name, short, in_grid, services in names.DEPARTMENTS:
        Department.objects.get_or_create(
            code=code,
            defaults={"name": name, "short_name": short, "in_grid": in_grid, "gives_services": services},
        )
    catalogue_seed()
    resource = Resource.objects.get(code=args.code)
    data = resource_file(resource, args.rows)
    print(f"{connection.vendor}: {args.code} {resource.name}, {args.rows:,} rows, {len(data) / 1e6:.1f} MB")
    for attempt in ("first load", "second load (updates)")[: 2 if args.again else 1]:
        profiler = cProfile.Profile() if args.profile else None
        spent, calls = Counter(), Counter()

        def timer(execute, sql, params, many, context, spent=spent, calls=calls):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                kind = re.sub(r"\s+", " ", re.sub(r'"[^"]*"', "t", sql))[:60]
                spent[kind] += time.perf_counter() - t
                calls[kind] += 1

        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        with connection.execute_wrapper(timer) if args.sql else contextlib.nullcontext():
            load = load_file(resource_code=args.code, data=data, filename="bench.csv", actor_name="bench")
        if profiler:
            profiler.disable()
        took = time.perf_counter() - t0
        print(
            f"{attempt}: {load.status}, {load.inserted:,} inserted, {load.updated:,} updated, "
            f"{load.flagged:,} flagged in {took:.2f} s ({load.rows_read / took:,.0f} rows/s)"
        )
        for kind, secs in spent.most_common(args.sql):
            print(f"  {secs:7.2f} s {calls[kind]:6} × {kind}")
        if profiler:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
