"""What the applicant reads and does of a rating — online, at a kiosk, through the public API — chosen
here and nowhere else.

The lookup is the progress lookup's (``applications.public``): the tracking number and the applicant's
mobile number, a wrong one and a wrong number answered alike, the same hourly limit per address (one
count per lookup). A page that found the rating carries a signed token of it for the next step, so the
phone number is typed once and never travels again; the token expires after ``TOKEN_SECONDS``. What is
shown is the item, the department, the dates, the state and the level — no name, no clerk, no note.
"""

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core import ratelimit
from cityops.core.errors import DomainError, NotFound
from cityops.egov.applications.public import lookup_limit, lookups_per_hour
from cityops.egov.choices import FollowUpState, RatingLevel, RatingState
from cityops.egov.models import Rating
from cityops.egov.ratings import selectors, services
from cityops.egov.ratings.services import RatingIn

TOKEN_SECONDS = 15 * 60
_SALT = "cityops.egov.rating"


class TooManyLookups(DomainError):
    status = 429
    title = "Too many requests"


def _no_match() -> NotFound:
    return NotFound(_("No application matches this tracking number and mobile number."))


def lookup(number: str, phone: str, who: str):
    """(application, rating) for the applicant at address ``who``; the rating is None while the
    application is not concluded. A 404 for a wrong number or phone, a 429 past the hourly limit."""
    if ratelimit.exceeded(lookup_limit(), who):
        raise TooManyLookups(
            _("Too many look-ups from your network: at most %(n)d an hour. Please try again later.")
            % {"n": lookups_per_hour()}
        )
    ratelimit.hit(lookup_limit(), who)
    app, rating = selectors.public_lookup(number, phone)
    if app is None:
        raise _no_match()
    return app, rating


def token(rating: Rating) -> str:
    return signing.dumps({"r": rating.pk, "v": rating.revision}, salt=_SALT, compress=True)


def from_token(value: str) -> Rating:
    """The rating a page's token names, as it stood when the token was made; a 404 when the token is
    forged, expired, or the rating changed since."""
    try:
        data = signing.loads(value or "", salt=_SALT, max_age=TOKEN_SECONDS)
    except signing.BadSignature:
        raise NotFound(_("This page has expired. Please look up your application again.")) from None
    rating = Rating.objects.select_related("application", "application__version", "department").filter(
        pk=data.get("r"), revision=data.get("v")
    )
    found = rating.first()
    if found is None:
        raise NotFound(_("This page has expired. Please look up your application again."))
    return found


def view(app, rating: Rating | None, now=None) -> dict:
    """The application's rating as the applicant may read it."""
    now = now or timezone.now()
    out = {
        "number": app.number,
        "item": app.version.name,
        "department": app.department.name,
        "concluded_at": rating.concluded_at if rating else None,
        "state": rating.state if rating else "",
        "level": rating.level if rating and rating.state != RatingState.INVITED else None,
        "level_label": str(RatingLevel(rating.level).label) if rating and rating.level else "",
        "can_rate": False,
        "again": False,
        "rate_by": None,
        "message": "",
    }
    if rating is None:
        out["message"] = _("This application is not concluded yet; you can rate the service once it is.")
        return out
    f = getattr(rating, "follow_up", None)
    if selectors.is_open_for_applicant(rating, now):
        again = rating.state == RatingState.RATED
        out.update(can_rate=True, again=again, rate_by=f.rerate_due_at if again else rating.due_at)
        if again:
            out["message"] = _("The department has answered your rating. How do you rate the service now?")
        return out
    out["message"] = services.refusal(rating) or _("The period for rating this application has ended.")
    if f is not None and f.state not in (FollowUpState.CLOSED, FollowUpState.RECTIFIED):
        out["message"] = _("Thank you. The department will contact you about your rating.")
    return out


def rate(rating: Rating, data: RatingIn, source: str, now=None) -> Rating:
    """The applicant's rating (or re-rating) from ``source`` (online or kiosk)."""
    return services.rating_give(rating=rating, data=data, source=source, now=now)
