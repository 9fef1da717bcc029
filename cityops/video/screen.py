"""The video panel on the operations centre's screen (``cityops.core.screen``): the online rate
(完好率) of today and this month against the target, from the ``ChannelDay`` rollup through
``rates``, and the cameras offline now."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.core.screen import Unit, panel
from cityops.video import rates
from cityops.video.choices import IN_SERVICE, Health


@panel("video.figures", title=_("Cameras"), action="video.view", order=30)
def video_figures(user, unit: Unit) -> dict | None:
    now = rates.unit_health_now(user=user, unit=unit)
    if not sum(now.values()):
        return None  # no cameras in service here: nothing to show
    today = timezone.localdate()
    day = rates.unit_rate(user=user, unit=unit, start=today, end=today)
    month = rates.unit_rate(user=user, unit=unit, start=today.replace(day=1), end=today)
    return {
        "today": {"rate": day.rate, "target": day.target, "met": day.met},
        "month": {"rate": month.rate, "target": month.target, "met": month.met},
        "online_now": now[Health.ONLINE],
        "offline_now": now[Health.OFFLINE],
        "unknown_now": now[Health.UNKNOWN],
    }


def camera_points(user, unit: Unit, limit: int = 500) -> list[dict]:
    """The cameras in service standing in a unit and their health now (a map layer)."""
    qs = rates.channels_in_scope(user).filter(build_status__in=IN_SERVICE, **unit.filter())
    return [
        {"gb_id": c.gb_id, "name": c.name, "lon": c.lon, "lat": c.lat, "health": c.health}
        for c in qs.order_by("gb_id").only("gb_id", "name", "lon", "lat", "health")[:limit]
    ]
