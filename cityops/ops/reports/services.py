"""Request, claim and make reports, and the schedule that asks for them.

A report row is the queue: a request (from the page, or the schedule after a period closes) makes
a queued row, or finds the row of the same kind, period and scope that exists; the reports job
claims the oldest queued row with a conditional UPDATE, computes the figures, writes both files and
marks it done. A row whose worker stopped beating for ``STALE`` is claimed again.
"""

import time
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cityops.cases.rollup import day_start
from cityops.core.errors import DomainError
from cityops.core.models import Job, JobRun
from cityops.core.replica import primary_lsn, replica_reads_after
from cityops.geo.models import Area, Village
from cityops.ops.models import Report, ReportStatus
from cityops.ops.reports import figures, pdf, xlsx
from cityops.ops.reports.periods import KINDS, Period, last_closed

STALE = timedelta(minutes=10)
SCHEDULED_KINDS = KINDS
ROLLUP_JOB = "cases.kpi_rollup"


class ReportRefused(DomainError):
    """A report that cannot be made: a period not yet ended, a scope narrower than a unit."""

    title = "Report refused"


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "ops-reports"


def scope_of(user) -> tuple[Area | None, Village | None]:
    """The unit a user's reports cover: the town, their area or their village. A report covers
    whole units: a grid-scoped or department-bound user is refused (the KPI page shows them a part
    that a unit's report would exceed)."""
    scope = user.scope_ids()
    if scope.get("grid") is not None or user.is_department_bound():
        raise ReportRefused(_("Reports cover the town, an area or a village; your scope is narrower."))
    village = Village.objects.filter(pk=scope["village"]).first() if scope.get("village") else None
    area = Area.objects.filter(pk=scope["area"]).first() if scope.get("area") else None
    return (village.area if village else area), village


def scope_key(area, village) -> str:
    return f"village:{village.pk}" if village else (f"area:{area.pk}" if area else "town")


def scope_name(report: Report) -> str:
    if report.village_id:
        return f"{report.area.name} · {report.village.name}"
    return report.area.name if report.area_id else _("Whole town")


def report_request(*, period: Period, area=None, village=None, by=None, today: date | None = None) -> Report:
    """The report of ``period`` for the unit: the existing row, else a new queued one. A period that
    has not ended is refused, naming it: its figures would still change."""
    today = today or timezone.localdate()
    if not period.closed(today):
        raise ReportRefused(
            _(
                "The period %(label)s (%(start)s – %(end)s) has not ended yet; a report covers a closed period."
            )
            % {"label": period.label, "start": period.start, "end": period.end}
        )
    key = scope_key(area, village)
    found = Report.objects.filter(kind=period.kind, start=period.start, scope_key=key).first()
    if found:
        if found.status == ReportStatus.FAILED:  # asking again retries a failed one
            Report.objects.filter(pk=found.pk, status=ReportStatus.FAILED).update(
                status=ReportStatus.QUEUED, progress=0, step="", error="", requested_at=timezone.now()
            )
            found.refresh_from_db()
        return found
    try:
        with transaction.atomic():
            return Report.objects.create(
                kind=period.kind,
                start=period.start,
                end=period.end,
                area=area,
                village=village,
                scope_key=key,
                requested_by=by,
                requested_at=timezone.now(),
            )
    except IntegrityError:  # asked at the same moment by someone else
        return Report.objects.get(kind=period.kind, start=period.start, scope_key=key)


def report_claim(*, now=None) -> Report | None:
    """Claim the oldest queued report (or one whose worker died) for this worker; None if none."""
    now = now or timezone.now()
    waiting = Q(status=ReportStatus.QUEUED) | Q(status=ReportStatus.RUNNING, heartbeat_at__lt=now - STALE)
    for pk in Report.objects.filter(waiting).order_by("requested_at", "pk").values_list("pk", flat=True)[:5]:
        taken = Report.objects.filter(waiting, pk=pk).update(
            status=ReportStatus.RUNNING, started_at=now, heartbeat_at=now, progress=1, step="start"
        )
        if taken:
            return Report.objects.select_related("area", "village").get(pk=pk)
    return None


def _progress(report: Report, step: str, share: float) -> None:
    Report.objects.filter(pk=report.pk).update(
        progress=max(1, min(99, round(share * 100))), step=step, heartbeat_at=timezone.now()
    )


def _write(name: str, content: bytes) -> None:
    path = folder() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(content)
    partial.replace(path)  # a reader never sees half a file


def report_make(report: Report) -> Report:
    """Compute and write the report's files (in the town's language); mark it done or failed. The
    outcome is written only while the claim is this worker's (its ``started_at``): a worker that
    stalled past ``STALE`` and was replaced leaves the row to its successor."""
    began = time.monotonic()
    claimed_at = primary_lsn()  # the replica is read once it holds everything written before the claim
    mine = Report.objects.filter(pk=report.pk, status=ReportStatus.RUNNING, started_at=report.started_at)
    period = Period(report.kind, report.start, report.end)
    reader = figures.ScopeReader(report.area_id, report.village_id)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            scope = scope_name(report)
            with replica_reads_after(claimed_at):
                found = figures.compute(reader, period, lambda step, share: _progress(report, step, share))
            _progress(report, "xlsx", 0.65)
            book = xlsx.workbook(found, scope)
            _progress(report, "pdf", 0.75)
            document = pdf.document(found, scope)
        base = f"{report.kind}-{period.label}-{report.scope_key.replace(':', '-')}"
        _write(f"{base}.xlsx", book)
        _write(f"{base}.pdf", document)
    except Exception as exc:
        mine.update(
            status=ReportStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    mine.update(
        status=ReportStatus.DONE,
        progress=100,
        step="done",
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        cases=found.total.counts["registered"],
        xlsx_name=f"{base}.xlsx",
        xlsx_size=len(book),
        pdf_name=f"{base}.pdf",
        pdf_size=len(document),
        seconds=round(time.monotonic() - began, 2),
        error="",
    )
    report.refresh_from_db()
    return report


def rolled_up_after(day: date) -> bool:
    """Whether the KPI rollup has run successfully since ``day`` began (so a period that ended the
    day before is in the rollups)."""
    since = day_start(day)
    if Job.objects.filter(name=ROLLUP_JOB, last_ok=True, last_started_at__gte=since).exists():
        return True
    return JobRun.objects.filter(job__name=ROLLUP_JOB, ok=True, started_at__gte=since).exists()


def schedule(*, today: date | None = None) -> list[Report]:
    """Queue the town's report of each kind's latest closed period, once, after the rollup has
    counted that period's last day."""
    today = today or timezone.localdate()
    made = []
    for kind in SCHEDULED_KINDS:
        period = last_closed(kind, today)
        if Report.objects.filter(kind=kind, start=period.start, scope_key="town").exists():
            continue
        if not rolled_up_after(period.end + timedelta(days=1)):
            continue
        made.append(report_request(period=period, today=today))
    return made
