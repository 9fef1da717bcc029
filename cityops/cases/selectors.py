"""Reads of cases, each restricted to the acting user's scope."""

from dataclasses import dataclass, fields

from django.db.models import Case as CaseExpr
from django.db.models import CharField, Exists, Max, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from cityops.cases.choices import OPEN_STATUSES, DeadlineColour
from cityops.cases.models import Case, CaseEvent, CaseReport, Notification
from cityops.cases.workflow import allowed_actions
from cityops.core.errors import NotFound


def with_colour(qs, now=None):
    """Annotate each case with its deadline colour (red overdue, yellow due soon, green, none)."""
    now = now or timezone.now()
    return qs.annotate(
        colour=CaseExpr(
            When(
                Q(step_deadline__isnull=True) | ~Q(status__in=OPEN_STATUSES), then=Value(DeadlineColour.NONE)
            ),
            When(step_deadline__lt=now, then=Value(DeadlineColour.RED)),
            When(step_warn_at__lte=now, then=Value(DeadlineColour.YELLOW)),
            default=Value(DeadlineColour.GREEN),
            output_field=CharField(),
        )
    )


@dataclass
class CaseFilter:
    status: list[str] | None = None
    colour: str | None = None
    area: str | None = None
    village: str | None = None
    grid: str | None = None
    department: str | None = None
    channel: str | None = None
    item: str | None = None
    number: str | None = None
    assigned_to_me: bool = False
    open_only: bool = False
    escalated: bool = False
    supervised: bool = False

    @classmethod
    def of(cls, values: dict, **renamed: str) -> "CaseFilter":
        """A filter from a mapping of field values; ``renamed`` maps a field to the mapping's own key."""
        out = {}
        for f in fields(cls):
            key = renamed.get(f.name, f.name)
            if key in values:
                out[f.name] = values[key]
        return cls(**out)


def case_list(*, user, filters: CaseFilter | None = None, now=None):
    """Cases the user may see, filtered, most urgent first."""
    f = filters or CaseFilter()
    qs = (
        Case.objects.restrict(user, "cases.view")
        .select_related("item", "grid", "village", "area", "department", "workstation")
        # a list shows the units' names: their polygons (kilobytes each, per row) stay in the database
        .defer("grid__geometry", "village__geometry", "area__geometry")
    )
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    for name, lookup in (
        ("area", "area__code"),
        ("village", "village__code"),
        ("grid", "grid__code"),
        ("department", "department__code"),
        ("channel", "channel"),
        ("item", "item__code"),
        ("number", "number"),
    ):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{lookup: value})
    if f.assigned_to_me:
        qs = qs.filter(assignee=user)
    if f.escalated:
        qs = qs.filter(escalation__gt=0)
    if f.supervised:
        qs = qs.filter(supervision__gt=0)
    qs = with_colour(qs, now)
    if f.colour:
        qs = qs.filter(colour=f.colour)
    return qs.order_by("step_deadline", "-reported_at")


def case_get(*, user, number: str) -> Case:
    case = (
        with_colour(
            Case.objects.restrict(user, "cases.view").select_related(
                "item",
                "grid",
                "village",
                "area",
                "department",
                "workstation",
                "reporter",
                "assignee",
                "category",
                "big_category",
            )
        )
        .filter(number=number)
        .first()
    )
    if case is None:
        raise NotFound(f"There is no case {number!r} in your scope.")
    return case


def reported_by(*, user):
    """Cases in the user's scope that the user reported (first or again), the latest report first."""
    mine = CaseReport.objects.filter(case=OuterRef("pk"), reporter=user)
    last = mine.values("case").annotate(at=Max("at")).values("at")
    return (
        with_colour(
            Case.objects.restrict(user, "cases.view")
            .select_related("item", "grid", "village")
            .defer("grid__geometry", "village__geometry")
        )
        .filter(Exists(mine))
        .annotate(my_reported_at=Subquery(last))
        .order_by("-my_reported_at", "-id")
    )


def resident_reports(*, user):
    """The reports a signed-in resident sent, newest first, with what a resident may see of the case.

    Scope does not apply: a resident has none, and sees only their own reports (as the tracking code
    would show them), never other people's.
    """
    return (
        CaseReport.objects.filter(reporter=user)
        .select_related("case", "case__item", "case__grid")
        .defer("case__grid__geometry")
        .order_by("-at", "-id")
    )


def case_history(case: Case):
    return CaseEvent.objects.filter(case=case).select_related("actor").prefetch_related("attachments")


def case_actions(case: Case, user) -> list[str]:
    return [t.action for t in allowed_actions(case, user)]


def inbox(*, user, unread_only: bool = False):
    qs = Notification.objects.filter(user=user).select_related("case")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def case_counts() -> dict:
    """Catalogue and case figures for `cityops stats`."""
    from django.db.models import Count

    from cityops.cases.models import CaseDailyStat, CaseEvent, ItemCategory, PatrolItem

    by_status = dict(Case.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "patrol_items": PatrolItem.objects.count(),
        "item_categories": ItemCategory.objects.count(),
        "patrol_item_departments": PatrolItem.objects.values("department").distinct().count(),
        "cases": sum(by_status.values()),
        "cases_by_status": by_status,
        "case_events": CaseEvent.objects.count(),
        "case_daily_stats": CaseDailyStat.objects.count(),
    }
