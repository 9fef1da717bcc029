"""What the public may read of an application, chosen here and nowhere else: the tracking lookup of the
kiosk, the public page and the public API.

A lookup needs the tracking number and the applicant's mobile number. A wrong number and a wrong phone
get the same answer ("no application matches"), by the same path: one read of the number's row, one
constant-time comparison of the phone (against a stand-in when there is no row), nothing else. What is
shown is the item, the status in fixed words, the steps' names and dates, the deadline and, during a
request for supplement, the names of the materials asked for — never a name, an ID number, a clerk or
a note someone typed.
"""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.core import ratelimit
from cityops.core.workcalendar import get_calendar
from cityops.egov.applications import clock
from cityops.egov.applications.intake import normalise_phone
from cityops.egov.applications.workflow import label
from cityops.egov.choices import Channel, Status
from cityops.egov.models import Application

WINDOW_SECONDS = 3600
STAND_IN = "00000000000"
MAX_NUMBER = 20
# What the applicant sees of the history: the steps of the vouchers, never internal ones.
PUBLIC_STEPS = frozenset(
    {
        "submit",
        "request_supplement",
        "supply",
        "accept",
        "deem_accept",
        "not_accept",
        "start_review",
        "begin_special",
        "end_special",
        "approve_extension",
        "approve",
        "deny",
        "pay",
        "deliver",
        "withdraw",
    }
)
STATUS_NOTES = {
    Status.RECEIVED: _("Received; the window is checking the materials."),
    Status.SUPPLEMENT: _(
        "Supplementary materials are needed (listed below); the time limit stands still until they arrive."
    ),
    Status.ACCEPTED: _("Accepted; it will be reviewed within the promised time."),
    Status.NOT_ACCEPTED: _("Not accepted; the written notice gives the reason and what you may do."),
    Status.UNDER_REVIEW: _("Being reviewed."),
    Status.SPECIAL: _(
        "In a special procedure (a hearing, a test, an expert review …), which the time limit does not count."
    ),
    Status.EXTENDED: _("Being reviewed; the time limit has been extended with approval."),
    Status.AWAITING_FEE: _("Approved; the fee is to be paid."),
    Status.COMPLETED: _("Completed; the result is being delivered."),
    Status.DENIED: _("Denied; the written decision gives the reason and your rights of review and appeal."),
    Status.DELIVERED: _("Completed; the result has been delivered."),
    Status.WITHDRAWN: _("Withdrawn at the applicant's request."),
}


def lookups_per_hour() -> int:
    return getattr(settings, "CITYOPS_APPLICATION_LOOKUPS_PER_HOUR", 30)


def lookup_limit() -> ratelimit.Limit:
    return ratelimit.Limit("application-lookup", lookups_per_hour(), WINDOW_SECONDS)


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def find(number: str, phone: str) -> Application | None:
    """The application with this tracking number and this applicant's phone; None for either wrong."""
    number = "".join((number or "").split())[:MAX_NUMBER]
    row = (
        Application.objects.exclude(status=Status.DRAFT)
        .filter(number=number)
        .select_related("version", "department")
        .first()
        if number
        else None
    )
    given = normalise_phone(phone or "")
    same = hmac.compare_digest(_digest(given), _digest(row.phone if row else STAND_IN))
    return row if row is not None and same else None


def public_view(app: Application, now=None) -> dict:
    """The application as its applicant may read it anywhere: no personal data."""
    now = now or timezone.now()
    status = Status(app.status)
    steps = [
        {"action": e.action, "label": label(e.action), "at": e.at}
        for e in app.events.filter(action__in=PUBLIC_STEPS).order_by("at", "id")
    ]
    asked = list(app.materials.filter(requested=True).values_list("name", flat=True))
    running = app.clock_started_at is not None
    return {
        "number": app.number,
        "item": app.version.name,
        "department": app.department.name,
        "channel": str(Channel(app.channel).label),
        "status": status.value,
        "status_label": str(status.label),
        "status_colour": status.colour,
        "status_note": str(STATUS_NOTES.get(status, "")),
        "received_at": app.received_at,
        "due_at": app.due_at if running and app.clock_phase == "decision" else None,
        "days_left": _days_left(app, now) if running and app.clock_phase == "decision" else None,
        "paused": app.clock_phase != "none" and not running,
        "supplement": asked if app.status == Status.SUPPLEMENT else [],
        "steps": steps,
    }


def _days_left(app: Application, now) -> int:
    cal = get_calendar()
    minutes = clock.left_minutes(app, now, cal)
    return -(-minutes // cal.minutes_per_day) if minutes > 0 else 0


@dataclass
class Tracked:
    """A lookup's answer: the public view, or nothing (no match), or refused (too many lookups)."""

    view: dict | None = None
    refused: bool = False


def track(*, number: str, phone: str, client: str, now=None) -> Tracked:
    """A lookup by a client (its address), counted against the hourly limit before anything is read."""
    limit = lookup_limit()
    if ratelimit.exceeded(limit, client):
        return Tracked(refused=True)
    ratelimit.hit(limit, client)
    app = find(number, phone)
    return Tracked(view=public_view(app, now) if app is not None else None)
