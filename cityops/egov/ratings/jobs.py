"""好差评's background job, run by `cityops worker` (registered through ``egov.tasks``)."""

from django.utils.translation import gettext_lazy as _

from cityops.core.jobs import job
from cityops.egov.ratings.sweeper import sweep


@job("egov.ratings", every=60, title=_("Open, remind, default and escalate the ratings of applications"))
def ratings() -> str:
    r = sweep()
    if not r:
        return ""
    return (
        f"opened {r.opened}, reminded {r.reminded}, rated by default {r.defaulted}, "
        f"follow-ups closed {r.closed}, escalated {r.escalated}"
    )
