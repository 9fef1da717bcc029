"""Reading ratings and follow-ups, always through ``restrict`` (a hidden one is a 404), and the public's
reading of a rating by tracking number and phone (the same rules as the progress lookup)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core.errors import NotFound
from cityops.egov.applications.public import find
from cityops.egov.choices import BAD_LEVEL, FollowUpState, RatingState
from cityops.egov.models import ApplicationEvent, FollowUp, Rating
from cityops.egov.ratings.kpis import Where

READ = "egov.applications"


@dataclass
class RatingFilter:
    start: date | None = None
    end: date | None = None
    department: str = ""
    state: str = ""
    source: str = ""
    level: int | None = None
    bad: bool = False
    number: str = ""


def rating_list(*, user, filters: RatingFilter):
    """The ratings the user may see, the latest concluded first."""
    qs = Rating.objects.restrict(user, READ).select_related(
        "application", "application__version", "item", "department", "clerk", "follow_up"
    )
    if filters.start and filters.end:
        qs = qs.filter(Where(start=filters.start, end=filters.end).q())
    if filters.department:
        qs = qs.filter(department__code=filters.department)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.bad:
        qs = qs.filter(first_level__lte=BAD_LEVEL)
    if filters.number:
        qs = qs.filter(application__number=filters.number.strip())
    return qs.order_by("-concluded_at", "-id")


def rating_get(*, user, number: str, action: str = READ) -> Rating:
    """The rating of application ``number`` if the user may see it (for ``action``); else a 404."""
    rating = (
        Rating.objects.restrict(user, action)
        .select_related("application", "application__version", "item", "department", "clerk", "recorded_by")
        .filter(application__number=number)
        .first()
    )
    if rating is None:
        raise NotFound(_("No rating of application %(number)s in your scope.") % {"number": number})
    return rating


@dataclass
class FollowUpFilter:
    state: str = ""  # a state, or "active" (not closed)
    department: str = ""
    overdue: bool = False


def overdue_q(now) -> Q:
    return Q(state=FollowUpState.OPEN, contact_due_at__lt=now) | Q(
        state__in=[FollowUpState.OPEN, FollowUpState.CONTACTED], rectify_due_at__lt=now
    )


def is_overdue(f: FollowUp, now) -> bool:
    """What ``overdue_q`` says, of one follow-up already read."""
    late_contact = f.state == FollowUpState.OPEN and f.contact_due_at < now
    late_answer = f.state in (FollowUpState.OPEN, FollowUpState.CONTACTED) and f.rectify_due_at < now
    return late_contact or late_answer


def follow_up_list(*, user, filters: FollowUpFilter, now=None):
    """The follow-ups the user may see: appeals and the soonest due first."""
    now = now or timezone.now()
    qs = FollowUp.objects.restrict(user, READ).select_related(
        "rating", "rating__application", "rating__application__version", "department"
    )
    if filters.state == "active":
        qs = qs.exclude(state=FollowUpState.CLOSED)
    elif filters.state:
        qs = qs.filter(state=filters.state)
    if filters.department:
        qs = qs.filter(department__code=filters.department)
    if filters.overdue:
        qs = qs.filter(overdue_q(now))
    return qs.order_by("closed_at", "rectify_due_at", "id")


def follow_up_get(*, user, number: str) -> FollowUp:
    """The follow-up of application ``number``'s bad rating, if the user may see it; else a 404."""
    f = (
        FollowUp.objects.restrict(user, READ)
        .select_related(
            "rating",
            "rating__application",
            "rating__application__version",
            "rating__clerk",
            "department",
            "contacted_by",
            "rectified_by",
            "appealed_by",
            "appeal_decided_by",
        )
        .filter(rating__application__number=number)
        .first()
    )
    if f is None:
        raise NotFound(_("No follow-up of application %(number)s in your scope.") % {"number": number})
    return f


def rating_steps(application) -> list[ApplicationEvent]:
    """The rating's steps in the application's timeline."""
    return list(
        ApplicationEvent.objects.filter(application=application, action__startswith="rating.")
        .select_related("actor")
        .order_by("at", "id")
    )


def public_lookup(number: str, phone: str):
    """(application, rating) for this tracking number and this applicant's phone: (None, None) for a
    wrong number or a wrong phone alike; the rating is None while the application is not concluded."""
    app = find(number, phone)
    if app is None:
        return None, None
    rating = Rating.objects.select_related("application", "application__version", "department")
    return app, rating.filter(application=app).first()


def is_open_for_applicant(rating: Rating, now=None) -> bool:
    now = now or timezone.now()
    if rating.state == RatingState.INVITED:
        return rating.due_at > now
    f = getattr(rating, "follow_up", None)
    return bool(f and f.state == FollowUpState.RECTIFIED and f.rerate_due_at and f.rerate_due_at > now)
