"""The background jobs page: every app's jobs, their schedule and last run, and the failures with
their errors, for the duty officer and the system administrator (``jobs.view``)."""

from django.core.paginator import Paginator
from django.shortcuts import render

from cityops.core.jobs import registry
from cityops.core.pages import pager, querystring, requires
from cityops.core.selectors import job_overview, job_runs

PAGE_SIZE = 25


@requires("jobs.view")
def jobs(request):
    name = request.GET.get("job", "")
    if name not in registry():
        name = ""  # an unknown job name filters nothing rather than showing an empty page
    everything = request.GET.get("runs") == "all"
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
