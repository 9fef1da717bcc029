"""The data brain's background jobs: the clock of sharing requests."""

from django.utils.translation import gettext_lazy as _

from cityops.core.jobs import job
from cityops.databrain.sharing.sweeper import sweep


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
