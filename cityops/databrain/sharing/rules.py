"""Who may do what in sharing, and the request's 10-working-day clock.

The data steward (``databrain.change``) manages consumers, keys and grants and may decide any
request; a department's staff with ``databrain.share`` ask on behalf of their own department and
decide the requests for the resources their department provides.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from cityops.core.workcalendar import get_calendar

DECISION_DAYS = 10  # working days a provider has to decide a conditional request
WARN_DAYS_LEFT = 1  # the warning comes when this many working days are left


def may_manage(user) -> bool:
    return user.can("databrain.change")


def may_request_for(user, consumer) -> bool:
    if may_manage(user):
        return True
    return user.can("databrain.share") and consumer.department_id in user.department_ids()


def may_decide(user, resource) -> bool:
    if may_manage(user):
        return True
    return user.can("databrain.share") and resource.provider_id in user.department_ids()


def request_scope(user) -> Q | None:
    """The requests ``user`` may see (None: all of them)."""
    if may_manage(user):
        return None
    q = Q(requested_by_id=user.pk)
    if user.can("databrain.share"):
        depts = user.department_ids()
        q |= Q(consumer__department_id__in=depts) | Q(resource__provider_id__in=depts)
    return q


def due_at(submitted: datetime) -> datetime:
    return get_calendar().add_working_days(submitted, DECISION_DAYS)


def warn_at(submitted: datetime) -> datetime:
    return get_calendar().add_working_days(submitted, DECISION_DAYS - WARN_DAYS_LEFT)


@dataclass
class Clock:
    """A pending request's clock as a page shows it."""

    due: datetime
    days_left: int  # working days left, a part of a day counting as one; 0 once overdue
    days_over: int  # working days past due, a part of a day counting as one
    warning: bool
    overdue: bool


def clock(request, now=None) -> Clock | None:
    if request.due_at is None:
        return None
    now = now or timezone.now()
    cal = get_calendar()
    minutes = cal.working_minutes_between(now, request.due_at)
    per_day = cal.minutes_per_day
    overdue = now > request.due_at
    return Clock(
        due=request.due_at,
        days_left=-(-minutes // per_day) if minutes > 0 else 0,
        days_over=max(1, -(minutes // per_day)) if overdue else 0,
        warning=not overdue and now >= warn_at(request.requested_at),
        overdue=overdue,
    )
