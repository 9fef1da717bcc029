"""The application lifecycle as one explicit transition table.

Every change of an application goes through ``TRANSITIONS``: the states an action may start from,
the state it leads to (None: it stays, or the action decides — an approval leads to the fee or to
completion), who may take it and what it requires. ``services.application_act`` is the one function
that applies it; the steps the worker takes on its own (deemed acceptance, warnings, escalation) are
written by ``sweeper`` and are not actions anyone can ask for.

Who:
- ``clerk``: a window clerk (``egov.process``) with the application in scope; every step but a submit
  of someone else's draft and the extension's approval needs the clerk to have taken it first.
- ``approver``: a department's handler (``egov.approve``) of the application's department, who
  approves or refuses an extension as the agency's responsible person.
- ``applicant``: the resident who applies online, on their own application.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cityops.egov.choices import DECIDED_STATUSES, OPEN_STATUSES
from cityops.egov.choices import Status as S

CLERK, APPROVER, APPLICANT = "clerk", "approver", "applicant"
REVIEWING = [S.ACCEPTED, S.UNDER_REVIEW, S.EXTENDED]


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str | None
    who: frozenset
    requires: tuple[str, ...] = ()
    needs_taken: bool = True  # a clerk must have taken the application first


def _t(action, label, sources, target, who, requires=(), needs_taken=True) -> Transition:
    return Transition(action, label, frozenset(sources), target, frozenset(who), tuple(requires), needs_taken)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("submit", _("Submit"), [S.DRAFT], S.RECEIVED, [CLERK, APPLICANT], needs_taken=False),
        _t("take", _("Take"), OPEN_STATUSES | DECIDED_STATUSES, None, [CLERK], needs_taken=False),
        _t("release", _("Put back in the queue"), OPEN_STATUSES | DECIDED_STATUSES, None, [CLERK]),
        _t("check", _("Check a material"), [S.RECEIVED], None, [CLERK], ["material", "finding"]),
        _t(
            "request_supplement",
            _("Ask for supplementary materials"),
            [S.RECEIVED],
            S.SUPPLEMENT,
            [CLERK],
        ),
        _t(
            "supply",
            _("Supplementary materials received"),
            [S.SUPPLEMENT],
            S.RECEIVED,
            [CLERK],
            needs_taken=False,
        ),
        _t("accept", pgettext_lazy("application", "Accept"), [S.RECEIVED], S.ACCEPTED, [CLERK]),
        _t("not_accept", _("Do not accept"), [S.RECEIVED], S.NOT_ACCEPTED, [CLERK], ["reason_code", "note"]),
        _t("decide_on_the_spot", _("Decide on the spot"), [S.RECEIVED], None, [CLERK], ["outcome"]),
        _t("start_review", _("Start the review"), [S.ACCEPTED], S.UNDER_REVIEW, [CLERK]),
        _t(
            "begin_special",
            _("Begin a special procedure"),
            REVIEWING,
            S.SPECIAL,
            [CLERK],
            ["special_kind", "note"],
        ),
        _t("end_special", _("End the special procedure"), [S.SPECIAL], None, [CLERK]),
        _t(
            "request_extension",
            _("Ask to extend the time limit"),
            REVIEWING,
            None,
            [CLERK],
            ["days", "note"],
        ),
        _t(
            "approve_extension",
            _("Approve the extension"),
            [S.ACCEPTED, S.UNDER_REVIEW, S.SPECIAL],
            None,
            [APPROVER],
            needs_taken=False,
        ),
        _t(
            "reject_extension",
            _("Refuse the extension"),
            [S.ACCEPTED, S.UNDER_REVIEW, S.SPECIAL],
            None,
            [APPROVER],
            ["note"],
            needs_taken=False,
        ),
        _t("approve", _("Approve"), REVIEWING, None, [CLERK]),
        _t("deny", _("Deny"), REVIEWING, S.DENIED, [CLERK], ["reason_code", "note"]),
        _t("pay", _("Fee paid"), [S.AWAITING_FEE], S.COMPLETED, [CLERK], ["reference"]),
        _t("deliver", _("Result delivered"), [S.COMPLETED, S.DENIED], S.DELIVERED, [CLERK], ["method"]),
        _t(
            "withdraw",
            pgettext_lazy("application", "Withdraw"),
            OPEN_STATUSES,
            S.WITHDRAWN,
            [CLERK, APPLICANT],
            needs_taken=False,
        ),
        _t(
            "comment",
            _("Comment"),
            OPEN_STATUSES | DECIDED_STATUSES | {S.DELIVERED, S.NOT_ACCEPTED, S.WITHDRAWN},
            None,
            [CLERK, APPROVER],
            ["note"],
            needs_taken=False,
        ),
    ]
}

# Steps the worker writes: their labels for the timeline.
SYSTEM_LABELS = {
    "deem_accept": _("Counts as accepted: the applicant was not told within 5 working days"),
    "warn": _("Time limit near"),
    "overdue": _("Overdue"),
    "past_legal": _("Past the legal time limit"),
}


def label(action: str) -> str:
    t = TRANSITIONS.get(action)
    return str(t.label if t else SYSTEM_LABELS.get(action, action))


def roles_of(user, app) -> set[str]:
    """What ``user`` is for ``app`` (the application is known to be in the user's scope)."""
    who = set()
    if user.can("egov.process"):
        who.add(CLERK)
    if user.can("egov.approve"):
        who.add(APPROVER)
    if user.can("egov.apply") and app.owner_id == user.pk:
        who.add(APPLICANT)
    return who


def refusal(t: Transition, app, user) -> str | None:
    """Why ``t`` cannot be taken on ``app`` now by ``user`` (a 409), or None when it can."""
    if app.status not in t.sources:
        return str(
            _("The application is %(status)s; %(action)s needs it to be %(sources)s.")
            % {
                "status": S(app.status).label,
                "action": t.label,
                "sources": " / ".join(str(S(s).label) for s in sorted(t.sources)),
            }
        )
    clerk_only = roles_of(user, app) & t.who == {CLERK}
    if t.needs_taken and clerk_only and app.assignee_id != user.pk:
        if app.assignee_id is None:
            return str(_("Take the application first."))
        return str(_("Another clerk has taken this application."))
    if t.action == "take" and app.assignee_id is not None:
        return str(_("The application is taken already."))
    return _rule(t.action, app)


def _rule(action: str, app) -> str | None:
    immediate = app.version.limit_kind == "immediate"
    if action == "request_supplement" and app.supplement_requested_at is not None:
        return str(_("Supplementary materials are asked for once only, listing everything at once."))
    if action == "accept" and immediate:
        return str(_("An item done on the spot is decided when it is accepted: decide on the spot."))
    if action == "decide_on_the_spot" and not immediate:
        return str(_("Only an item done on the spot is decided on the spot."))
    if action == "request_extension" and (app.extension_days or app.extension_requested):
        return str(_("The time limit is extended once only."))
    if action in ("approve_extension", "reject_extension") and not app.extension_requested:
        return str(_("No extension has been asked for."))
    return None


def allowed(app, user) -> list[Transition]:
    """The transitions ``user`` may take on ``app`` now (the application is known to be in scope)."""
    mine = roles_of(user, app)
    return [t for t in TRANSITIONS.values() if mine & t.who and refusal(t, app, user) is None]
