"""The CKAN subset's datastore_search at the town's size, through the whole stack (URL, caller, JSON),
beside a trivial authenticated request measured in the same run.

    .venv/bin/python bench/ckan.py [--requests 200]

It reads the database as it is ($DATABASE_URL; load it first with `bench/databrain.py`, whose records
seed makes the 1.1 M records), signs a data steward's API token (the steward reads every field, so a
full-text query looks through every column) and times, on the largest resource, p50/p95 over
--requests of: status_show with the token (the floor: routing, token check, envelope), a filter on a
text field, a one-word query, a two-word query, words found inside an address (a street, a street
and a village), a query on one field, and the 50th page by offset — each 100 rows with the exact
total, as CKAN clients ask by default. The load average is printed before and after. Beside CKAN's published datastore_search figure: 41 ms
per 100 rows at 2 M rows (PR #9260).
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.databrain import timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    os.environ.setdefault("CITYOPS_DEBUG", "0")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from cityops.accounts.models import User
    from cityops.accounts.services import token_create, user_create
    from cityops.databrain import datastore
    from cityops.databrain.models import Resource
    from cityops.demo.datarecords import ROADS

    steward = User.objects.filter(username="bench-steward").first() or user_create(
        username="bench-steward", role="data_steward", scope_level="town", scope_unit=None,
        password="Correct-Horse-42!", display_name="bench", phone="13800000000", departments=[],
    )  # fmt: skip
    _token, raw = token_create(user=steward, name="bench", days=1)
    client = Client(headers={"Authorization": raw}, SERVER_NAME="localhost")
    resource = Resource.objects.order_by("-record_count").first()
    fields = list(resource.fields.all())
    first = datastore.page(resource, fields, filters=[], limit=1).rows[0]
    village = first["village"]
    surname = first["name"][:1]
    road = next(r for r in ROADS if r in first["address"])  # inside the address: 东莞市…村环城路12号
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    print(
        f"{connection.vendor}: {Resource.objects.count()} resources, "
        f"{sum(Resource.objects.values_list('record_count', flat=True)):,} records; "
        f"largest {resource.code} {resource.name} with {resource.record_count:,}"
    )

    def call(action, **body):
        response = client.post(
            f"/ckan/api/3/action/{action}", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 200, response.content[:300]
        return response.json()["result"]

    base = {"resource_id": resource.code, "limit": 100}
    cases = [
        ("status_show with the token (floor)", "status_show", {}),
        (f"filters {{village: {village}}}", "datastore_search", {**base, "filters": {"village": village}}),
        (f"q {village!r} (one word, every column)", "datastore_search", {**base, "q": village}),
        (f"q '{surname} {village}' (two words)", "datastore_search", {**base, "q": f"{surname} {village}"}),
        (f"q {road!r} (inside the address)", "datastore_search", {**base, "q": road}),
        (f"q '{road} {village}' (two words, inside)", "datastore_search", {**base, "q": f"{road} {village}"}),
        (f"q {road[1:]!r} (part of a street's name)", "datastore_search", {**base, "q": road[1:]}),
        ("q on one field {name: surname}", "datastore_search", {**base, "q": {"name": surname}}),
        ("no filter, offset 5,000", "datastore_search", {**base, "offset": 5000}),
    ]
    for label, action, body in cases:
        out = call(action, **body)
        total = f" ({out['total']:,} match)" if isinstance(out, dict) and "total" in out else ""
        print(f"{label + total:<62} {timed(lambda a=action, b=body: call(a, **b), args.requests)}")
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
