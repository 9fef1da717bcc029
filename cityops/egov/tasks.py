"""Government services' background jobs, run by `cityops worker`: thin wrappers over the services.

Each recomputes from rows and is idempotent, so a second worker or a restart changes nothing more.
"""

from django.utils.translation import gettext_lazy as _

from cityops.core.jobs import job
from cityops.egov.applications.rollup import rollup_recent
from cityops.egov.applications.sweeper import sweep
from cityops.egov.ratings import jobs as _ratings_jobs  # noqa: F401  (好差评's job registers itself)


@job("egov.clocks", every=60, title=_("Deem, warn and escalate applications by their time limits"))
def clocks() -> str:
    r = sweep()
    if not (r.deemed or r.warned or r.overdue or r.past_legal):
        return ""
    return f"deemed accepted {r.deemed}, warned {r.warned}, overdue {r.overdue}, past the legal limit {r.past_legal}"


@job("egov.rollup", every=300, title=_("Roll up the applications' figures of today and yesterday"))
def rollup() -> str:
    return f"rolled up {rollup_recent():,} rows"
