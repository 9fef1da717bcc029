"""The operations centre's panel of network security: open real incidents by grade, town-wide, with
no titles, numbers or names (the incidents themselves are for the security officer and the auditor)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.core.scoping import SYSTEM_READER
from cityops.core.screen import panel
from cityops.security.incidents.selectors import incident_figures


@panel("security.incidents", title=gettext_lazy("Network security incidents"), action="ops.view", order=65)
def open_incidents(user, unit) -> dict | None:
    """Counts only, read town-wide as the system reader (the screen's viewer may not read the
    incidents themselves); a unit below the town has none of its own (incidents are not placed)."""
    if unit.level != "town":
        return None
    figures = incident_figures(user=SYSTEM_READER)
    items = [{"label": _("Open"), "value": figures["open"]}]
    items += [{"label": b["label"], "value": b["count"]} for b in figures["by_grade"] if b["count"]]
    items.append({"label": _("Reports overdue"), "value": figures["reports_overdue"]})
    return {
        "open": figures["open"],
        "by_grade": [{k: b[k] for k in ("grade", "label", "colour", "count")} for b in figures["by_grade"]],
        "reports_overdue": figures["reports_overdue"],
        "items": items,
    }
