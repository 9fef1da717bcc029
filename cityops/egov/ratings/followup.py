"""The follow-up of a bad rating, as one transition table: contact the applicant, answer the rating
(rectified, or explained), the applicant re-rates; or an appeal against a false or malicious rating,
decided by the service centre's supervisor.

``follow_up_act`` is the one function the pages, the API and the tests call. Who:

- ``department``: a handler of the rating's department (``egov.follow_up``), for contact, answer and appeal;
- ``supervisor``: the service centre's supervisor (``egov.supervise``), who decides an appeal.

Clocks: contact and answer are due N and M working days after the bad rating (``rules``). An appeal
stops both; upheld, the rating is excluded from the figures and the follow-up closed; refused, the
follow-up goes back where it was with the working time it had left.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.egov.choices import (
    AppealDecision,
    ContactMethod,
    Disposition,
    FollowUpOutcome,
    FollowUpState,
    RatingLevel,
)
from cityops.egov.models import FollowUp
from cityops.egov.ratings import evidence, notify, rules
from cityops.egov.ratings.history import record

S = FollowUpState
DEPARTMENT, SUPERVISOR = "department", "supervisor"
ACTIONS_BY_ROLE = {DEPARTMENT: "egov.follow_up", SUPERVISOR: "egov.supervise"}
MAX_NOTE = 2000


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    who: str
    requires: tuple[str, ...]


TRANSITIONS = {
    t.action: t
    for t in [
        Transition(
            "contact", gettext_lazy("Record the contact"), frozenset({S.OPEN}), DEPARTMENT, ("method", "note")
        ),
        Transition(
            "rectify",
            gettext_lazy("Record the answer"),
            frozenset({S.CONTACTED}),
            DEPARTMENT,
            ("disposition", "note"),
        ),
        Transition("appeal", gettext_lazy("Appeal"), frozenset({S.OPEN, S.CONTACTED}), DEPARTMENT, ("note",)),
        Transition(
            "decide",
            gettext_lazy("Decide the appeal"),
            frozenset({S.APPEALED}),
            SUPERVISOR,
            ("decision", "note"),
        ),
    ]
}


@dataclass
class FollowUpIn:
    note: str = ""
    method: str = ""  # contact: phone, visit, message
    disposition: str = ""  # rectify: rectified, explained
    decision: str = ""  # decide: upheld, refused
    photos: list = field(default_factory=list)  # appeal: the evidence, read by ``evidence.read``


REQUIREMENTS = {
    "note": lambda d: None if d.note.strip() else _("say what was done or why, in a few words"),
    "method": lambda d: (
        None if d.method in ContactMethod.values else _("one of %s") % ", ".join(ContactMethod.values)
    ),
    "disposition": lambda d: (
        None if d.disposition in Disposition.values else _("one of %s") % ", ".join(Disposition.values)
    ),
    "decision": lambda d: (
        None if d.decision in AppealDecision.values else _("one of %s") % ", ".join(AppealDecision.values)
    ),
}


def _check(t: Transition, data: FollowUpIn) -> None:
    errors = [{"field": n, "message": m} for n in t.requires if (m := REQUIREMENTS[n](data))]
    if len(data.note) > MAX_NOTE:
        errors.append({"field": "note", "message": _("no more than %(n)s characters") % {"n": MAX_NOTE}})
    if data.photos and t.action != "appeal":
        errors.append({"field": "photos", "message": _("only an appeal brings evidence")})
    if len(data.photos) > evidence.MAX_FILES:
        errors.append({"field": "photos", "message": _("at most %(n)s photos") % {"n": evidence.MAX_FILES}})
    if errors:
        detail = _("The step %(action)s cannot be taken: %(problems)s") % {
            "action": t.label,
            "problems": "; ".join(f"{e['field']}: {e['message']}" for e in errors),
        }
        raise ValidationFailed(detail, errors=errors)


def refusal(t: Transition, f: FollowUp) -> str | None:
    """Why ``t`` cannot be taken on ``f`` now (a 409), or None."""
    if f.state not in t.sources:
        return _("The follow-up is %(state)s; %(action)s needs it to be %(sources)s.") % {
            "state": S(f.state).label,
            "action": t.label,
            "sources": " / ".join(str(S(s).label) for s in sorted(t.sources)),
        }
    if t.action == "appeal" and f.appealed_at is not None:
        return _("A rating is appealed once only.")
    return None


def allowed(f: FollowUp, user) -> list[Transition]:
    """The transitions ``user`` may take on ``f`` (known to be in the user's scope)."""
    return [t for t in TRANSITIONS.values() if user.can(ACTIONS_BY_ROLE[t.who]) and refusal(t, f) is None]


# ---- opening and closing, from the rating's side ------------------------------------------------------


def follow_up_open(rating, now) -> FollowUp:
    """The follow-up of a bad rating just given (inside the rating's transaction)."""
    contact_due, rectify_due = rules.follow_up_dues(now)
    f = FollowUp.objects.create(
        rating=rating,
        department_id=rating.department_id,
        area_id=rating.area_id,
        village_id=rating.village_id,
        opened_at=now,
        contact_due_at=contact_due,
        rectify_due_at=rectify_due,
    )
    data = {"contact_due": contact_due.isoformat(), "rectify_due": rectify_due.isoformat()}
    record(f, "follow_up", application=rating.application, at=now, data=data, after={"state": f.state})
    notify.tell_applicant(rating, "bad", at=now)
    what = _("bad rating (%(level)s): contact the applicant by %(due)s") % {
        "level": RatingLevel(rating.level).label,
        "due": timezone.localtime(contact_due).strftime("%Y-%m-%d %H:%M"),
    }
    notify.tell(notify.handlers(rating), rating, what)
    return f


def _close(f: FollowUp, outcome: str, now) -> None:
    f.state, f.outcome, f.closed_at = S.CLOSED, outcome, now
    f.revision += 1
    f.save()


def close_rerated(f: FollowUp, now) -> None:
    """The applicant re-rated after the answer (inside the rating's transaction)."""
    _close(f, FollowUpOutcome.RERATED, now)
    level = RatingLevel(f.rating.level)
    users = notify.handlers(f.rating) + (list(notify.supervisors()) if level.bad else [])
    notify.tell(users, f.rating, _("re-rated %(level)s") % {"level": level.label})


def close_unrated(f: FollowUp, now) -> bool:
    """Close ``f`` (locked by the caller) when the period to re-rate passed without a re-rating."""
    if f.state != S.RECTIFIED or f.rerate_due_at is None or f.rerate_due_at > now:
        return False
    _close(f, FollowUpOutcome.NOT_RERATED, now)
    due = f.rerate_due_at.isoformat()
    record(
        f,
        "not_rerated",
        application=f.rating.application,
        at=now,
        data={"due": due},
        after={"state": f.state},
    )
    return True


# ---- the department's and the supervisor's steps ---------------------------------------------------


def _locked(follow_up: FollowUp, by, t: Transition) -> FollowUp:
    scope = FollowUp.objects.restrict(by, ACTIONS_BY_ROLE[t.who])
    f = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("rating", "rating__application", "rating__application__version")
        .filter(pk=follow_up.pk, pk__in=scope.values("pk"))
        .first()
    )
    if f is None:
        raise NotFound(_("No such follow-up in your scope."))
    return f


def follow_up_act(
    *,
    follow_up: FollowUp,
    action: str,
    by,
    data: FollowUpIn | None = None,
    revision: int | None = None,
    now=None,
) -> FollowUp:
    """Take ``action`` on a follow-up as ``by``; the follow-up as it stands after."""
    now = now or timezone.now()
    data = data or FollowUpIn()
    t = TRANSITIONS.get(action)
    if t is None:
        raise ValidationFailed(
            _("unknown step %(action)r") % {"action": action},
            errors=[{"field": "action", "message": _("unknown")}],
        )
    if not by.can(ACTIONS_BY_ROLE[t.who]):
        raise Forbidden(_("Your role may not take the step %(action)s.") % {"action": t.label})
    with transaction.atomic():
        f = _locked(follow_up, by, t)
        if revision is not None and revision != f.revision:
            raise Conflict(_("The follow-up has changed since you opened it; look again before you act."))
        why = refusal(t, f)
        if why:
            raise Conflict(why)
        _check(t, data)
        before = {"state": f.state}
        step, extra = HANDLERS[action](f, data, by, now)
        f.revision += 1
        f.save()
        record(
            f,
            step,
            application=f.rating.application,
            by=by,
            at=now,
            note=data.note.strip(),
            data=extra,
            before=before,
            after={"state": f.state},
        )
    return f


def _contact(f: FollowUp, d: FollowUpIn, by, now):
    f.state = S.CONTACTED
    f.contacted_at, f.contacted_by, f.contact_method, f.contact_note = now, by, d.method, d.note.strip()
    return "contact", {"method": d.method, "on_time": now <= f.contact_due_at}


def _rectify(f: FollowUp, d: FollowUpIn, by, now):
    f.state = S.RECTIFIED
    f.rectified_at, f.rectified_by, f.disposition, f.rectify_note = now, by, d.disposition, d.note.strip()
    f.rerate_due_at = rules.rating_due(now)
    notify.tell_applicant(f.rating, "rectify", at=now)
    on_time = now <= f.rectify_due_at
    return "rectify", {
        "disposition": d.disposition,
        "on_time": on_time,
        "rerate_due": f.rerate_due_at.isoformat(),
    }


def _appeal(f: FollowUp, d: FollowUpIn, by, now):
    f.appeal_from, f.state = f.state, S.APPEALED
    f.appealed_at, f.appealed_by, f.appeal_reason = now, by, d.note.strip()
    f.save()
    saved = [evidence.save(p, follow_up=f, by=by, now=now) for p in d.photos]
    notify.tell(list(notify.supervisors()), f.rating, _("an appeal against a bad rating to decide"), skip=by)
    return "appeal", {"from": f.appeal_from, "evidence": [e.name for e in saved]}


def _decide(f: FollowUp, d: FollowUpIn, by, now):
    f.appeal_decision, f.appeal_decided_at, f.appeal_decided_by = d.decision, now, by
    f.appeal_note = d.note.strip()
    rating = f.rating
    if d.decision == AppealDecision.UPHELD:
        f.state, f.outcome, f.closed_at = S.CLOSED, FollowUpOutcome.APPEAL_UPHELD, now
        rating.excluded = True
        rating.revision += 1
        rating.save(update_fields=["excluded", "revision"])
        what = _("appeal upheld: the rating is excluded")
    else:
        f.state = f.appeal_from
        f.contact_due_at = rules.resume_due(f.contact_due_at, f.appealed_at, now)
        f.rectify_due_at = rules.resume_due(f.rectify_due_at, f.appealed_at, now)
        f.escalation = _escalation(f, now)
        what = _("appeal refused: follow the rating up")
    notify.tell(notify.handlers(rating), rating, what, skip=by)
    data = {"decision": d.decision}
    if d.decision == AppealDecision.REFUSED:
        data.update(contact_due=f.contact_due_at.isoformat(), rectify_due=f.rectify_due_at.isoformat())
    return f"appeal_{d.decision}", data


def _escalation(f: FollowUp, now) -> int:
    """The escalation a follow-up back from an appeal stands at: only what is still overdue."""
    if f.rectify_due_at < now and f.escalation >= 2:
        return 2
    if f.state == S.OPEN and f.contact_due_at < now and f.escalation >= 1:
        return 1
    return 0


HANDLERS = {"contact": _contact, "rectify": _rectify, "appeal": _appeal, "decide": _decide}
