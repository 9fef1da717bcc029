"""The operations centre's own panels on the screen (a domain with a package keeps its panels
there: ``emergency/screen.py``)."""

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cityops.core.screen import panel
from cityops.ops.duty.selectors import on_duty
from cityops.ops.emergency import screen as emergency_screen  # noqa: F401 — registers ops.incidents
from cityops.ops.insight import screen as insight_screen  # noqa: F401 — registers ops.forecast_warning


@panel("ops.duty_leader", title=_("On duty"), action="ops.view", order=5)
def duty_leader(user, unit) -> dict:
    """The leader and officers on duty now and when the shift ends (the same for every unit: the
    duty desk is the town's); ``gap`` when no leader is on duty."""
    duty = on_duty()
    if duty.entry is None:
        items = [{"label": gettext("Leader on duty"), "value": gettext("Nobody is on the roster now")}]
        return {"shift": None, "leader": None, "officers": [], "ends_at": None, "gap": True, "items": items}
    entry = duty.entry
    ends = timezone.localtime(entry.ends_at)
    leader = None if duty.gap else {"name": str(entry.leader), "phone": entry.leader_phone}
    officers = [{"name": str(o.user), "phone": o.phone} for o in duty.officers]
    # what the wall shows (the generic panel): the shift, who leads it and how to reach them, the officers
    items = [
        {"label": gettext("Shift until %(t)s") % {"t": f"{ends:%H:%M}"}, "value": entry.template.name},
        {
            "label": gettext("Leader on duty"),
            "value": gettext("Nobody leads this shift")
            if leader is None
            else f"{leader['name']} {leader['phone']}",
        },
        {"label": gettext("Duty officers"), "value": "、".join(o["name"] for o in officers) or "—"},
    ]
    return {
        "shift": entry.template.name,
        "leader": leader,
        "officers": officers,
        "ends_at": ends.isoformat(),
        "gap": duty.gap,
        "items": items,
    }
