"""Grid governance's background jobs, run by `cityops worker`: thin wrappers over the services.

Each recomputes from rows and is idempotent, so a second worker or a restart changes nothing more.
"""

from django.utils.translation import gettext_lazy as _

from cityops.cases.patrols.services import patrol_sweep
from cityops.cases.rollup import rollup_recent
from cityops.cases.sweeper import sweep
from cityops.cases.webhooks import deliver_due
from cityops.core.jobs import job


@job("cases.escalate", every=30, title=_("Escalate overdue cases"))
def escalate_overdue() -> str:
    swept = sweep()
    return f"escalated {swept.escalated} of {swept.checked} overdue" if swept.escalated else ""


@job("cases.patrols", every=30, title=_("Close stale patrols, refresh patrol coverage"))
def patrols() -> str:
    done = patrol_sweep()  # recomputes coverage itself every 5 minutes
    return f"stale patrols closed {done['closed']}" if done["closed"] else ""


@job("cases.webhooks", every=30, title=_("Send department webhooks"))
def webhooks() -> str:
    sent, failed = deliver_due()
    return f"webhooks sent {sent}, failed {failed}" if sent or failed else ""


@job("cases.kpi_rollup", every=3600, title=_("Roll up the KPIs of recent days"), lease=3600)
def kpi_rollup() -> str:
    result = rollup_recent()
    return f"rolled up {result.days} days ({result.rows:,} rows)"
