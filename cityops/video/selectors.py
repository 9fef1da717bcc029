"""Reads of the video app, each restricted to the acting user's scope."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from cityops.core.errors import NotFound
from cityops.geo.models import Village
from cityops.video.models import Alert, Channel


@dataclass
class AlertFilter:
    kind: str | None = None
    scene: str | None = None
    status: str | None = None
    village: str | None = None  # village code
    day_from: date | None = None  # local days, both ends included
    day_to: date | None = None
    channel: str | None = None  # GB/T 28181 ID


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def alert_list(*, user, filters: AlertFilter | None = None):
    """Alerts the user may see, filtered, the newest first."""
    f = filters or AlertFilter()
    qs = Alert.objects.restrict(user, "video.view").select_related("channel", "kind")
    if f.kind:
        qs = qs.filter(kind_code=f.kind)
    if f.scene:
        qs = qs.filter(kind__scene=f.scene)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.village:
        village = Village.objects.restrict(user, "geo.view").filter(code=f.village).values("id")
        qs = qs.filter(village_id__in=village)
    if f.channel:
        qs = qs.filter(channel__gb_id=f.channel)
    if f.day_from:
        qs = qs.filter(at__gte=_local_start(f.day_from))
    if f.day_to:
        qs = qs.filter(at__lt=_local_start(f.day_to + timedelta(days=1)))
    return qs.order_by("-at", "-id")


def alert_get(*, user, alert_id: int) -> Alert:
    alert = (
        Alert.objects.restrict(user, "video.view")
        .select_related("channel", "kind", "duplicate_of")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound(f"There is no alert {alert_id} in your scope.")
    return alert


def village_names(ids) -> dict[int, str]:
    """Names of these villages, in one query (alerts carry only the id)."""
    return dict(Village.objects.filter(pk__in=set(ids)).values_list("pk", "name"))


def live_channel(*, user, gb_id: str) -> Channel:
    """A channel the user may watch live (scope and the video.live action)."""
    channel = (
        Channel.objects.restrict(user, "video.live")
        .select_related("site", "project")
        .filter(gb_id=gb_id)
        .first()
    )
    if channel is None:
        raise NotFound(f"There is no channel {gb_id} in your scope.")
    return channel
