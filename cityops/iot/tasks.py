"""The IoT background jobs, run by `cityops worker`: thin wrappers over the services.

Each recomputes from rows and is idempotent, so a second worker or a restart changes nothing more.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.core.jobs import job
from cityops.iot.alarms import alarms_follow_cases, alarms_retry_cases
from cityops.iot.compaction import compact_all
from cityops.iot.rules import sweep_offline


@job("iot.offline", every=30, title=_("Mark silent devices offline, raise their alarms"))
def offline() -> str:
    raised = sweep_offline(now=timezone.now())
    return f"offline alarms raised {raised}" if raised else ""


@job("iot.follow_cases", every=30, title=_("Alarms follow the cases they opened"))
def follow_cases() -> str:
    followed = alarms_follow_cases()
    return f"alarms whose case moved on {followed}" if followed else ""


@job("iot.case_retries", every=30, title=_("Open again the cases that failed to open"))
def case_retries() -> str:
    opened = alarms_retry_cases(now=timezone.now())
    return f"cases opened on another attempt {opened}" if opened else ""


@job("iot.compact", every=300, title=_("Compact, roll up and expire readings"), lease=3600)
def compact() -> str:
    stats = compact_all()
    if not (stats.readings_moved or stats.rollups_written):
        return ""
    return f"compacted {stats.readings_moved:,} readings, wrote {stats.rollups_written:,} rollups"
