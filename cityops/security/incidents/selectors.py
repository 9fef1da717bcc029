"""Every read of the incidents, each taking the acting user and narrowed by ``restrict`` (the
security officer and the auditor only).

Drills are kept out of every real figure: ``incident_figures`` (and the screen's panel built on it)
counts real incidents only; lists show drills, marked, and filter them.
"""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from cityops.core.errors import NotFound
from cityops.security.choices import Grade, IncidentStatus, TimerState
from cityops.security.incidents import rules
from cityops.security.models import Incident, IncidentStep, ReportTimer

VIEW = "security.view"


@dataclass(frozen=True)
class IncidentFilter:
    status: str = ""
    grade: str = ""
    category: str = ""
    drill: str = ""  # "real", "drill" or "" for both
    q: str = ""


def incident_list(*, user, filters: IncidentFilter | None = None):
    """Incidents the user may see, newest discovered first."""
    f = filters or IncidentFilter()
    qs = Incident.objects.restrict(user, VIEW)
    for key in ("status", "grade", "category"):
        if getattr(f, key):
            qs = qs.filter(**{key: getattr(f, key)})
    if f.drill == "real":
        qs = qs.filter(drill=False)
    elif f.drill == "drill":
        qs = qs.filter(drill=True)
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(number__icontains=f.q))
    return qs.order_by("-discovered_at", "-id").prefetch_related(
        Prefetch("timers", queryset=ReportTimer.objects.order_by("kind")),
        Prefetch("steps", queryset=IncidentStep.objects.order_by("position")),
    )


def incident_get(*, user, number: str) -> Incident:
    incident = (
        Incident.objects.restrict(user, VIEW).prefetch_related("systems__owner").filter(number=number).first()
    )
    if incident is None:
        raise NotFound(f"No such incident: {number}.")
    return incident


def incident_steps(incident) -> list[IncidentStep]:
    """The six steps in order, each marked whether it is the next to be done."""
    steps = list(incident.steps.order_by("position"))
    nxt = next((s for s in steps if s.done_at is None), None)
    for s in steps:
        s.is_next = s is nxt and incident.status == IncidentStatus.OPEN
    return steps


def incident_timers(incident, now=None) -> list[ReportTimer]:
    """The report timers with their state and the minutes left as each counts them."""
    now = now or timezone.now()
    timers = list(incident.timers.order_by("kind"))
    for t in timers:
        t.state = rules.state(t, now)
        t.left = rules.minutes_left(t, now)
    return timers


def incident_entries(incident):
    return list(incident.entries.order_by("at", "id"))


def incident_figures(*, user) -> dict:
    """Open real incidents (drills excluded) by grade, and their reports running out or overdue."""
    qs = Incident.objects.restrict(user, VIEW).filter(status=IncidentStatus.OPEN, drill=False)
    counted = dict(qs.order_by().values_list("grade").annotate(n=Count("id")))
    now = timezone.now()
    timers = ReportTimer.objects.filter(incident__in=qs, met_at__isnull=True, due_at__isnull=False)
    return {
        "open": sum(counted.values()),
        "by_grade": [
            {"grade": g.value, "label": str(g.label), "colour": g.colour, "count": counted.get(g.value, 0)}
            for g in Grade
        ],
        "reports_overdue": timers.filter(due_at__lt=now).count(),
        "reports_warning": timers.filter(warn_at__lte=now, due_at__gte=now).count(),
    }


def attention(*, user, now=None) -> list[ReportTimer]:
    """Timers of open incidents (drills too) that are running out or overdue, soonest first."""
    now = now or timezone.now()
    qs = (
        ReportTimer.objects.filter(
            incident__in=Incident.objects.restrict(user, VIEW).filter(status=IncidentStatus.OPEN),
            met_at__isnull=True,
            warn_at__lte=now,
        )
        .select_related("incident")
        .order_by("due_at")[:20]
    )
    out = list(qs)
    for t in out:
        t.state = rules.state(t, now)
        t.left = rules.minutes_left(t, now)
    return [t for t in out if t.state in (TimerState.WARNING, TimerState.OVERDUE)]
