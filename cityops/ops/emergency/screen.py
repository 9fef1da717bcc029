"""The screen's panel of emergency command: open incidents by level, drills excluded."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.core.screen import panel
from cityops.ops.emergency.selectors import incident_figures


@panel("ops.incidents", title=gettext_lazy("Open incidents"), action="ops.view", order=60)
def open_incidents(user, unit) -> dict:
    """Open real incidents standing in ``unit`` (an incident over several units counts at the unit
    holding them all): how many, each level that has one, and their tasks past deadline, named in
    the reader's language for the wall."""
    figures = incident_figures(user=user, unit_filter=unit.filter())
    items = [{"label": _("Open"), "value": figures["open"]}]
    items += [{"label": b["label"], "value": b["count"]} for b in figures["by_level"] if b["count"]]
    items.append({"label": _("Tasks overdue"), "value": figures["tasks_overdue"]})
    return {**figures, "items": items}
