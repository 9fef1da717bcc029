"""The big screen's panel of decision support: the weeks that ran above their forecast."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.core.screen import panel
from cityops.ops.insight.selectors import current_week, state, warnings_for


@panel("ops.forecast_warning", title=gettext_lazy("Above forecast"), action="ops.view", order=8)
def forecast_warning(user, unit) -> dict | None:
    """Series of the unit whose last complete week ran above the forecast's 95 % upper bound, or
    whose current week so far runs above its share of it (``insight.current``); None
    (no panel) when there is none, so the wall gives the room to it only when it matters, near the
    top (below the leader on duty)."""
    current = state()
    if current is None or current.computed_at is None:
        return None
    rows = warnings_for(user=user, unit=unit)
    running = [p for p in current_week(user=user, unit=unit) if p.warning]
    if not rows and not running:
        return None
    items = [
        {
            "label": f"{s.display_name} · {s.last_week:%m-%d}",
            "value": _("%(actual)d (forecast ≤ %(upper)d)")
            % {"actual": s.last_actual, "upper": round(s.last_upper)},
        }
        for s in rows
    ]
    items += [
        {
            "label": _("%(name)s · this week, %(days)d days")
            % {"name": p.series.display_name, "days": p.days},
            "value": _("%(actual)d (forecast ≤ %(upper)d so far)")
            % {"actual": p.actual, "upper": round(p.limit)},
        }
        for p in running
    ]
    return {
        "items": items,
        "warnings": len(rows),
        "this_week": len(running),
        "last_week": current.last_week.isoformat(),
    }
