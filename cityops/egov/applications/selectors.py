"""Reads of applications. Staff reads take the acting user (``egov.applications``; a department's
handler sees their departments', a window clerk with departments those departments', a village
clerk their village centre's; a hidden application is a 404). A resident reads their own.
"""

from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.core.errors import NotFound
from cityops.egov.choices import DECIDED_STATUSES, FINAL_STATUSES, OPEN_STATUSES, Status
from cityops.egov.models import Application, ApplicationEvent, ApplicationMaterial

# The queue's views: what a clerk looks at, in the order of their work.
VIEWS = {
    "todo": gettext_lazy("To check"),
    "review": gettext_lazy("Under review"),
    "waiting": gettext_lazy("Waiting for the applicant or a procedure"),
    "deliver": gettext_lazy("To deliver"),
    "overdue": gettext_lazy("Overdue"),
    "mine": gettext_lazy("Taken by me"),
    "open": gettext_lazy("Not finished"),
    "done": gettext_lazy("Finished"),
    "all": gettext_lazy("All"),
}
NOT_FINAL = OPEN_STATUSES | DECIDED_STATUSES


@dataclass
class QueueFilter:
    view: str = "todo"
    department: str = ""  # a department code
    item: str = ""  # an item code
    channel: str = ""
    q: str = ""  # a tracking number, or the start of one


# The views counted on the queue's tabs, by status (the overdue one is counted by its deadline).
COUNTED_VIEWS = {
    "todo": [Status.RECEIVED],
    "review": [Status.ACCEPTED, Status.UNDER_REVIEW, Status.EXTENDED],
    "waiting": [Status.SUPPLEMENT, Status.SPECIAL, Status.AWAITING_FEE],
    "deliver": [Status.COMPLETED, Status.DENIED],
}


def _view(qs: QuerySet, view: str, user, now) -> QuerySet:
    if view in COUNTED_VIEWS:
        return qs.filter(status__in=COUNTED_VIEWS[view])
    if view == "overdue":
        return qs.filter(status__in=NOT_FINAL, clock_started_at__isnull=False, due_at__lt=now)
    if view == "mine":
        return qs.filter(status__in=NOT_FINAL, assignee=user)
    if view == "open":
        return qs.filter(status__in=NOT_FINAL)
    if view == "done":
        return qs.filter(status__in=FINAL_STATUSES)
    return qs


def staff_applications(user) -> QuerySet:
    """Every submitted application ``user`` may read."""
    return Application.objects.restrict(user, "egov.applications").exclude(status=Status.DRAFT)


def application_queue(*, user, filters: QueueFilter | None = None, now=None) -> QuerySet:
    """The clerk's queue: the most urgent first (the nearest deadline; stopped clocks after running
    ones), then the oldest."""
    f = filters or QueueFilter()
    now = now or timezone.now()
    qs = _view(staff_applications(user), f.view if f.view in VIEWS else "todo", user, now)
    if f.department:
        qs = qs.filter(department__code=f.department)
    if f.item:
        qs = qs.filter(item__code=f.item)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    q = f.q.strip()
    if q:
        qs = qs.filter(number__startswith=q) if q.isdigit() else qs.filter(version__name__contains=q)
    qs = qs.select_related("version", "department", "assignee", "item")
    if f.view in ("done", "all"):
        return qs.order_by("-received_at", "-id")
    return qs.order_by(F("due_at").asc(nulls_last=True), "received_at", "id")


# What a row of the queue page shows (and its clock reads): an application is 60 columns and its
# guide's version several kilobytes of text, which a page of 30 rows would otherwise read and decode.
QUEUE_ROW = (
    "id",
    "number",
    "status",
    "channel",
    "received_at",
    "clock_phase",
    "clock_started_at",
    "clock_budget",
    "clock_used",
    "due_at",
    "legal_due_at",
    "warn_at",
    "item__code",
    "version__name",
    "department__name",
    "department__short_name",
    "assignee__username",
    "assignee__display_name",
)


def queue_rows(qs: QuerySet) -> QuerySet:
    """The queue narrowed to the columns its page shows."""
    return qs.only(*QUEUE_ROW)


def application_get(*, user, number: str) -> Application:
    app = (
        staff_applications(user)
        .select_related("version", "item", "department", "assignee", "owner")
        .filter(number=number)
        .first()
    )
    if app is None:
        raise NotFound(_("No application %(number)s.") % {"number": number})
    return app


def timeline(app: Application) -> list[ApplicationEvent]:
    return list(app.events.select_related("actor").order_by("at", "id"))


def materials(app: Application) -> list[ApplicationMaterial]:
    return list(app.materials.order_by("position"))


def own_applications(*, user) -> QuerySet:
    """A resident's own applications and drafts, the newest first."""
    if not user.can("egov.apply"):
        return Application.objects.none()
    return (
        Application.objects.filter(owner=user)
        .select_related("version", "item")
        .order_by("-updated_at", "-id")
    )


def own_get(*, user, pk: int) -> Application:
    app = (
        own_applications(user=user)
        .prefetch_related(Prefetch("materials", queryset=ApplicationMaterial.objects.order_by("position")))
        .filter(pk=pk)
        .first()
    )
    if app is None:
        raise NotFound(_("No such application."))
    return app


def clerk_drafts(*, user) -> QuerySet:
    """The drafts a window clerk has begun and not submitted."""
    if not user.can("egov.process"):
        return Application.objects.none()
    return (
        Application.objects.filter(status=Status.DRAFT, owner__isnull=True, created_by=user.username)
        .select_related("version", "item")
        .order_by("-updated_at")
    )


def queue_counts(*, user, now=None) -> dict[str, int]:
    """How many applications each working view of the queue holds: a count by status and one of the
    overdue, each on the queue's index (one conditional aggregate of both makes SQLite read the table)."""
    now = now or timezone.now()
    qs = staff_applications(user).filter(status__in=NOT_FINAL)
    by_status = dict(qs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    counts = {view: sum(by_status.get(s, 0) for s in statuses) for view, statuses in COUNTED_VIEWS.items()}
    counts["overdue"] = qs.filter(clock_started_at__isnull=False, due_at__lt=now).count()
    return counts
