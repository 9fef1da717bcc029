"""Reads of the core: what the background jobs did, for the jobs page and `cityops jobs`."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cityops.core.choices import JobState
from cityops.core.jobs import JobSpec, registry
from cityops.core.models import Job, JobRun


@dataclass(frozen=True)
class JobView:
    name: str
    title: str
    every: float  # seconds; 0: switched off
    state: JobState
    row: Job | None
    runs_24h: int
    failures_24h: int

    @property
    def schedule(self) -> str:
        return every_text(self.every)

    @property
    def last_error_line(self) -> str:
        return self.row.last_error.splitlines()[0] if self.row and self.row.last_error else ""

    @property
    def state_label(self) -> str:
        return self.state.label

    @property
    def state_colour(self) -> str:
        return self.state.colour


def every_text(seconds: float) -> str:
    """A job's schedule as people say it: every 30 s, every 5 min, every 1 h; off when 0."""
    if seconds <= 0:
        return _("off")
    if seconds >= 3600 and not seconds % 3600:
        n = round(seconds / 3600)
        return ngettext("every %(n)d hour", "every %(n)d hours", n) % {"n": n}
    if seconds >= 120 and not seconds % 60:
        n = round(seconds / 60)
        return ngettext("every %(n)d minute", "every %(n)d minutes", n) % {"n": n}
    if seconds < 1:  # the audit chain's sequencer runs four times a second
        n = round(1 / seconds)
        return ngettext("%(n)d time a second", "%(n)d times a second", n) % {"n": n}
    n = round(seconds)
    return ngettext("every %(n)d second", "every %(n)d seconds", n) % {"n": n}


def _state(spec: JobSpec, row: Job | None, now: datetime) -> JobState:
    if not spec.enabled:
        return JobState.OFF
    if row is None or row.last_started_at is None:
        return JobState.WAITING
    if row.claimed_until and row.claimed_until > now:
        return JobState.RUNNING
    return JobState.FAILING if row.attempts else JobState.OK


def job_overview(*, now: datetime | None = None) -> list[JobView]:
    """Every registered job with its schedule, its row and its runs and failures of the last day."""
    now = now or timezone.now()
    specs = registry()
    rows = {j.name: j for j in Job.objects.filter(name__in=list(specs))}
    counts = {
        c["job_id"]: c
        for c in JobRun.objects.filter(started_at__gte=now - timedelta(days=1))
        .values("job_id")
        .annotate(runs=Count("id"), failures=Count("id", filter=Q(ok=False)))
    }
    out = []
    for name, spec in specs.items():
        row = rows.get(name)
        c = counts.get(row.pk if row else None, {})
        out.append(
            JobView(
                name=name,
                title=str(spec.title),
                every=spec.interval if spec.enabled else 0,
                state=_state(spec, row, now),
                row=row,
                runs_24h=c.get("runs", 0),
                failures_24h=c.get("failures", 0),
            )
        )
    return out


def job_runs(*, job: str = "", failed_only: bool = True):
    """The runs of the jobs, newest first: the failures only unless asked for all, of one job if named."""
    qs = JobRun.objects.select_related("job")
    if failed_only:
        qs = qs.filter(ok=False)
    if job:
        qs = qs.filter(job__name=job)
    return qs.order_by("-started_at", "-id")
