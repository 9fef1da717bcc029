"""The service item search over the demo's 1,264 items: residents' words, pinyin and codes, through
the public API as the kiosk's visitors reach it, beside a trivial authenticated request's floor.

    .venv/bin/python bench/egov_search.py [--reuse] [--requests 400]

Without --reuse it migrates a fresh database ($DATABASE_URL, else a temporary SQLite file) and
seeds the departments, the data brain's catalogue and the 1,264 items (timing the last); with
--reuse it reads the database as it is. Then, after one warm-up request per query (the per-process
index and jieba are built once), it times --requests requests of each kind in turn: the search API
(a rotation of phrases), the selector alone, and GET /api/v1/accounts/me signed in (the floor). The
goal is p95 < 50 ms.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUERIES = [
    "开餐馆",
    "生孩子",
    "开店",
    "我想开个餐馆怎么办",
    "身份证丢了",
    "社保",
    "公积金提取",
    "低保",
    "营业执照",
    "结婚",
    "csdj",
    "shipinjingying",
    "户口迁移",
    "残疾证",
    "不动产登记",
    "失业",
]


def setup(reuse: bool) -> None:
    if not reuse and not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='egov-bench-')}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    os.environ.setdefault("CITYOPS_DEBUG", "0")
    import django

    django.setup()


def seed() -> None:
    from django.core.management import call_command

    from cityops.demo import names
    from cityops.demo.databrain import catalogue_seed
    from cityops.demo.egov import services_seed
    from cityops.org.models import Department

    call_command("migrate", verbosity=0)
    for code, name, short, in_grid, services in names.DEPARTMENTS:
        Department.objects.get_or_create(
            code=code,
            defaults={"name": name, "short_name": short, "in_grid": in_grid, "gives_services": services},
        )
    catalogue_seed()
    t0 = time.perf_counter()
    tally = services_seed()
    print(f"seed: {tally.created:,} items in {time.perf_counter() - t0:.1f} s (bulk inserts)")


def timed(fn, n: int) -> str:
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return f"p50 {statistics.median(samples):5.1f} ms, p95 {samples[int(len(samples) * 0.95) - 1]:5.1f} ms"


def measure(n: int) -> None:
    from django.db import connection
    from django.test import Client

    from cityops.accounts.models import User
    from cityops.accounts.services import user_create
    from cityops.egov import selectors
    from cityops.egov.models import ServiceItem

    user = User.objects.filter(username="bench-egov").first() or user_create(
        username="bench-egov",
        role="window_clerk",
        scope_level="town",
        password="Quartz-Lantern-71!",
        display_name="bench",
    )
    public, signed_in = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    signed_in.force_login(user)
    for q in QUERIES:  # warm: the index, jieba and pypinyin load once per process
        assert public.get("/api/v1/egov/public/search", {"q": q}).status_code == 200

    def search(i):
        response = public.get("/api/v1/egov/public/search", {"q": QUERIES[i % len(QUERIES)]})
        assert response.status_code == 200

    def floor(i):
        assert signed_in.get("/api/v1/accounts/me").status_code == 200

    items = ServiceItem.objects.filter(published__isnull=False).count()
    print(
        f"{connection.vendor}: {items:,} published items, {len(QUERIES)} queries in rotation, {n} requests each"
    )
    print("floor: GET /api/v1/accounts/me signed in   ", timed(floor, n))
    print("search: GET /api/v1/egov/public/search      ", timed(search, n))
    print(
        "search selector alone (top 50)             ",
        timed(lambda i: selectors.public_search(QUERIES[i % len(QUERIES)]), n),
    )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    setup(args.reuse)
    if not args.reuse:
        seed()
    measure(args.requests)


if __name__ == "__main__":
    main()
