"""The operations centre's live feed: the lower apps append a line where something happens (a new
case, an alarm raised, a camera gone offline or back), inside the same transaction, and the big
screen reads the lines after the last one it has (``events_since``) and streams them.

A line's title is stored as its English message id with named values, and translated when read,
so one feed shows in Chinese and in English. Emitters mark the message with ``gettext_noop`` so the
translation catalogue has it. Old lines are deleted by the job ``core.prune_screen_events``.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from cityops.core.models import ScreenEvent

KINDS = ("case_new", "alarm_raised", "camera_offline", "camera_online")
SEVERITIES = ("info", "warning", "minor", "major", "critical")
LEVELS = ("area", "village", "grid")


def event(
    kind: str,
    *,
    title: str,
    params: dict | None = None,
    severity: str = "info",
    area_id: int | None = None,
    village_id: int | None = None,
    grid_id: int | None = None,
    lon: float | None = None,
    lat: float | None = None,
    link: str = "",
    data: dict | None = None,
    at: datetime | None = None,
) -> ScreenEvent:
    """An unsaved feed line (for ``emit_many``); checks its kind and severity."""
    if kind not in KINDS:
        raise ValueError(f"a screen event's kind is one of {', '.join(KINDS)}, not {kind!r}")
    if severity not in SEVERITIES:
        raise ValueError(f"a screen event's severity is one of {', '.join(SEVERITIES)}, not {severity!r}")
    return ScreenEvent(
        at=at or timezone.now(),
        kind=kind,
        severity=severity,
        title=title[:200],
        params=params or {},
        area_id=area_id,
        village_id=village_id,
        grid_id=grid_id,
        lon=lon,
        lat=lat,
        link=link[:300],
        data=data or {},
    )


def emit(kind: str, **fields) -> ScreenEvent:
    """Append one line to the feed (call it inside the transaction of what it tells)."""
    ev = event(kind, **fields)
    ev.save()
    return ev


def emit_many(events: list[ScreenEvent]) -> int:
    """Append many lines at once (a sweep's cameras); returns how many."""
    ScreenEvent.objects.bulk_create(events, batch_size=500)
    return len(events)


def in_scope(user):
    """The feed lines ``user`` may see: none without ``ops.view``, else those in their unit."""
    qs = ScreenEvent.objects.all()
    if user is None or not getattr(user, "is_authenticated", False) or not user.can("ops.view"):
        return qs.none()
    for level, unit_id in user.scope_ids().items():
        if level in LEVELS and unit_id is not None:
            qs = qs.filter(**{f"{level}_id": unit_id})
    return qs


def events_since(user, after_id: int, limit: int = 100) -> list[ScreenEvent]:
    """The lines after ``after_id`` in the user's scope, oldest first, at most ``limit``."""
    return list(in_scope(user).filter(id__gt=after_id).order_by("id")[:limit])


def latest(user, limit: int = 30) -> list[ScreenEvent]:
    """The newest ``limit`` lines in the user's scope, oldest first (what a fresh screen shows)."""
    rows = list(in_scope(user).order_by("-id")[:limit])
    rows.reverse()
    return rows


def last_id() -> int:
    """The id of the newest line of the whole feed (0 when empty): the horizon of a valid client id."""
    return ScreenEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def render(ev: ScreenEvent) -> dict:
    """A line as the screen shows it, its title in the active language."""
    try:
        title = gettext(ev.title) % ev.params if ev.params else gettext(ev.title)
    except (KeyError, TypeError, ValueError):
        title = ev.title  # a message whose values do not fit is shown untranslated, never fails
    return {
        "id": ev.id,
        "at": timezone.localtime(ev.at).isoformat(timespec="seconds"),
        "kind": ev.kind,
        "severity": ev.severity,
        "title": title,
        "lon": ev.lon,
        "lat": ev.lat,
        "link": ev.link,
        "data": ev.data,
    }


def prune(*, now: datetime | None = None) -> int:
    """Delete lines older than ``CITYOPS_SCREEN_EVENT_DAYS``; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CITYOPS_SCREEN_EVENT_DAYS)
    deleted, _ = ScreenEvent.objects.filter(at__lt=cutoff).delete()
    return deleted
