"""A rating's own steps: opened when its application is concluded, given once (by the applicant online
or at a kiosk, or from the window's rating device by the clerk), given again only after a bad rating
was answered, and given by default when the period passes. Each step is one transaction with its
timeline row and audit record; the follow-up of a bad rating is ``followup``'s.

A step that the period has already decided is taken first (as the applications' deemed acceptance), so
nobody rates an application that counts as rated by default, and the answer says so.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.egov.choices import (
    BAD_LEVEL,
    FollowUpState,
    RatingLevel,
    RatingProblem,
    RatingSource,
    RatingState,
)
from cityops.egov.models import Application, Rating
from cityops.egov.ratings import followup, notify, rules
from cityops.egov.ratings.history import record

MAX_COMMENT = 500
APPLICANT_SOURCES = (RatingSource.ONLINE, RatingSource.KIOSK)


@dataclass
class RatingIn:
    """What a rating gives: the level (5 非常满意 … 1 非常不满意) and, with a bad one, what went wrong."""

    level: int | None = None
    problems: list[str] = field(default_factory=list)
    comment: str = ""


def _fail(errors: list[dict]):
    detail = _("The rating cannot be taken: %(problems)s") % {
        "problems": "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    }
    raise ValidationFailed(detail, errors=errors)


def _check(data: RatingIn, source: str) -> None:
    errors = []
    level = data.level
    valid = not isinstance(level, bool) and isinstance(level, int) and level in RatingLevel.values
    if not valid:
        errors.append(
            {"field": "level", "message": _("a level from 1 (very dissatisfied) to 5 (very satisfied)")}
        )
    unknown = [p for p in data.problems if p not in RatingProblem.values]
    if unknown:
        errors.append(
            {
                "field": "problems",
                "message": _("unknown %(given)s; one or more of %(values)s")
                % {"given": ", ".join(map(str, unknown)), "values": ", ".join(RatingProblem.values)},
            }
        )
    elif valid and level > BAD_LEVEL and data.problems:
        errors.append({"field": "problems", "message": _("only a bad rating says what went wrong")})
    elif valid and level <= BAD_LEVEL and not data.problems and source in APPLICANT_SOURCES:
        errors.append(
            {"field": "problems", "message": _("a bad rating says what went wrong: choose at least one")}
        )
    if len(data.comment) > MAX_COMMENT:
        errors.append(
            {"field": "comment", "message": _("no more than %(n)s characters") % {"n": MAX_COMMENT}}
        )
    if errors:
        _fail(errors)


# ---- opening ---------------------------------------------------------------------------------------


def rating_open(app: Application, *, now=None) -> tuple[Rating | None, bool]:
    """The rating of a concluded application, opened (and the applicant invited) if it has none yet;
    (None, False) for an application that is not concluded. Safe to call twice and from two places."""
    now = now or timezone.now()
    with transaction.atomic():
        app = (
            Application.objects.select_for_update(of=("self",))
            .select_related("version")
            .filter(pk=app.pk)
            .first()
        )
        if app is None or app.status not in rules.RATEABLE:
            return None, False
        existing = Rating.objects.filter(application=app).first()
        if existing is not None:
            return existing, False
        at = rules.concluded_at(app)
        rating = Rating.objects.create(
            application=app,
            item_id=app.item_id,
            department_id=app.department_id,
            area_id=app.area_id,
            village_id=app.village_id,
            clerk_id=app.assignee_id,
            channel=app.channel,
            concluded_at=at,
            due_at=rules.rating_due(at),
            remind_at=rules.remind_at(at),
            created_at=now,
        )
        record(
            rating,
            "invite",
            application=app,
            at=now,
            data={"due": rating.due_at.isoformat()},
            after={"state": rating.state},
        )
        if rating.due_at > now:
            notify.tell_applicant(rating, "invite", at=now)
    return rating, True


# ---- what the period decides -----------------------------------------------------------------------


def rating_default(rating: Rating, now) -> bool:
    """Rate ``rating`` (locked by the caller) by default when its period has passed unrated."""
    if rating.state != RatingState.INVITED or rating.due_at > now:
        return False
    rating.state, rating.source = RatingState.DEFAULTED, RatingSource.DEFAULT
    rating.level = rating.first_level = rules.default_level()
    rating.rated_at = now
    rating.revision += 1
    rating.save()
    record(
        rating,
        "default",
        application=rating.application,
        at=now,
        data={"level": rating.level, "due": rating.due_at.isoformat()},
        before={"state": RatingState.INVITED},
        after={"state": rating.state},
    )
    return True


def _settle(rating: Rating, now) -> str | None:
    """Whatever the period has decided for ``rating`` (locked), done now; why it cannot be rated, or None."""
    if rating_default(rating, now):
        return _("The period for rating ended on %(due)s; the service counts as %(level)s by default.") % {
            "due": timezone.localtime(rating.due_at).strftime("%Y-%m-%d"),
            "level": RatingLevel(rating.level).label,
        }
    follow_up = getattr(rating, "follow_up", None)
    if follow_up is not None and followup.close_unrated(follow_up, now):
        return _("The period for rating again ended on %(due)s; the first rating stands.") % {
            "due": timezone.localtime(follow_up.rerate_due_at).strftime("%Y-%m-%d")
        }
    return None


def refusal(rating: Rating) -> str | None:
    """Why ``rating`` cannot be given now (a 409), or None."""
    if rating.state == RatingState.INVITED:
        return None
    follow_up = getattr(rating, "follow_up", None)
    if rating.state == RatingState.RATED and follow_up and follow_up.state == FollowUpState.RECTIFIED:
        return None
    if rating.state == RatingState.DEFAULTED:
        return _("The period for rating has ended; the service counts as %(level)s by default.") % {
            "level": RatingLevel(rating.level).label
        }
    return _("This application was rated %(level)s on %(at)s; it is rated once.") % {
        "level": RatingLevel(rating.level).label,
        "at": timezone.localtime(rating.rerated_at or rating.rated_at).strftime("%Y-%m-%d"),
    }


# ---- giving a rating --------------------------------------------------------------------------------


def _locked(rating: Rating) -> Rating:
    row = (
        Rating.objects.select_for_update(of=("self",))
        .select_related("application", "application__version")
        .filter(pk=rating.pk)
        .first()
    )
    if row is None:
        raise NotFound(_("No such rating."))
    return row


def rating_give(
    *, rating: Rating, data: RatingIn, source: str, by=None, now=None, revision: int | None = None
) -> Rating:
    """Rate the service (or rate it again after a bad rating was answered) from ``source``; ``by`` is
    the clerk entering a window device's result, None for the applicant. A bad rating opens its follow-up."""
    now = now or timezone.now()
    if source not in RatingSource.values or source == RatingSource.DEFAULT:
        _fail([{"field": "source", "message": _("online, kiosk or window")}])
    _check(data, source)
    with transaction.atomic():  # first what the period has decided, kept whatever follows
        why = _settle(_locked(rating), now)
    if why:
        raise Conflict(why)
    with transaction.atomic():
        rating = _locked(rating)
        if revision is not None and revision != rating.revision:
            raise Conflict(_("The rating has changed since you opened it; look again."))
        why = refusal(rating)
        if why:
            raise Conflict(why)
        if rating.state == RatingState.INVITED:
            _first(rating, data, source, by, now)
        else:
            _again(rating, data, source, by, now)
    return rating


def _first(rating: Rating, data: RatingIn, source: str, by, now) -> None:
    rating.state, rating.source = RatingState.RATED, source
    rating.level = rating.first_level = data.level
    rating.problems, rating.comment = list(dict.fromkeys(data.problems)), data.comment.strip()
    rating.rated_at = now
    rating.recorded_by = by if getattr(by, "pk", None) else None
    rating.revision += 1
    rating.save()
    record(
        rating,
        "rate",
        application=rating.application,
        by=by,
        actor="applicant",
        at=now,
        note=rating.comment,
        data={"level": rating.level, "source": source, "problems": rating.problems},
        before={"state": RatingState.INVITED},
        after={"state": rating.state},
    )
    if RatingLevel(rating.level).bad:
        followup.follow_up_open(rating, now)


def _again(rating: Rating, data: RatingIn, source: str, by, now) -> None:
    before = rating.level
    rating.level, rating.rerated_at = data.level, now
    rating.revision += 1
    rating.save()
    record(
        rating,
        "rerate",
        application=rating.application,
        by=by,
        actor="applicant",
        at=now,
        note=data.comment.strip(),
        data={"level": rating.level, "source": source, "problems": list(dict.fromkeys(data.problems))},
        before={"level": before},
        after={"level": rating.level},
    )
    followup.close_rerated(rating.follow_up, now)


def rating_remind(rating: Rating, now) -> bool:
    """Remind the applicant once (``rating`` locked by the caller) while the period still runs."""
    if rating.state != RatingState.INVITED or rating.reminded_at or not rating.remind_at:
        return False
    if rating.remind_at > now or rating.due_at <= now:
        return False
    rating.reminded_at = now
    rating.revision += 1
    rating.save(update_fields=["reminded_at", "revision"])
    notify.tell_applicant(rating, "remind", at=now)
    record(rating, "remind", application=rating.application, at=now, data={"due": rating.due_at.isoformat()})
    return True


def rating_record_window(*, by, number: str, data: RatingIn, now=None, revision: int | None = None) -> Rating:
    """The clerk enters the result of the window's rating device for application ``number`` (in scope)."""
    from cityops.egov.ratings.selectors import rating_get

    if not by.can("egov.process"):
        raise Forbidden(_("Only a window clerk enters the result of a window's rating device."))
    rating = rating_get(user=by, number=number, action="egov.process")
    return rating_give(
        rating=rating, data=data, source=RatingSource.WINDOW, by=by, now=now, revision=revision
    )
