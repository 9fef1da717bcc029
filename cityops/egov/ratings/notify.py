"""Who is told about a rating's step: the applicant by a fixed text to their phone (the outbox of the
applications' messages), the department's handlers and the service centre's supervisors in their inbox.
An applicant's text never carries a clerk's or a handler's own words."""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cityops.accounts.models import User
from cityops.accounts.roles import Role
from cityops.cases.models import Notification
from cityops.egov.applications.notify import approvers, staff_text, tell_staff
from cityops.egov.choices import Disposition, RatingLevel
from cityops.egov.models import ApplicantMessage
from cityops.egov.ratings import rules

KIND = "egov.rating"


def supervisors():
    return User.objects.filter(role=Role.SERVICE_SUPERVISOR, is_active=True)


def handlers(rating):
    """The handlers of the rating's department, who follow up its bad ratings."""
    return list(approvers(rating.application))


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _applicant_text(rating, kind: str) -> str | None:
    app = rating.application
    follow_up = getattr(rating, "follow_up", None) if kind in ("rectify", "bad") else None
    texts = {
        "invite": _(
            "Application %(number)s for %(name)s is concluded. Please rate the service by %(due)s, online or "
            "at a self-service kiosk with the tracking number and this phone number."
        ),
        "remind": _(
            "Please rate application %(number)s by %(due)s; without a rating it counts as %(default)s."
        ),
        "bad": _(
            "Application %(number)s: we are sorry the service fell short. The department will contact you "
            "by %(contact)s."
        ),
        "rectify": _(
            "Application %(number)s: the department has answered your rating (%(disposition)s). Please rate "
            "the service again by %(rerate)s."
        ),
    }
    text = texts.get(kind)
    if text is None:
        return None
    return text % {
        "number": app.number,
        "name": app.version.name,
        "due": _when(rating.due_at),
        "default": RatingLevel(rules.default_level()).label,
        "contact": _when(follow_up.contact_due_at) if follow_up else "",
        "rerate": _when(follow_up.rerate_due_at) if follow_up else "",
        "disposition": Disposition(follow_up.disposition).label
        if follow_up and follow_up.disposition
        else "",
    }


def tell_applicant(rating, kind: str, *, at=None) -> ApplicantMessage | None:
    """The fixed text of ``kind`` to the applicant's phone (and inbox, when they applied online)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _applicant_text(rating, kind)
    if text is None:
        return None
    app = rating.application
    message = ApplicantMessage.objects.create(
        application=app, kind=f"rating_{kind}", text=text[:300], at=at or timezone.now()
    )
    if app.owner_id:
        Notification.objects.create(user_id=app.owner_id, kind=KIND, text=text[:300])
    return message


def tell(users, rating, what: str, *, skip=None) -> int:
    """Staff ``users`` told ``what`` about the rating's application."""
    return tell_staff(users, staff_text(rating.application, what), skip=skip)
