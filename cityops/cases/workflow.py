"""The case lifecycle as one explicit transition table.

Every change of a case goes through ``TRANSITIONS``: the states an action may start from, the state
it leads to (None: the case stays where it is — a side action such as a supervision order), the
roles that may take it, and the fields it requires. ``cases.services.case_transition`` is the one
function that applies it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from cityops.accounts.roles import Role
from cityops.cases.choices import OPEN_STATUSES, RESIDENT_CHANNELS
from cityops.cases.choices import Status as S

DISPATCH = frozenset({Role.DISPATCHER, Role.DUTY_OFFICER})
HANDLER = frozenset({Role.DEPARTMENT_HANDLER})
INSPECTOR = frozenset({Role.INSPECTOR})
SUPERVISORS = frozenset({Role.DUTY_OFFICER, Role.DISPATCHER})
EVERYONE_STAFF = frozenset(set(Role) - {Role.RESIDENT})


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str | None
    roles: frozenset
    requires: tuple[str, ...] = ()
    min_level: str | None = None  # the user's scope must be at this level or above ("area": area or town)


def _t(action, label, sources, target, roles, requires=(), min_level=None) -> Transition:
    return Transition(action, label, frozenset(sources), target, roles, tuple(requires), min_level)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("send_to_verify", _("Send for on-site verification"), [S.REPORTED], S.VERIFYING, DISPATCH),
        _t("verify", _("Verified on site"), [S.VERIFYING], S.VERIFIED, INSPECTOR, ["note", "result"]),
        _t("register", _("Register"), [S.REPORTED, S.VERIFIED], S.REGISTERED, DISPATCH),
        _t(
            "cancel",
            _("Cancel"),
            [S.REPORTED, S.VERIFYING, S.VERIFIED, S.REGISTERED],
            S.CANCELLED,
            DISPATCH,
            ["note"],
        ),
        _t("dispatch", _("Dispatch to a department"), [S.REGISTERED], S.DISPATCHED, DISPATCH),
        _t("approve_on_the_spot", _("Approve disposal on the spot"), [S.SELF_DISPOSED], S.CLOSED, DISPATCH),
        _t(
            "reject_on_the_spot",
            _("Reject disposal on the spot"),
            [S.SELF_DISPOSED],
            S.REGISTERED,
            DISPATCH,
            ["note"],
        ),
        _t("accept", _("Accept"), [S.DISPATCHED], S.ACCEPTED, HANDLER),
        _t(
            "return",
            _("Return to the dispatcher"),
            [S.DISPATCHED, S.ACCEPTED],
            S.REGISTERED,
            HANDLER,
            ["note"],
        ),
        _t("dispose", _("Report disposal"), [S.ACCEPTED], S.DISPOSED, HANDLER, ["note", "photos"]),
        _t("recheck_pass", _("Re-check passed: close"), [S.DISPOSED], S.CLOSED, INSPECTOR, ["note"]),
        _t("recheck_fail", _("Re-check failed: rework"), [S.DISPOSED], S.ACCEPTED, INSPECTOR, ["note"]),
        _t(
            "request_extension",
            _("Ask for an extension"),
            [S.DISPATCHED, S.ACCEPTED],
            None,
            HANDLER,
            ["note", "days"],
        ),
        _t("approve_extension", _("Approve the extension"), [S.DISPATCHED, S.ACCEPTED], None, DISPATCH),
        _t(
            "reject_extension",
            _("Reject the extension"),
            [S.DISPATCHED, S.ACCEPTED],
            None,
            DISPATCH,
            ["note"],
        ),
        _t("hold", _("Put on hold"), [S.DISPATCHED, S.ACCEPTED], S.ON_HOLD, DISPATCH, ["note"]),
        _t("resume", _("Resume"), [S.ON_HOLD], None, DISPATCH),
        _t("supervise", _("Supervision order"), OPEN_STATUSES, None, SUPERVISORS, ["note"], "area"),
        _t("comment", _("Comment"), set(S), None, EVERYONE_STAFF, ["note"]),
    ]
}

# Reports from residents and the hotline are verified on site before they are registered.
NEEDS_VERIFICATION = RESIDENT_CHANNELS

LEVEL_RANK = {"town": 0, "area": 1, "village": 2, "grid": 3}


def allowed_actions(case, user) -> list[Transition]:
    """The transitions ``user`` may take on ``case`` now (the case is known to be in scope)."""
    return [t for t in TRANSITIONS.values() if who_may(t, user) is None and refusal(t, case, user) is None]


def who_may(t: Transition, user) -> str | None:
    """Why the user's role or level may never take ``t`` (a 403), or None."""
    if not (user.is_superuser or user.role in t.roles):
        return f"a {user.role} may not {t.action}"
    if t.min_level and LEVEL_RANK[user.scope_level] > LEVEL_RANK[t.min_level]:
        return f"{t.action} needs a scope of {t.min_level} or above"
    return None


def refusal(t: Transition, case, user) -> str | None:
    """Why ``t`` cannot be taken on ``case`` in its present state (a 409), or None when it can."""
    if case.status not in t.sources:
        return f"the case is {case.status}; {t.action} needs {' or '.join(sorted(t.sources))}"
    if t.action == "register" and case.status == S.REPORTED and case.channel in NEEDS_VERIFICATION:
        return "a report from a resident or the hotline is verified on site before it is registered"
    if t.action in ("approve_extension", "reject_extension") and not case.extension_requested:
        return "no extension has been asked for"
    if t.action == "request_extension" and case.extension_requested:
        return "an extension is already waiting for a decision"
    if t.action == "supervise" and case.supervision >= 2 - LEVEL_RANK[user.scope_level]:
        return "a supervision order at this level or above is already in force"
    return None
