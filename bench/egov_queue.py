"""The window clerk's queue with a year of applications (about 100,000), beside a trivial signed-in
request in the same run.

    .venv/bin/python bench/egov_queue.py [--reuse [--analyze]] [--applications 100000] [--requests 300]

Without --reuse it migrates a fresh database ($DATABASE_URL, else a temporary SQLite file), seeds
the departments, the data brain's catalogue, the 1,264 items and the holiday calendars, writes a
year of applications in bulk through the demo's generator (timed) and gathers the planner's
statistics (ANALYZE). Then, signed in as a window clerk
of every department (the demo's `clerk`) and as a clerk of one department's window, it times each
request kind in turn, after a warm-up: the floor (GET /api/v1/accounts/me), the queue page as a clerk
opens it (to check, nearest deadline first, 30 a page), its overdue view, the queue of one
department's window, the queue API and an application's page. The goal is the queue's p95 < 50 ms.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSWORD = "Quartz-Lantern-71!"


def setup(reuse: bool) -> None:
    if not reuse and not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='egov-queue-')}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    os.environ.setdefault("CITYOPS_DEBUG", "0")
    import django

    django.setup()
    from django.conf import settings

    # the pages are rendered in this process, without collectstatic's manifest
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": static}


def seed(applications: int) -> None:
    from django.core.management import call_command

    from cityops.core.holidays import load_bundled_calendars
    from cityops.demo import names
    from cityops.demo.databrain import catalogue_seed
    from cityops.demo.egov import services_seed
    from cityops.demo.egov_applications import applications_generate
    from cityops.org.models import Department

    call_command("migrate", verbosity=0)
    load_bundled_calendars()
    for code, name, short, in_grid, services in names.DEPARTMENTS:
        Department.objects.get_or_create(
            code=code,
            defaults={"name": name, "short_name": short, "in_grid": in_grid, "gives_services": services},
        )
    catalogue_seed()
    services_seed()
    clerks()
    t0 = time.perf_counter()
    made = applications_generate(n=applications, days=365)
    analyze()
    print(
        f"seed: {made.applications:,} applications, {made.events:,} steps, {made.rollup_rows:,} rollup rows "
        f"in {time.perf_counter() - t0:.1f} s (bulk inserts)"
    )


def analyze() -> None:
    """Fresh statistics after the bulk inserts, as autovacuum would gather them in a running town:
    without them the planner takes 100,000 rows for a hundred and picks its plans by that."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def clerks():
    from cityops.accounts.models import User
    from cityops.accounts.services import user_create

    made = {}
    for username, departments in (("clerk", []), ("bench-scjg", ["D-SCJG"])):
        made[username] = User.objects.filter(username=username).first() or user_create(
            username=username,
            role="window_clerk",
            scope_level="town",
            password=PASSWORD,
            display_name=username,
            departments=departments,
        )
    return made


def timed(fn, n: int) -> str:
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return f"p50 {statistics.median(samples):6.1f} ms, p95 {samples[int(len(samples) * 0.95) - 1]:6.1f} ms"


def measure(n: int) -> None:
    from django.db import connection
    from django.test import Client

    from cityops.egov.choices import Status
    from cityops.egov.models import Application

    users = clerks()
    clerk, department = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    clerk.force_login(users["clerk"])
    department.force_login(users["bench-scjg"])
    some = list(
        Application.objects.exclude(status=Status.DRAFT)
        .order_by("-received_at")
        .values_list("number", flat=True)[:50]
    )

    def get(client, url, params=None):
        def call(i):
            response = client.get(url(i) if callable(url) else url, params or {})
            assert response.status_code == 200, (url, response.status_code)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)

        return call

    kinds = [
        ("floor: GET /api/v1/accounts/me signed in       ", get(clerk, "/api/v1/accounts/me")),
        ("queue page /services/applications/ (to check)  ", get(clerk, "/services/applications/")),
        (
            "queue page, overdue view                       ",
            get(clerk, "/services/applications/", {"view": "overdue"}),
        ),
        ("queue page, one department's window (SCJG)     ", get(department, "/services/applications/")),
        ("queue API GET /api/v1/egov/applications (open) ", get(clerk, "/api/v1/egov/applications")),
        (
            "an application's page                          ",
            get(clerk, lambda i: f"/services/applications/{some[i % len(some)]}/"),
        ),
    ]
    for _label, fn in kinds:
        for i in range(5):
            fn(i)
    total = Application.objects.count()
    open_ = Application.objects.filter(clock_phase__in=["intake", "decision", "delivery"]).count()
    print(f"{connection.vendor}: {total:,} applications ({open_:,} with a clock running), {n} requests each")
    for label, fn in kinds:
        print(label, timed(fn, n))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--analyze", action="store_true", help="with --reuse: gather fresh statistics first")
    args = parser.parse_args()
    setup(args.reuse)
    if not args.reuse:
        seed(args.applications)
    elif args.analyze:
        analyze()
    measure(args.requests)


if __name__ == "__main__":
    main()
