"""The core's own background jobs: keeping job runs, rate-limit counts and the screen's feed to
their useful length."""

from django.utils.translation import gettext_lazy as _

from cityops.core.events import prune as events_prune
from cityops.core.jobs import job, runs_prune
from cityops.core.ratelimit import cache_purge
from cityops.core.ratelimit import purge as ratelimit_purge


@job("core.prune_job_runs", every=3600, title=_("Delete old job runs"))
def prune_job_runs() -> str:
    deleted = runs_prune()
    return f"deleted {deleted:,} old job runs" if deleted else ""


@job("core.purge_rate_counts", every=3600, title=_("Delete the counts of ended rate-limit windows"))
def purge_rate_counts() -> str:
    deleted = ratelimit_purge() + cache_purge()
    return f"deleted {deleted:,} ended rate-limit counts" if deleted else ""


@job("core.prune_screen_events", every=3600, title=_("Delete old lines of the screen's live feed"))
def prune_screen_events() -> str:
    deleted = events_prune()
    return f"deleted {deleted:,} old screen events" if deleted else ""
