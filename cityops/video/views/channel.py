"""The channel page's health and snapshot parts: the health now and what decided it, the status
history, the outages with their maintenance cases, and "take a snapshot now" for those who may watch.

``channel_parts`` is the context the channel page's include-points (``video/partials/
channel_health.html`` and ``channel_snapshot.html``) read; ``snapshot_take`` is the button's POST.
"""

from datetime import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.core.pages import is_htmx
from cityops.video import selectors
from cityops.video.choices import Health, HealthSource
from cityops.video.snapshots import SnapshotFailed, channel_snapshot_take
from cityops.video.views.common import or_404, video_page

SNAPSHOT_TARGET = "channel-snapshot"


def duration_text(seconds: float) -> str:
    """A span of time as minutes, hours and minutes, or days and hours."""
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return _("%(m)s min") % {"m": minutes}
    hours, m = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": m}
    days, h = divmod(hours, 24)
    return _("%(d)s d %(h)s h") % {"d": days, "h": h}


def _state(value: str) -> dict:
    h = Health(value) if value in Health.values else Health.UNKNOWN
    return {"label": h.label, "colour": h.colour}


def _source(value: str) -> str:
    return HealthSource(value).label if value in HealthSource.values else ""


def _outage(outage, now: datetime, cases_visible: bool) -> dict:
    end = outage.ended_at or now
    return {
        "started_at": outage.started_at,
        "ended_at": outage.ended_at,
        "duration": duration_text((end - outage.started_at).total_seconds()),
        "reason": outage.reason,
        "case_number": outage.case_number,
        "case_url": reverse("cases:detail", args=[outage.case_number])
        if outage.case_number and cases_visible
        else "",
        "case_error": outage.case_error,
    }


def channel_parts(user, channel) -> dict:
    """What the channel page's health and snapshot parts show."""
    now = timezone.now()
    health = selectors.channel_health(user=user, channel=channel)
    cases_visible = user.can("cases.view")
    return {
        "health_source": _source(channel.health_source),
        "health_for": duration_text((now - channel.health_since).total_seconds())
        if channel.health_since
        else "",
        "health_changes": [
            {
                "at": c.at,
                "previous": _state(c.previous),
                "health": _state(c.health),
                "source": _source(c.source),
                "reason": c.reason,
            }
            for c in health.changes
        ],
        "more_health_changes": health.more_changes,
        "outages": [_outage(o, now, cases_visible) for o in health.outages],
        "more_outages": health.more_outages,
        "can_live": user.can("video.live"),
    }


SNAPSHOT_PROBLEMS = {
    "no_url": lambda: _("This camera has no main stream address, so no picture can be taken."),
    "credentials": lambda: _(
        "The camera's stored password cannot be opened with this server's keys; enter it again in the registry."
    ),
    "no_ffmpeg": lambda: _("ffmpeg is not installed on the server, so no picture can be taken."),
    "timeout": lambda: _("The camera sent no picture in time."),
    "too_large": lambda: _("The camera's picture is larger than the server accepts."),
    "refused": lambda: _("The camera's stream refused the connection or sent no picture."),
}


@require_POST
@video_page("video.live")
def snapshot_take(request, gb_id: str):
    """Take one frame of the camera now (ffmpeg, with a timeout), keep it as its last snapshot."""
    channel = or_404(selectors.live_channel, user=request.user, gb_id=gb_id)
    feedback = {"ok": True, "text": _("A new snapshot was taken.")}
    try:
        channel_snapshot_take(channel=channel, by=request.user)
    except SnapshotFailed as exc:
        problem = SNAPSHOT_PROBLEMS.get(exc.reason, SNAPSHOT_PROBLEMS["refused"])()
        feedback = {"ok": False, "text": problem, "detail": exc.detail}
    if is_htmx(request, SNAPSHOT_TARGET):
        context = {"channel": channel, "can_live": True, "snapshot_feedback": feedback}
        return render(request, "video/partials/channel_snapshot.html", context)
    if feedback["ok"]:
        messages.success(request, feedback["text"])
    else:
        messages.error(request, f"{feedback['text']} ({feedback['detail']})")
    return redirect(reverse("video:channel", args=[gb_id]) + "#snapshot-title")
