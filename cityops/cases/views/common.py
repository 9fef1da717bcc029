"""Grid governance pages: what every page shares (access, how a case is shown, error messages).

The pages themselves live in this package by concept: the workbench, one case, the inspector's
phone pages, the department page, the case map and inbox, and the public resident pages. Every read
goes through the selectors (scope in one place) and every change through ``case_intake`` or
``case_transition``; a case outside the user's scope is a 404.
"""

import re
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cityops.cases import deadlines, selectors
from cityops.cases.choices import Channel, DeadlineColour, Status
from cityops.cases.models import Case
from cityops.cases.workflow import TRANSITIONS
from cityops.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from cityops.core.pages import requires
from cityops.core.workcalendar import get_calendar

# Events that are not transitions of the table, with the label the history shows.
EVENT_LABELS = {
    "report": gettext_lazy("Case reported"),
    "duplicate_report": gettext_lazy("Reported again (merged into this case)"),
    "escalate": gettext_lazy("Escalated: overdue"),
    "source_resolved": gettext_lazy("Closed by its source: the fault has cleared"),
}


def staff_page(action: str = "cases.view"):
    """Sign-in required, and the role must grant ``action`` (else 403)."""
    return requires(action)


def case_or_404(user, number: str):
    try:
        return selectors.case_get(user=user, number=number)
    except NotFound as exc:
        raise Http404(exc.detail) from None


# The table's "Cancel" shares its msgid with every Cancel button (取消); a case is voided (作废).
LABEL_OVERRIDES = {"cancel": gettext_lazy("Cancel the case")}


def event_label(action: str) -> str:
    if action in LABEL_OVERRIDES:
        return str(LABEL_OVERRIDES[action])
    t = TRANSITIONS.get(action)
    if t is not None:
        return str(t.label)
    return str(EVENT_LABELS.get(action, action))


# ---- how long until a deadline, in working time -------------------------------------------------


def duration_text(minutes: int) -> str:
    """Working time as days, hours and minutes ("2 working days 3 hours")."""
    minutes = abs(int(minutes))
    days, rest = divmod(minutes, get_calendar().minutes_per_day)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d working day", "%(n)d working days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if mins and not days or not parts:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", mins) % {"n": mins})
    return " ".join(parts)


@dataclass(frozen=True)
class Countdown:
    minutes: int  # working minutes left; negative when overdue
    overdue: bool
    text: str


def countdown(deadline, now=None) -> Countdown | None:
    if deadline is None:
        return None
    now = now or timezone.now()
    left = deadlines.remaining_minutes(now, deadline)
    if deadline <= now:
        text = _("Overdue by %(time)s") % {"time": duration_text(left)} if left else _("Overdue")
        return Countdown(min(left, 0), True, text)
    return Countdown(left, False, _("%(time)s left") % {"time": duration_text(left)})


def present(case, now=None):
    """Attach what a page shows of a case: labels, colours and the working time left."""
    status = Status(case.status)
    case.status_label = status.label
    case.status_colour = status.colour
    colour = DeadlineColour(getattr(case, "colour", None) or DeadlineColour.NONE)
    case.colour_label = colour.label
    case.colour_hex = colour.colour
    channel = Channel(case.channel)
    case.channel_label = channel.label
    case.channel_colour = channel.colour
    case.countdown = countdown(case.step_deadline, now) if status in OPEN else None
    return case


OPEN = frozenset(Status) - {Status.CLOSED, Status.CANCELLED}


# ---- errors of the services, told in the user's language -----------------------------------------

_CONFLICTS = (
    (
        "verified on site before it is registered",
        gettext_lazy(
            "A report from a resident or the hotline must be verified on site before it is registered."
        ),
    ),
    ("no extension has been asked for", gettext_lazy("No extension is waiting for a decision.")),
    ("an extension is already waiting", gettext_lazy("An extension is already waiting for a decision.")),
    (
        "supervision order at this level",
        gettext_lazy("A supervision order at this level or above is already in force."),
    ),
)
_FIELD_MESSAGES = {
    "note": gettext_lazy("Write a note saying why."),
    "result": gettext_lazy("Choose the result of the verification."),
    "days": gettext_lazy("An extension is 1 to 30 working days."),
    "deadline": gettext_lazy("The deadline must be in the future."),
    "department": gettext_lazy("Choose a department from the list."),
    "description": gettext_lazy("The description is too long (at most 4,000 characters)."),
    "on_the_spot": gettext_lazy("This item may not be disposed on the spot."),
}
_OUT_OF_SCOPE = re.compile(r"lies in grid (?P<grid>.+?), outside your scope \((?P<scope>.+?)\)")
_PHOTO = re.compile(r"^(?P<name>.*): (?P<what>not an image|too large|too many pixels|\w+ is not accepted)$")


def _photo_message(message: str) -> str:
    m = _PHOTO.match(message)
    if m is None:
        if message == "too many":
            return _("At most 9 photos can be sent at once.")
        return _("A photo could not be accepted: %(why)s") % {"why": message}
    name, what = m["name"], m["what"]
    if what == "not an image":
        return _("%(name)s is not a JPEG, PNG or WebP image.") % {"name": name}
    if what == "too large":
        return _("%(name)s is too large.") % {"name": name}
    if what == "too many pixels":
        return _("%(name)s has more pixels than a photo needs.") % {"name": name}
    return _("%(name)s: only JPEG, PNG and WebP images are accepted.") % {"name": name}


def _field_message(field: str, message: str) -> str:
    if field == "photos":
        if "needs at least one photo" in message:
            return _("Add at least one photo.")
        return _photo_message(message)
    if field == "item":
        if "cannot be reported by residents" in message:
            return _("This item cannot be reported by residents.")
        return _("Choose an item from the list.")
    if field == "location":
        scope = _OUT_OF_SCOPE.search(message)
        if scope is not None:
            return _(
                "The place lies in grid %(grid)s, outside your scope (%(scope)s). Report only inside "
                "your scope; tell the dispatcher of that place what you saw."
            ) % {"grid": scope["grid"], "scope": scope["scope"]}
        if "outside the town" in message:
            return _("The place is outside the town: choose a place inside the town's grids.")
        return _("Give the place: allow the GPS position or tap the map.")
    if field == "deadline":
        if "outside the years" in message or "no time zone" in message:
            return _("Give a deadline from 1970 to 2199.")
        if "as an extension would" in message:
            return _(
                "A supervision may move the deadline at most 30 working days beyond the current one, "
                "as far as an extension could."
            )
    known = _FIELD_MESSAGES.get(field)
    return str(known) if known else message


def explain(
    exc: DomainError, *, case=None, action: str = "", version: int | None = None
) -> tuple[str, dict[str, list[str]]]:
    """(a message for the whole form, {field: [messages]}) for an error a service raised."""
    if isinstance(exc, ValidationFailed):
        fields: dict[str, list[str]] = {}
        for err in exc.errors or [{"field": "", "message": exc.detail}]:
            fields.setdefault(err.get("field", ""), []).append(
                _field_message(err.get("field", ""), err.get("message", ""))
            )
        general = fields.pop("", [])
        return " ".join([_("Please correct the marked fields."), *general]), fields
    if isinstance(exc, Conflict):
        return _conflict(exc, case, action, version), {}
    if exc.status == 413:
        return _("A photo is too large."), {
            "photos": [_photo_message(exc.errors[0]["message"])]
        } if exc.errors else {}
    if exc.status == 403:
        return _("Your role may not take this action."), {}
    return exc.detail, {}


def _conflict(exc: Conflict, case, action: str, version: int | None) -> str:
    detail = exc.detail
    current = case
    if case is not None:
        current = Case.objects.filter(pk=case.pk).only("status", "number", "version").first() or case
    stale = version is not None and current is not None and current.version != version
    status = Status(current.status).label if current is not None else ""
    number = current.number if current is not None else ""
    if stale or "changed since you loaded it" in detail or "changed by someone else" in detail:
        return _(
            "Case %(number)s was changed by someone else meanwhile and is now “%(status)s”. "
            "Reload the page and try again."
        ) % {"number": number, "status": status}
    for needle, message in _CONFLICTS:
        if needle in detail:
            return str(message)
    label = event_label(action) if action else ""
    return _("Case %(number)s is “%(status)s”: “%(action)s” is not possible now.") % {
        "number": number,
        "status": status,
        "action": label,
    }
