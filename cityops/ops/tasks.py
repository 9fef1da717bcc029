"""The operations centre's background jobs, run by `cityops worker`: thin wrappers over services."""

from django.utils.translation import gettext_lazy as _

from cityops.core.jobs import job
from cityops.ops.duty.triggers import ask_leader


@job("ops.duty_decisions", every=30, title=_("Send the leader on duty what needs their decision"))
def duty_decisions() -> str:
    asked = ask_leader()
    return f"decisions asked {asked}" if asked else ""
