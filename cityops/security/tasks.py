"""The security app's background jobs: thin wrappers over the two sweepers."""

from django.utils.translation import gettext_lazy as _

from cityops.core.jobs import job
from cityops.security.incidents.sweeper import sweep as timers_sweep
from cityops.security.register.sweeper import sweep as register_sweep


@job("security.timers", every=30, title=_("Warn of incident reports running out, mark the overdue ones"))
def report_timers() -> str:
    result = timers_sweep()
    if not (result.warned or result.overdue):
        return ""
    return f"warned {result.warned}, overdue {result.overdue} incident report timers"


@job("security.assessments", every=3600, title=_("Warn of information systems whose assessment falls due"))
def assessments() -> str:
    result = register_sweep()
    if not (result.warned or result.overdue):
        return ""
    return f"warned {result.warned}, overdue {result.overdue} system assessments"
