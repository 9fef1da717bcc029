"""The data brain's background jobs: the clock of sharing requests and the upstream sync."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cityops.core.jobs import job, worker_id
from cityops.databrain.sharing.sweeper import sweep
from cityops.databrain.sync.pusher import push


@job(
    "databrain.sharing_sweep",
    every=600,
    title=_("Warn and escalate sharing requests near or past their due time"),
)
def sharing_sweep() -> str:
    result = sweep()
    if not (result.warned or result.escalated):
        return ""
    return f"warned {result.warned}, escalated {result.escalated} sharing requests"


def _sync_every() -> float:
    """Off when no upstream address is configured."""
    return settings.CITYOPS_DATABRAIN_SYNC_INTERVAL if settings.CITYOPS_DATABRAIN_SYNC_URL else 0


@job(
    "databrain.sync_push",
    every=_sync_every,
    title=_("Push catalogue and record changes to the city-level platform"),
    retry_max=600,
)
def sync_push() -> str:
    return push(worker=worker_id()).summary()
