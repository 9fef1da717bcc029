"""The operations centre's own panels on the screen (a domain with a package keeps its panels
there: ``emergency/screen.py``)."""

from django.utils import timezone
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
        return {"shift": None, "leader": None, "officers": [], "ends_at": None, "gap": True}
    entry = duty.entry
    return {
        "shift": entry.template.name,
        "leader": None if duty.gap else {"name": str(entry.leader), "phone": entry.leader_phone},
        "officers": [{"name": str(o.user), "phone": o.phone} for o in duty.officers],
        "ends_at": timezone.localtime(entry.ends_at).isoformat(),
        "gap": duty.gap,
    }
