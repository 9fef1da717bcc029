"""The screen's panel of emergency command: open incidents by level, drills excluded."""

from django.utils.translation import gettext_lazy as _

from cityops.core.screen import panel
from cityops.ops.emergency.selectors import incident_figures


@panel("ops.incidents", title=_("Open incidents"), action="ops.view", order=60)
def open_incidents(user, unit) -> dict:
    """Open real incidents standing in ``unit`` (an incident over several units counts at the unit holding them all)."""
    return incident_figures(user=user, unit_filter=unit.filter())
