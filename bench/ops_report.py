"""The yearly operations report (XLSX and PDF) for the seeded year, as the reports job makes it:
`report_make` on a town-wide row of the year, end to end (figures, both files, written to
MEDIA_ROOT), then the same steps timed one by one, and the same for a village's year.

Run on a copy of a seeded demo, never on the original (it writes report rows and files):
`CITYOPS_VAR_DIR=var .venv/bin/python bench/ops_report.py [--year 2026] [--runs 2]`; on PostgreSQL
with $DATABASE_URL. The year need not have ended: the row is requested as on the day after it.
The floor, measured in the same run: a trivial query (the sign-in's user lookup, best of 200) and a
fixed piece of Python work (best of 5). Goal (issue 15): a year's report < 30 s.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.ops_load import loadavg  # noqa: E402


def floor() -> tuple[float, float]:
    from django.db import reset_queries

    from cityops.accounts.models import User

    queries = []
    for _ in range(200):
        t0 = time.perf_counter()
        User.objects.filter(username="duty").first()
        queries.append(time.perf_counter() - t0)
        reset_queries()
    work = []
    for _ in range(5):
        t0 = time.perf_counter()
        sum(i * i for i in range(1_000_000))
        work.append(time.perf_counter() - t0)
    return min(queries) * 1000, min(work) * 1000


def end_to_end(period, village=None) -> tuple[float, object]:
    from cityops.ops.models import Report
    from cityops.ops.reports import services

    area = village.area if village else None
    Report.objects.filter(
        kind=period.kind, start=period.start, scope_key=services.scope_key(area, village)
    ).delete()
    report = services.report_request(
        period=period, area=area, village=village, today=period.end + timedelta(1)
    )
    claimed = services.report_claim()
    assert claimed is not None and claimed.pk == report.pk, "another queued report was claimed first"
    t0 = time.perf_counter()
    done = services.report_make(claimed)
    return time.perf_counter() - t0, done


def steps(period, village=None) -> dict[str, float]:
    """The report's parts one by one: each figure group, the workbook, the PDF."""
    from django.conf import settings
    from django.utils import translation

    from cityops.ops.reports import figures, pdf, xlsx

    reader = figures.ScopeReader(village.area_id if village else None, village.pk if village else None)
    marks = []  # (the part that begins, when)
    with translation.override(settings.LANGUAGE_CODE):
        found = figures.compute(reader, period, lambda name, share: marks.append((name, time.perf_counter())))
        marks.append(("xlsx", time.perf_counter()))
        xlsx.workbook(found, "bench")
        marks.append(("pdf", time.perf_counter()))
        pdf.document(found, "bench")
        marks.append(("end", time.perf_counter()))
    out = {}
    for (name, t), (_, t_next) in zip(marks, marks[1:], strict=False):
        out[name] = t_next - t
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--year", type=int, help="default: the year of the newest case")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    import django

    django.setup()
    from django.db import connection

    from cityops.accounts.models import User
    from cityops.cases.models import Case
    from cityops.geo.models import Village
    from cityops.ops.reports.periods import period_of

    newest = Case.objects.order_by("-reported_at").values_list("reported_at", flat=True).first()
    period = period_of("year", newest.date().replace(year=args.year) if args.year else newest.date())
    in_year = Case.objects.filter(reported_at__year=period.start.year).count()
    dispatcher = User.objects.get(username="dispatcher_village")  # the demo's village
    village = Village.objects.select_related("area").get(pk=dispatcher.scope_village_id)
    print(
        f"database: {connection.vendor}, {Case.objects.count():,} cases, {in_year:,} reported in "
        f"{period.label}; load {loadavg()}"
    )
    for run in range(1, args.runs + 1):
        query_ms, work_ms = floor()
        town_s, done = end_to_end(period)
        village_s, vdone = end_to_end(period, village)
        print(
            f"run {run}: the year's report, town: {town_s:.2f} s ({done.cases:,} cases, xlsx "
            f"{done.xlsx_size / 1e3:.0f} kB, pdf {done.pdf_size / 1e3:.0f} kB); village {village.name}: "
            f"{village_s:.2f} s ({vdone.cases:,} cases) — floor: trivial query {query_ms:.2f} ms, "
            f"fixed Python work {work_ms:.0f} ms; load {loadavg()}"
        )
        assert done.status == "done" and vdone.status == "done", (done.error, vdone.error)
    parts = steps(period)
    print("the town's year, step by step: " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()))
    print(f"goal: < 30 s: {'met' if town_s < 30 else 'MISSED'} (last run {town_s:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
