"""The ratings' clocks, recomputed from the rows: idempotent and safe across restarts.

Each minute the worker (job ``egov.ratings``):

1. opens the rating of every concluded application that has none (the hook of ``listen`` opens it at
   once; this catches any it missed — a failed listener, a worker that was down, rows written in bulk);
2. reminds, once, the applicants who have not rated by the reminder day;
3. rates by default the ratings whose period has passed;
4. closes the follow-ups whose period to re-rate passed without a re-rating;
5. escalates a follow-up whose contact is overdue (to the department's handlers and the service
   centre's supervisors), and once more one whose answer is overdue. An appeal stops both clocks.

Each step locks its row and looks again, or updates it only where it still stands as it was read, so
a second sweep, or two sweepers at once, change nothing more.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.egov.choices import FollowUpState, RatingState
from cityops.egov.models import Application, FollowUp, Rating
from cityops.egov.ratings import followup, notify, rules, services
from cityops.egov.ratings.history import record

BATCH = 500


@dataclass
class SweepResult:
    opened: int = 0
    reminded: int = 0
    defaulted: int = 0
    closed: int = 0
    escalated: int = 0

    def __bool__(self) -> bool:
        return any(vars(self).values())


def _open(now) -> int:
    missing = Application.objects.filter(status__in=rules.RATEABLE, rating__isnull=True).order_by("id")
    return sum(services.rating_open(app, now=now)[1] for app in missing[:BATCH])


def _each_rating(qs, step, now) -> int:
    done = 0
    for pk in qs.values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            row = Rating.objects.select_for_update(of=("self",)).select_related(
                "application", "application__version"
            )
            rating = row.filter(pk=pk).first()
            done += bool(rating and step(rating, now))
    return done


def _close_unrated(now) -> int:
    done = 0
    due = FollowUp.objects.filter(state=FollowUpState.RECTIFIED, rerate_due_at__lt=now)
    for pk in due.values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            f = FollowUp.objects.select_for_update(of=("self",)).select_related("rating__application")
            f = f.filter(pk=pk).first()
            done += bool(f and followup.close_unrated(f, now))
    return done


def _escalate(now, level: int, due_field: str, states, step: str, text: str) -> int:
    done = 0
    late = FollowUp.objects.filter(state__in=states, escalation__lt=level, **{f"{due_field}__lt": now})
    for f in late.select_related("rating__application__version").order_by(due_field)[:BATCH]:
        with transaction.atomic():
            hit = FollowUp.objects.filter(pk=f.pk, revision=f.revision).update(
                escalation=level, revision=F("revision") + 1
            )
            if not hit:
                continue  # it moved meanwhile; the next sweep looks again
            due = getattr(f, due_field)
            record(f, step, application=f.rating.application, at=now, data={"due": due.isoformat()})
            notify.tell(notify.handlers(f.rating) + list(notify.supervisors()), f.rating, text)
            done += 1
    return done


def sweep(now=None) -> SweepResult:
    """Open, remind, default, close and escalate every rating and follow-up whose clock calls for it, once."""
    now = now or timezone.now()
    r = SweepResult(opened=_open(now))
    invited = Rating.objects.filter(state=RatingState.INVITED)
    r.reminded = _each_rating(
        invited.filter(remind_at__lte=now, reminded_at__isnull=True, due_at__gt=now),
        services.rating_remind,
        now,
    )
    r.defaulted = _each_rating(invited.filter(due_at__lte=now), services.rating_default, now)
    r.closed = _close_unrated(now)
    open_states = [FollowUpState.OPEN, FollowUpState.CONTACTED]
    r.escalated = _escalate(
        now, 1, "contact_due_at", [FollowUpState.OPEN], "contact_overdue", _("bad rating: contact overdue")
    ) + _escalate(now, 2, "rectify_due_at", open_states, "rectify_overdue", _("bad rating: answer overdue"))
    return r
