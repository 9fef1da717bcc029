"""The data brain's background jobs: the clock of sharing requests, scheduled pulls, large loads and
the upstream sync."""

import time

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cityops.core.jobs import job, worker_id
from cityops.databrain import loads
from cityops.databrain.pulls.services import pulls_due
from cityops.databrain.sharing.sweeper import sweep
from cityops.databrain.sync.pusher import push
from cityops.databrain.sync.services import sync_prune

LOADS_BUDGET_S = 240  # a tick loads files for about this long; the next tick goes on


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


@job(
    "databrain.sync_prune",
    every=3600,
    title=_("Delete the sync's delivered changes and their log after the days they are kept"),
)
def sync_prune_job() -> str:
    changes, batches = sync_prune()
    return f"pruned {changes} delivered changes and {batches} log rows" if changes or batches else ""


@job("databrain.pulls", every=30, title=_("Pull the sources whose time has come"), lease=900)
def pulls() -> str:
    done = pulls_due()
    return ", ".join(f"{load.filename} {load.status}" for load in done)


@job("databrain.loads", every=3, title=_("Load large files in the background"), lease=3600)
def background_loads() -> str:
    """A short tick, so that a load confirmed on the page starts within seconds."""
    began, done = time.monotonic(), []
    while time.monotonic() - began < LOADS_BUDGET_S:
        load = loads.load_queued()
        if load is None:
            break
        done.append(f"load {load.pk} {load.status}")
    return ", ".join(done)
