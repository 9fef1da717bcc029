"""Case intake through the HTTP API on PostgreSQL, beside a trivial authenticated endpoint.

Run: `.venv/bin/python bench/intake.py [--seconds 30] [--clients 32] [--workers 4] [--reuse]`.
It (re)creates the database named by CITYOPS_BENCH_PG_URL (default
postgres://postgres@127.0.0.1:5432/cityops_bench), seeds the demo town and its year of history,
serves cityops with gunicorn, and drives it from two load processes on loopback. Each intake is a
patrol report at a random point of the town for a random patrol item: locate, route, duplicate
check, numbering, history, audit record and notifications all happen as in production.

The history seeded is the demo's (a year, 310,000 cases, and the data brain's records and the
services' applications); for a shorter set-up seed less, e.g. CITYOPS_DEMO_HISTORY_CASES=20000
CITYOPS_DEMO_DATA_RECORDS=0 CITYOPS_DEMO_APPLICATIONS=0; the figures print the cases there were.
The reports come from the town's duty officer (a patrol report must lie in its reporter's scope),
and the per-token API limit is raised out of the way (still counted, as in production).

Goal (grid governance issue): >= 1,000 cases/s with p99 < 100 ms at 32 concurrent clients.
Goal (issue 19): intake >= 50 % of the trivial endpoint's rate, p99 < 250 ms, at 32 clients.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import _server  # noqa: E402


def prepare(var_dir: str, reuse: bool) -> dict:
    # 32 clients on one token would pass the per-token limit of a minute within seconds
    os.environ["CITYOPS_API_REQUESTS_PER_MINUTE"] = "100000000"
    if not reuse:
        _server.recreate_database()
        _server.cityops(var_dir, "migrate", "-v0")
        _server.cityops(var_dir, "seed-demo", "--quiet", quiet=True)
    os.environ.update(_server.env(var_dir))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    import django

    django.setup()
    import numpy as np

    from cityops.accounts.models import User
    from cityops.accounts.services import token_create
    from cityops.cases.models import Case, PatrolItem
    from cityops.geo.selectors import locator

    loc = locator()
    rng = np.random.default_rng(7)
    xs = rng.uniform(loc.x0, loc.x1, 200_000)
    ys = rng.uniform(loc.y0, loc.y1, 200_000)
    inside = loc.locate_many(xs, ys) >= 0
    _, token = token_create(user=User.objects.get(username="duty"), name="bench", days=1)
    return {
        "token": token,
        "points": list(zip(xs[inside][:50_000].tolist(), ys[inside][:50_000].tolist(), strict=True)),
        "items": list(PatrolItem.objects.filter(active=True).values_list("code", flat=True)),
        "cases_before": Case.objects.count(),
    }


def chain_lag() -> dict:
    """Right after the load: the records not chained yet and the oldest one's age, then a second
    later (the sequencer should have caught up)."""
    import time

    from django.utils import timezone

    from cityops.audit.models import AuditRecord

    def look():
        waiting = AuditRecord.objects.filter(seq__isnull=True)
        oldest = waiting.order_by("id").values_list("at", flat=True).first()
        age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        return waiting.count(), round(age, 2)

    now_count, now_age = look()
    time.sleep(1.0)
    later_count = look()[0]
    return {"unchained_at_end": now_count, "oldest_age_s": now_age, "unchained_1s_later": later_count}


def checks() -> dict:
    """The chain verified to its end and the year's numbers accounted for, after the run."""
    from django.utils import timezone

    from cityops.audit.selectors import audit_verify
    from cityops.audit.services import audit_chain
    from cityops.cases.numbering import number_gaps

    audit_chain()
    verified = audit_verify()
    gaps = number_gaps(timezone.localdate().year)
    return {
        "audit_verify_ok": verified.ok,
        "audit_records_verified": verified.checked,
        "numbers_given": gaps.last,
        "numbers_missing": gaps.missing,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="threads per worker process")
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    var_dir = os.environ.get("CITYOPS_BENCH_VAR", tempfile.mkdtemp(prefix="cityops-bench-"))
    ctx = prepare(var_dir, args.reuse)
    auth = {"Authorization": f"Bearer {ctx['token']}"}
    points, items = ctx["points"], ctx["items"]

    def trivial(rng):
        return "GET", "/api/v1/accounts/me", None, auth

    def intake(rng):
        lon, lat = points[rng.randrange(len(points))]
        body = f"item={items[rng.randrange(len(items))]}&lon={lon:.7f}&lat={lat:.7f}&description=bench"
        return "POST", "/api/v1/cases", body, {**auth, "Content-Type": "application/x-www-form-urlencoded"}

    server = _server.Server(var_dir, args.workers, args.threads)
    # the audit chain's sequencer runs as in production, in a worker of its own
    sequencer = subprocess.Popen(
        [sys.executable, "-m", "cityops.cli", "worker", "--only", "auditchain.", "--poll", "0.25"],
        cwd=_server.ROOT,
        env=_server.env(var_dir),
        stdout=subprocess.DEVNULL,
    )
    try:
        figures = {
            "workers": args.workers,
            "threads": args.threads,
            "clients": args.clients,
            "seconds": args.seconds,
            "trivial_endpoint": _server.load(server.port, args.clients, args.seconds, trivial),
            "case_intake": _server.load(server.port, args.clients, args.seconds, intake),
        }
        figures["chain"] = chain_lag()
    finally:
        server.stop()
        sequencer.terminate()
        sequencer.wait(timeout=60)
    from cityops.cases.models import Case

    figures["cases_created"] = Case.objects.count() - ctx["cases_before"]
    figures["checks"] = checks()
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key in ("trivial_endpoint", "case_intake"):
            f = figures[key]
            print(
                f"{key:18s} {f['per_s']:>8,.1f}/s  p50 {f['p50_ms']} ms  p95 {f['p95_ms']} ms  "
                f"p99 {f['p99_ms']} ms  errors {f['errors']} of {f['requests']}"
                + (f" {f['error_statuses']}" if f["errors"] else "")
            )
        print(f"cases before the run: {ctx['cases_before']:,}")
        print(f"audit chain right after the load: {figures['chain']}")
        print(f"after the run: {figures['checks']}")
        print(
            f"cases created: {figures['cases_created']:,} (workers {args.workers} × threads {args.threads}, clients {args.clients})"
        )
    f = figures["case_intake"]
    met = f["per_s"] >= 1000 and (f["p99_ms"] or 1e9) < 100 and f["errors"] == 0
    print("targets met" if met else "TARGETS MISSED (goal: >= 1,000 cases/s, p99 < 100 ms, no errors)")
    share = f["per_s"] / max(figures["trivial_endpoint"]["per_s"], 0.1)
    met = share >= 0.5 and (f["p99_ms"] or 1e9) < 250 and f["errors"] == 0
    print(
        f"intake at {share:.0%} of the trivial endpoint's rate: "
        + ("issue 19 goal met" if met else "ISSUE 19 GOAL MISSED (>= 50 %, p99 < 250 ms, no errors)")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
