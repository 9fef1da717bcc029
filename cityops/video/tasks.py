"""The video background jobs, run by `cityops worker`: thin wrappers over the services.

Each recomputes from rows and is idempotent, so a second worker or a restart changes nothing more.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.core.jobs import job
from cityops.video.alerts import alerts_follow_cases, alerts_retry_cases


@job("video.alert_cases", every=30, title=_("AI alerts: open again the cases that failed to open"))
def alert_cases() -> str:
    opened = alerts_retry_cases(now=timezone.now())
    return f"cases opened on another attempt {opened}" if opened else ""


@job("video.alert_follow", every=60, title=_("AI alerts follow the cases they opened"))
def alert_follow() -> str:
    closed = alerts_follow_cases()
    return f"alerts whose case closed {closed}" if closed else ""
