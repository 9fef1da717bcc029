"""What the public may read of a case, chosen here and nowhere else.

Open311 (`status_notes`, `description`), the residents' tracking page and the departments' webhooks
publish a case to people outside the operations centre. Staff free text — notes of a
cancellation, a return, a supervision, a comment — may hold a reporter's phone number or an
internal judgement and is never copied out: the public reads a fixed text per status, written for
the public, and the description only when a member of the public wrote it.
"""

from django.utils.translation import gettext_lazy as _

from cityops.cases.choices import Channel, Status
from cityops.cases.models import Case

STATUS_NOTES = {
    Status.REPORTED: _("Received; the town will check it."),
    Status.VERIFYING: _("An inspector is checking it on site."),
    Status.VERIFIED: _("Checked on site; waiting to be registered."),
    Status.REGISTERED: _("Registered; waiting to be handed to the responsible department."),
    Status.SELF_DISPOSED: _("Dealt with on the spot; waiting for approval."),
    Status.DISPATCHED: _("Handed to the responsible department."),
    Status.ACCEPTED: _("The responsible department is working on it."),
    Status.DISPOSED: _("Reported as dealt with; an inspector will check the result."),
    Status.ON_HOLD: _("On hold until another party has acted or more time is available."),
    Status.CLOSED: _("Dealt with and checked; closed."),
    Status.CANCELLED: _(
        "Closed without work: after checking, the town does not need to act on this report "
        "(for example it was already dealt with or is not the town's responsibility)."
    ),
}

# Channels whose description was written by a member of the public for the public record.
PUBLIC_DESCRIPTION_CHANNELS = frozenset({Channel.RESIDENT, Channel.OPEN311})


def status_note(status: str) -> str:
    """The public text of a status (never a note someone typed)."""
    return str(STATUS_NOTES[Status(status)])


def description(case: Case) -> str | None:
    """The description as the public may read it: a resident's own words, else nothing."""
    if case.channel in PUBLIC_DESCRIPTION_CHANNELS and case.description:
        return case.description
    return None
