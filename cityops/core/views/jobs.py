"""The background jobs page: every app's jobs, their schedule and last run, and the failures with
their errors, for the duty officer and the system administrator (``jobs.view``)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from cityops.core.export import csv_download, local_time
from cityops.core.jobs import registry
from cityops.core.pages import pager, querystring, requires
from cityops.core.selectors import job_overview, job_runs

PAGE_SIZE = 25


def _filters(request) -> tuple[str, bool]:
    name = request.GET.get("job", "")
    if name not in registry():
        name = ""  # an unknown job name filters nothing rather than showing an empty page
    return name, request.GET.get("runs") == "all"


@requires("jobs.view")
def jobs(request):
    name, everything = _filters(request)
    page = Paginator(job_runs(job=name, failed_only=not everything), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "jobs": job_overview(),
        "job": name,
        "everything": everything,
        **pager(page, lambda **changes: querystring(request.GET, **changes)),
    }
    return render(request, "core/jobs.html", context)


@requires("jobs.view")
def jobs_export(request):
    """The runs the page lists (the same job and failures-or-every-run filter), every one of them, as
    CSV with the whole error: for a fault report or a look at a night's failures in a spreadsheet."""
    name, everything = _filters(request)
    header = [
        _("Started at"),
        _("Ended at"),
        _("Job"),
        _("Attempt"),
        _("Worker"),
        _("Seconds taken"),
        _("Succeeded"),
    ]
    header += [_("Job result"), _("Error")]
    yes, no = _("yes"), _("no")
    rows = (
        [
            local_time(run.started_at),
            local_time(run.finished_at),
            run.job.name,
            run.attempt,
            run.worker,
            round((run.finished_at - run.started_at).total_seconds(), 3),
            yes if run.ok else no,
            run.result,
            run.error,
        ]
        for run in job_runs(job=name, failed_only=not everything).iterator(chunk_size=2000)
    )
    return csv_download(name="job-runs" if everything else "job-failures", header=header, rows=rows)
