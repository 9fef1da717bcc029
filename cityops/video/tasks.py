"""The video background jobs, run by `cityops worker` (all apps) or `cityops video-watch` (these alone):
thin wrappers over the services, each recomputing from rows, so a second worker or a restart changes
nothing more.

The sweep is a job rather than a loop of its own: the job's claim is the lock that keeps two
processes from probing the same cameras and writing the same transitions twice, every sweep leaves
a run with its summary on the jobs page, and a sweep that fails is retried with backoff.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.core.jobs import job
from cityops.video.alerts import alerts_follow_cases, alerts_retry_cases
from cityops.video.health import sweep as health_sweep
from cityops.video.rollup import rollup_days
from cityops.video.snapshots import snapshots_refresh


def _sweep_every() -> float:
    return settings.CITYOPS_VIDEO_SWEEP_SECONDS


@job("video.sweep", every=_sweep_every, title=_("Probe the cameras, mark them online or offline"), lease=900)
def sweep() -> str:
    summary = health_sweep()
    text = str(summary) if summary.channels or summary.busy else ""
    taken, failed = snapshots_refresh()
    if taken or failed:
        text += f"; snapshots {taken} taken, {failed} failed"
    return text


@job("video.rollup", every=600, title=_("Roll up the cameras' online time per day"), lease=1800)
def rollup() -> str:
    today = timezone.localdate()
    written = rollup_days(today - timedelta(days=1), today)
    return f"channel-days written {written:,}" if written else ""


@job("video.alert_cases", every=30, title=_("AI alerts: open again the cases that failed to open"))
def alert_cases() -> str:
    opened = alerts_retry_cases(now=timezone.now())
    return f"cases opened on another attempt {opened}" if opened else ""


@job("video.alert_follow", every=60, title=_("AI alerts follow the cases they opened"))
def alert_follow() -> str:
    closed = alerts_follow_cases()
    return f"alerts whose case closed {closed}" if closed else ""
