"""Government services' panel on the operations centre's screen (``cityops.core.screen``): the
applications in progress and overdue now, and today's and this month's figures, with no personal data.
Applications made at a village centre carry their area and village; the rest (the service centre,
online, the kiosks) count at the town level only. Shown to those who may read applications.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.core.screen import Unit, panel
from cityops.egov.applications.figures import Where, now_figures, period_figures
from cityops.egov.ratings import screen as _ratings_screen  # noqa: F401  (好差评's panel registers itself)


@panel("egov.applications", title=gettext_lazy("Government services"), action="egov.applications", order=70)
def applications(user, unit: Unit) -> dict | None:
    """Now, today and this month, for the town or an area or village (a grid has no service window)."""
    if unit.level == "grid":
        return None
    where = Where(
        area=unit.id if unit.level == "area" else None,
        village=unit.id if unit.level == "village" else None,
    )
    today = timezone.localdate()
    now = now_figures(user=user, where=where)
    day = period_figures(user=user, where=where, start=today, end=today)
    month = period_figures(user=user, where=where, start=today.replace(day=1), end=today)
    rate = month["on_time_rate"]
    items = [
        {"label": _("Received today"), "value": day["received"]},
        {"label": _("In progress"), "value": now["in_progress"]},
        {"label": _("Overdue"), "value": now["overdue"]},
        {"label": _("Decided this month"), "value": month["decided"]},
        {"label": _("On time this month"), "value": "—" if rate is None else f"{rate:.1%}"},
    ]
    return {"now": now, "today": day, "month": month, "items": items}
