"""The applications' daily figures (``ApplicationDailyStat``), rebuilt from the rows for a range of days.

A day is a day in the town's time zone; each figure counts the applications whose step fell on it:
received (``received_at``), accepted (``accepted_at``, a deemed acceptance on the day it counts from),
not accepted and withdrawn (``closed_at``), approved and denied (``decided_at``, with the decisions on
time and their working minutes). Rebuilding a day deletes its rows and writes them again, so a run
twice, or after a crash, leaves the same rows. The job ``egov.rollup`` rebuilds today and yesterday
every few minutes; ``rollup_range`` any span (the demo, a backfill).
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from cityops.egov.choices import Status
from cityops.egov.models import Application, ApplicationDailyStat

KEYS = ("item_id", "department_id", "area_id", "village_id")


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    return datetime.combine(first, time(), tz), datetime.combine(last + timedelta(days=1), time(), tz)


def _grouped(field: str, first: date, last: date, where: Q | None = None, **sums) -> list[dict]:
    lo, hi = _bounds(first, last)
    return list(
        Application.objects.filter(where or Q(), **{f"{field}__gte": lo, f"{field}__lt": hi})
        .annotate(day=TruncDate(field, tzinfo=ZoneInfo(settings.TIME_ZONE)))
        .values("day", *KEYS)
        .annotate(n=Count("id"), **sums)
        .order_by()
    )


def _rows(first: date, last: date) -> list[ApplicationDailyStat]:
    rows: dict[tuple, ApplicationDailyStat] = {}

    def row(g: dict) -> ApplicationDailyStat:
        key = (g["day"], *(g[k] for k in KEYS))
        if key not in rows:
            rows[key] = ApplicationDailyStat(day=g["day"], **{k: g[k] for k in KEYS})
        return rows[key]

    for g in _grouped("received_at", first, last):
        row(g).received = g["n"]
    for g in _grouped("accepted_at", first, last):
        row(g).accepted = g["n"]
    for g in _grouped("closed_at", first, last, Q(status=Status.NOT_ACCEPTED)):
        row(g).not_accepted = g["n"]
    for g in _grouped("closed_at", first, last, Q(status=Status.WITHDRAWN)):
        row(g).withdrawn = g["n"]
    decided = _grouped(
        "decided_at",
        first,
        last,
        Q(decision__in=("approved", "denied")),
        approved=Count("id", filter=Q(decision="approved")),
        on_time=Count("id", filter=Q(on_time=True)),
        worked=Sum("worked_minutes"),
    )
    for g in decided:
        r = row(g)
        r.approved, r.denied = g["approved"], g["n"] - g["approved"]
        r.on_time, r.worked_minutes = g["on_time"], g["worked"] or 0
    return list(rows.values())


def rollup_range(first: date, last: date) -> int:
    """Rebuild the days from ``first`` to ``last`` (inclusive); the rows written."""
    rows = _rows(first, last)
    with transaction.atomic():
        ApplicationDailyStat.objects.filter(day__gte=first, day__lte=last).delete()
        ApplicationDailyStat.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def rollup_recent(now=None, days: int = 2) -> int:
    """Today and the days before it (``days`` in all)."""
    today = timezone.localdate(now or timezone.now())
    return rollup_range(today - timedelta(days=days - 1), today)


def days_by_month(first: date, last: date) -> list[tuple[date, date]]:
    """``first``..``last`` cut into months (a long rebuild in pieces a transaction can hold)."""
    spans, start = [], first
    while start <= last:
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        end = min(last, following - timedelta(days=1))
        spans.append((start, end))
        start = end + timedelta(days=1)
    return spans
