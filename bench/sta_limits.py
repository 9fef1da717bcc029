"""What the SensorThings API's bounds cost: time and memory of the requests that used to take a
worker down (an exponential $expand, $expand with big $top, in a $batch) and of the input that used
to be a 500, each run alone in a fresh process.

`.venv/bin/python bench/sta_limits.py [--pg URL] [--things 40] [--readings 200]`

It builds a town with `--things` Things of 6 Datastreams each and `--readings` Observations per
Datastream in a new database (SQLite in a temporary directory, or the PostgreSQL database `--pg`,
which it drops and creates), then runs each request through Django's test client in its own
process: one warm-up request, then the request measured. It prints the status, the wall and CPU
time (the CPU time is what the request costs a worker; the wall time also holds waiting for a busy
machine's cores, and on PostgreSQL the database's own work) and the growth of the process's peak
resident memory (ru_maxrss) over the warm process. Target (issue 11): every request under 1 s and
100 MB.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HUGE = "99999999999999999999"


def chain(pairs: int) -> str:
    return "/".join(["Datastreams", "Thing"] * pairs)


def requests() -> list[tuple[str, str, str, object]]:
    """(label, method, path, body)."""
    deep_batch = {
        "requests": [
            {"id": str(i), "method": "get", "url": f"Things?$expand={chain(2)}/Datastreams"}
            for i in range(20)
        ]
    }
    return [
        (
            "expand (Datastreams/Thing)x2 + Datastreams, every Thing (depth 5)",
            "GET",
            f"Things?$expand={chain(2)}/Datastreams",
            None,
        ),
        ("expand (Datastreams/Thing)x6, $top=1", "GET", f"Things?$top=1&$expand={chain(6)}", None),
        ("expand (Datastreams/Thing)x50", "GET", f"Things?$expand={chain(50)}", None),
        (
            "expand Datastreams($top=1000;$expand=Observations($top=1000))",
            "GET",
            "Things?$expand=Datastreams($top=1000;$expand=Observations($top=1000))",
            None,
        ),
        (
            "largest allowed: Datastreams?$top=49&$expand=Observations",
            "GET",
            "Datastreams?$top=49&$expand=Observations",
            None,
        ),
        ("$batch of 20 depth-5 expands", "POST", "$batch", deep_batch),
        (
            "$batch with (Datastreams/Thing)x50",
            "POST",
            "$batch",
            {"requests": [{"id": "a", "method": "get", "url": f"Things?$expand={chain(50)}"}]},
        ),
        ("$skip=2^66", "GET", f"Things?$skip={HUGE}", None),
        ("$top of 5000 digits", "GET", "Things?$top=" + "9" * 5000, None),
        ("$filter properties/x eq 1e999", "GET", "Things?$filter=properties/x eq 1e999", None),
        (
            "$filter result eq 1e32 as integer",
            "GET",
            "Observations?$filter=result eq 99999999999999999999999999999999",
            None,
        ),
        ("$filter id eq 2^73", "GET", "Things?$filter=id eq 9999999999999999999999", None),
        (
            "$filter phenomenonTime gt 9999-12-31T23:59:59-14:00",
            "GET",
            "Observations?$filter=phenomenonTime gt 9999-12-31T23:59:59-14:00",
            None,
        ),
        ("$filter substring(name, 2^66)", "GET", f"Things?$filter=substring(name, {HUGE}) eq 'a'", None),
        ("$filter indexof(name,'a') eq 2^66", "GET", f"Things?$filter=indexof(name,'a') eq {HUGE}", None),
        (
            "$filter year(phenomenonTime) eq 2^66",
            "GET",
            f"Observations?$filter=year(phenomenonTime) eq {HUGE}",
            None,
        ),
        (
            "$filter result mul 1e300 mul 1e300 gt 0",
            "GET",
            "Observations?$filter=result mul 1e300 mul 1e300 gt 0",
            None,
        ),
        ("Things(2^66)", "GET", f"Things({HUGE})", None),
        (
            "POST Observation at 9999-12-31T23:59:59-14:00",
            "POST",
            "Datastreams(1)/Observations",
            {"phenomenonTime": "9999-12-31T23:59:59-14:00", "result": 1},
        ),
    ]


SEED = r"""
import sys
from datetime import UTC, datetime, timedelta
import django
django.setup()
from tests.builders import build_small_town, grid_centre
from cityops.accounts.services import token_create, user_create
from cityops.geo.selectors import locate_point
from cityops.iot.models import Datastream, Device, DeviceType, DeviceTypeQuantity, Quantity, Reading, observation_id

things, readings = int(sys.argv[1]), int(sys.argv[2])
build_small_town()
user = user_create(username="officer", password="Bench-pass-2026!", role="data_steward")
kind = DeviceType.objects.create(code="air", name="air", report_interval_s=60, offline_after_s=600)
quantities = [Quantity.objects.create(code=f"q{i}", name=f"q{i}", unit_name="u", unit_symbol="u") for i in range(6)]
for q in quantities:
    DeviceTypeQuantity.objects.create(device_type=kind, quantity=q)
t0 = datetime(2026, 11, 24, tzinfo=UTC)
rows = []
for n in range(things):
    lon, lat = grid_centre(n % 8 + 1)
    where = locate_point(lon, lat)
    device = Device.objects.create(code=f"D{n}", name=f"D{n}", device_type=kind, lon=lon, lat=lat,
                                   area_id=where.area_id, village_id=where.village_id, grid_id=where.grid_id)
    for q in quantities:
        ds = Datastream.objects.create(device=device, quantity=q)
        for i in range(readings):
            when = t0 + timedelta(minutes=i)
            rows.append(Reading(id=observation_id(ds.id, when), datastream=ds, time=when, value=float(i)))
Reading.objects.bulk_create(rows, batch_size=5000)
print(token_create(user=user, name="bench")[1])
"""

MEASURE = r"""
import json, resource, sys, time
import django
django.setup()
from django.test import Client
token, method, path, body = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
def send():
    if method == "GET":
        return client.get("/sta/v1.1/" + path)
    return client.post("/sta/v1.1/" + path, body, content_type="application/json")
warm = client.get("/sta/v1.1/Things?$top=1&$filter=id gt 0&$expand=Datastreams($expand=Observations($top=1))")
assert warm.status_code == 200, warm.content
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0, c0 = time.perf_counter(), cpu()
response = send()
content = response.content
seconds, cpu_seconds = time.perf_counter() - t0, cpu() - c0
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
data = json.loads(content) if content else {}
if "responses" in data:
    message = ", ".join(sorted({str(r["status"]) for r in data["responses"]}))
    message = "statuses " + message + "; " + next((r["body"]["message"] for r in data["responses"] if r["status"] >= 400), "")
else:
    message = data.get("message", f"{len(data.get('value', []))} entities at the top")
print(json.dumps({"status": response.status_code, "seconds": seconds, "cpu": cpu_seconds, "grew_mb": (after - before) / 1024,
                  "peak_mb": after / 1024, "bytes": len(content), "message": message}))
"""


def run(env: dict, code: str, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", help="a PostgreSQL URL to (re)create and use instead of SQLite")
    parser.add_argument("--things", type=int, default=40)
    parser.add_argument("--readings", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var:
        url = args.pg or f"sqlite:///{var}/bench.sqlite3"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "CITYOPS_VAR_DIR": var,
            "DJANGO_SETTINGS_MODULE": "cityops.settings",
            "PYTHONPATH": str(ROOT),
            "CITYOPS_LOG_LEVEL": "ERROR",
            "CITYOPS_ALLOWED_HOSTS": "testserver",
        }
        if args.pg:
            _recreate(args.pg)
        subprocess.run([sys.executable, "-m", "cityops.cli", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        token = run(env, SEED, str(args.things), str(args.readings))
        print(f"{args.things} Things × 6 Datastreams × {args.readings} Observations on {url.split(':')[0]}")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"{'request':66} {'status':>6} {'wall s':>6} {'cpu s':>6} {'+MB':>6} {'peak':>6}  answer")
        worst_s = worst_mb = 0.0
        for label, method, path, body in requests():
            figures = json.loads(run(env, MEASURE, token, method, path, json.dumps(body)))
            worst_s, worst_mb = max(worst_s, figures["cpu"]), max(worst_mb, figures["grew_mb"])
            print(
                f"{label[:66]:66} {figures['status']:>6} {figures['seconds']:6.3f} {figures['cpu']:6.3f} "
                f"{figures['grew_mb']:6.1f} "
                f"{figures['peak_mb']:6.1f}  {figures['message'][:110]}"
            )
        met = worst_s < 1 and worst_mb < 100
        print(
            f"worst: {worst_s:.3f} s of CPU, +{worst_mb:.1f} MB; target < 1 s and < 100 MB: {'met' if met else 'NOT met'}"
        )
    return 0 if met else 1


def _recreate(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    sys.exit(main())
