"""The core's own background job: keeping the record of job runs to its configured length."""

from django.utils.translation import gettext_lazy as _

from cityops.core.jobs import job, runs_prune


@job("core.prune_job_runs", every=3600, title=_("Delete old job runs"))
def prune_job_runs() -> str:
    deleted = runs_prune()
    return f"deleted {deleted:,} old job runs" if deleted else ""
