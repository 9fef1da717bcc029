"""The auditor's page over a large audit trail: a page of each filter, a page far back, the filters'
suggestions, and the chain's verification, on the database of DATABASE_URL.

`DATABASE_URL=postgres://… .venv/bin/python bench/audit_trail.py [--records 1000000] [--reuse]`

Without --reuse it empties the trail and writes ``--records`` records with a valid hash chain
(COPY on PostgreSQL, 500 actors, 60 actions, 20 object types over 400 days), then ANALYZEs. Each
page is read 20 times through the page's own selector (the keyset query and its cursor look-up);
the median and the slowest are printed. Goal: every page under 50 ms at a million records.
"""

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from cityops.audit import triggers  # noqa: E402
from cityops.audit.models import AuditHead, AuditRecord  # noqa: E402
from cityops.audit.selectors import AuditFilter, audit_verify, distinct_values, trail_page  # noqa: E402
from cityops.audit.services import GENESIS, record_hash  # noqa: E402

ACTIONS = [
    f"app{a}.thing{a % 7}.{verb}"
    for a in range(12)
    for verb in ("create", "update", "close", "view", "export")
]
TYPES = [f"app{t}.model{t}" for t in range(20)]
START = datetime(2025, 11, 1, tzinfo=UTC)


class Auditor:
    is_authenticated = True

    def can(self, action):
        return action == "audit.view"


def fill(n: int) -> None:
    """``n`` records with a valid chain, written with COPY (PostgreSQL) or bulk inserts (SQLite)."""
    rnd = random.Random(7)
    triggers.remove(connection)
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE audit_auditrecord"
            if connection.vendor == "postgresql"
            else "DELETE FROM audit_auditrecord"
        )
    triggers.install(connection)
    prev, step = GENESIS, timedelta(days=400) / n
    cols = [
        "seq",
        "at",
        "actor_id",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "before",
        "after",
        "ip",
        "request_id",
        "prev_hash",
        "hash",
    ]
    batch = []
    t0 = time.perf_counter()
    for seq in range(1, n + 1):
        actor = rnd.randrange(500)
        rec = AuditRecord(
            seq=seq,
            at=START + step * seq,
            actor_id=actor + 1,
            actor=f"user{actor:03d}",
            action=rnd.choice(ACTIONS),
            object_type=rnd.choice(TYPES),
            object_id=str(rnd.randrange(50_000)),
            object_repr="",
            before=None,
            after={"n": seq},
            ip="10.0.0.1",
            request_id="",
            prev_hash=prev,
        )
        rec.hash = prev = record_hash(rec)
        batch.append(rec)
        if len(batch) == 20_000 or seq == n:
            write(batch, cols)
            batch = []
    AuditHead.objects.update_or_create(id=1, defaults={"seq": n, "hash": prev})
    with connection.cursor() as cur:
        cur.execute("ANALYZE audit_auditrecord" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"wrote {n:,} records in {time.perf_counter() - t0:.0f} s")


def write(batch, cols) -> None:
    if connection.vendor != "postgresql":
        AuditRecord.objects.bulk_create(batch)
        return
    buf = io.StringIO()
    for r in batch:
        row = [
            r.seq,
            r.at.isoformat(),
            r.actor_id,
            r.actor,
            r.action,
            r.object_type,
            r.object_id,
            "",
            "\\N",
            json.dumps(r.after),
            r.ip,
            "",
            r.prev_hash,
            r.hash,
        ]
        buf.write("\t".join(str(v) for v in row) + "\n")
    with (
        connection.cursor() as cur,
        cur.copy(f"COPY audit_auditrecord ({', '.join(cols)}) FROM STDIN") as copy,
    ):
        copy.write(buf.getvalue())


def timed(label: str, fn, n: int = 20) -> None:
    fn()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    print(f"| {label} | {statistics.median(samples):.1f} | {max(samples):.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    if not args.reuse:
        fill(args.records)
    user, total = Auditor(), AuditRecord.objects.count()
    far = AuditRecord.objects.filter(seq=total // 10).values_list("seq", flat=True).first()
    week = START + timedelta(days=200)
    print(f"{connection.vendor}, {total:,} records\n\n| page | median ms | slowest ms |\n| --- | --- | --- |")
    cases = {
        "newest, no filter": AuditFilter(),
        "one actor": AuditFilter(actor="user123"),
        "one action": AuditFilter(action=ACTIONS[5]),
        "one object (type and id)": AuditFilter(object_type=TYPES[3], object_id="4242"),
        "one week, 200 days back": AuditFilter(start=week, end=week + timedelta(days=7)),
        "one actor in that week": AuditFilter(actor="user123", start=week, end=week + timedelta(days=7)),
        "one action in that week": AuditFilter(action=ACTIONS[5], start=week, end=week + timedelta(days=7)),
    }
    for label, f in cases.items():
        timed(label, lambda f=f: trail_page(user=user, filters=f))
    timed(
        "no filter, 360 days back (cursor)", lambda: trail_page(user=user, filters=AuditFilter(), before=far)
    )
    timed(
        "one action, 360 days back (cursor)",
        lambda: trail_page(user=user, filters=AuditFilter(action=ACTIONS[5]), before=far),
    )
    timed("the actions offered (loose index scan)", lambda: distinct_values("action"), n=5)
    timed("the object types offered", lambda: distinct_values("object_type"), n=5)
    t0 = time.perf_counter()
    result = audit_verify()
    took = time.perf_counter() - t0
    print(
        f"\naudit-verify: {'intact' if result.ok else result.reason}, {result.checked:,} records in {took:.1f} s "
        f"({result.checked / took:,.0f} records/s); load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
