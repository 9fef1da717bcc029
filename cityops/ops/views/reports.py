"""The reports' pages: the archive with downloads, and "make now" with a progress bar that polls
its row (the reports job picks a request up on its next tick, within seconds)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.core.pages import requires
from cityops.ops.models import Report, ReportKind, ReportStatus
from cityops.ops.reports import periods
from cityops.ops.reports.services import ReportRefused, folder, report_request, scope_name, scope_of

ACTION = "ops.reports"
CHOICES = {"week": 12, "month": 12, "quarter": 8, "year": 3}  # closed periods offered per kind
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _archive(user):
    return Report.objects.restrict(user, ACTION).select_related("area", "village", "requested_by")


def _choices(today) -> list[tuple[str, list[tuple[str, str]]]]:
    """The closed periods one may ask for, by kind: ("week:2026-02-09", "2026-W07 (02-09 – 02-15)")."""
    out = []
    for kind, count in CHOICES.items():
        options = [
            (f"{kind}:{p.start}", f"{p.label} ({p.start:%m-%d} – {p.end:%m-%d})")
            for p in periods.closed_periods(kind, today, count)
        ]
        out.append((str(ReportKind(kind).label), options))
    return out


def _rows(reports) -> list[dict]:
    return [
        {"r": r, "scope": scope_name(r), "active": r.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)}
        for r in reports
    ]


@requires(ACTION)
def report_list(request):
    """The archive, newest period first, and the form to ask for a report."""
    try:
        scope_of(request.user)
        allowed, refusal = True, ""
    except ReportRefused as exc:
        allowed, refusal = False, exc.detail
    reports = list(_archive(request.user)[:200]) if allowed else []
    context = {
        "rows": _rows(reports),
        "choices": _choices(timezone.localdate()),
        "allowed": allowed,
        "refusal": refusal,
        "chosen": request.GET.get("period", ""),
    }
    return render(request, "ops/reports/list.html", context)


@require_POST
@requires(ACTION)
def report_generate(request):
    """Ask for a report of a closed period for the user's unit (or find the one already made)."""
    try:
        area, village = scope_of(request.user)
        kind, _sep, start = request.POST.get("period", "").partition(":")
        try:
            period = periods.parse(kind, start)
        except ValueError:
            raise ReportRefused(_("Choose a period from the list.")) from None
        report = report_request(period=period, area=area, village=village, by=request.user)
    except ReportRefused as exc:
        messages.error(request, exc.detail)
        return redirect("ops:reports")
    if report.status == ReportStatus.DONE:
        messages.info(request, _("This report was already made; it is in the archive."))
    return redirect(f"{reverse('ops:reports')}#report-{report.pk}")


@requires(ACTION)
def report_progress(request, pk: int):
    """One archive row, polled by the progress bar until the report is made or has failed."""
    try:
        scope_of(request.user)
    except ReportRefused:
        raise Http404 from None
    report = get_object_or_404(_archive(request.user), pk=pk)
    return render(request, "ops/reports/_row.html", {"row": _rows([report])[0]})


@requires(ACTION)
def report_file(request, pk: int, fmt: str):
    """A report's XLSX or PDF, to readers whose scope holds the report's unit."""
    try:
        scope_of(request.user)
    except ReportRefused as exc:
        raise PermissionDenied(exc.detail) from None
    report = get_object_or_404(_archive(request.user), pk=pk, status=ReportStatus.DONE)
    name = getattr(report, f"{fmt}_name", "") if fmt in FORMATS else ""
    path = folder() / name if name else None
    if path is None or not path.is_file():
        raise Http404(_("The file of this report is missing."))
    response = FileResponse(path.open("rb"), content_type=FORMATS[fmt], as_attachment=True, filename=name)
    response["Cache-Control"] = "no-store"
    return response
