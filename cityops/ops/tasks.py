"""The operations centre's background jobs, run by `cityops worker`: thin wrappers over services."""

import time

from django.utils.translation import gettext_lazy as _

from cityops.core.jobs import job
from cityops.ops.duty.triggers import ask_leader
from cityops.ops.insight.forecast import forecast_all, forecast_due
from cityops.ops.reports.services import report_claim, report_make, schedule

REPORTS_BUDGET_S = 120  # a tick makes reports for about this long; the next tick goes on


@job("ops.duty_decisions", every=30, title=_("Send the leader on duty what needs their decision"))
def duty_decisions() -> str:
    asked = ask_leader()
    return f"decisions asked {asked}" if asked else ""


@job("ops.reports", every=10, title=_("Make the operations reports: closed periods and requests"))
def reports() -> str:
    """Queue the reports of the periods that closed, then make queued reports, oldest first. A
    short tick, so that a report asked for on the page starts within seconds."""
    queued = schedule()
    began, made = time.monotonic(), []
    while time.monotonic() - began < REPORTS_BUDGET_S:
        report = report_claim()
        if report is None:
            break
        made.append(f"{report.kind} {report.start}")
        report_make(report)
    parts = [f"queued {len(queued)}"] if queued else []
    parts += [f"made {', '.join(made)}"] if made else []
    return "; ".join(parts)


@job("ops.forecast", every=60, title=_("Forecast the weekly case volume: each week, and on request"))
def forecast() -> str:
    """Fit every weekly series again once a week has ended or someone asked; otherwise nothing."""
    if not forecast_due():
        return ""
    state = forecast_all()
    return f"forecast to week {state.last_week} in {state.seconds} s"
