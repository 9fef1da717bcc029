"""好差评's panel on the operations centre's screen (``cityops.core.screen``): this month's coverage,
satisfaction and score, and the follow-ups of bad ratings open and overdue now; no personal data.
Ratings carry their application's area and village (a village centre's), the rest count at the town."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.core.screen import Unit, panel
from cityops.egov.ratings.kpis import Where, follow_up_now, totals


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


@panel("egov.ratings", title=gettext_lazy("Service ratings"), action="egov.applications", order=72)
def ratings(user, unit: Unit) -> dict | None:
    """This month's figures of the town, an area or a village (a grid has no service window)."""
    if unit.level == "grid":
        return None
    today = timezone.localdate()
    where = Where(
        start=today.replace(day=1),
        end=today,
        area=unit.id if unit.level == "area" else None,
        village=unit.id if unit.level == "village" else None,
    )
    month = totals(user=user, where=where)
    now = follow_up_now(user=user, where=where)
    score = month["score"]
    items = [
        {"label": _("Rated this month"), "value": month["rated"]},
        {"label": _("Rating coverage"), "value": _percent(month["coverage"])},
        {"label": _("Satisfaction"), "value": _percent(month["satisfaction"])},
        {"label": _("Score (of 5)"), "value": "—" if score is None else f"{score:.2f}"},
        {"label": _("Bad ratings this month"), "value": month["bad"]},
        {"label": _("Follow-ups open"), "value": now["open"]},
        {"label": _("Follow-ups overdue"), "value": now["overdue"]},
    ]
    month = {k: month[k] for k in ("ended", "rated", "defaulted", "bad", "coverage", "satisfaction", "score")}
    return {"month": month, "follow_ups": now, "items": items}
