"""Every step of a submitted application, through the transition table (``workflow``): checked before
anything is written, one transaction, a timeline row and an audit record each, the people concerned
told, the clock moved as the law counts it (``clock``).

``application_act`` is the one function the pages, the API and the tests call; ``deem_accepted`` is the
step the worker takes when the intake clock runs out (and any action takes first, so a clerk never
acts on an application that the law already counts as accepted).
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.egov.applications import clock, hooks, notify
from cityops.egov.applications.history import record_step
from cityops.egov.applications.workflow import TRANSITIONS, Transition, refusal, roles_of
from cityops.egov.choices import CONCLUDED_STATUSES, Check, ClockPhase, Delivery, Reason, SpecialKind, Status
from cityops.egov.models import Application

MAX_EXTENSION_DAYS = 10  # 行政许可法 Art. 42: ten more days with the head of the agency's approval
MAX_NOTE = 2000
MAX_FEE = Decimal("1000000")


@dataclass
class ActionIn:
    """What an action may carry; each action requires its own part (``Transition.requires``)."""

    note: str = ""
    reason_code: str = ""
    days: int | None = None
    special_kind: str = ""
    outcome: str = ""  # decide on the spot: approve or deny
    fee_amount: str | Decimal | None = None
    reference: str = ""
    method: str = ""
    material: int | None = None  # the position of a material
    finding: str = ""


@dataclass
class Step:
    """What a handler did, for the timeline and the messages."""

    action: str
    note: str = ""
    data: dict | None = None
    tell: str | None = None  # the applicant's message, when there is one
    staff: list | None = None  # who else is told
    staff_text: str = ""


def _fail(field: str, message: str):
    raise ValidationFailed(message, errors=[{"field": field, "message": message}])


def _fee(value) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        _fail("fee_amount", _("this item is charged: give the fee in yuan, e.g. 50.00"))
    if not Decimal("0.01") <= amount < MAX_FEE:
        _fail("fee_amount", _("the fee is from 0.01 to 999,999.99 yuan"))
    return amount


REQUIREMENTS = {
    "note": lambda d, app: None if d.note.strip() else _("say why, in a few words"),
    "reason_code": lambda d, app: (
        None
        if d.reason_code in Reason.values
        else _("one of %(values)s") % {"values": ", ".join(Reason.values)}
    ),
    "days": lambda d, app: (
        None
        if isinstance(d.days, int) and 1 <= d.days <= MAX_EXTENSION_DAYS
        else _("from 1 to %(n)s working days") % {"n": MAX_EXTENSION_DAYS}
    ),
    "special_kind": lambda d, app: (
        None
        if d.special_kind in SpecialKind.values
        else _("one of %(values)s") % {"values": ", ".join(SpecialKind.values)}
    ),
    "outcome": lambda d, app: None if d.outcome in ("approve", "deny") else _("approve or deny"),
    "reference": lambda d, app: None if d.reference.strip() else _("the payment's receipt number"),
    "method": lambda d, app: (
        None
        if d.method in (Delivery.WINDOW, Delivery.POST, Delivery.ELECTRONIC)
        else _("window, post or electronic")
    ),
    "material": lambda d, app: (
        None
        if any(m.position == d.material for m in app.materials.all())
        else _("no material %(n)s in this application") % {"n": d.material}
    ),
    "finding": lambda d, app: (
        None if d.finding in (Check.OK, Check.MISSING, Check.DEFECTIVE) else _("ok, missing or defective")
    ),
}


def _check_input(t: Transition, data: ActionIn, app: Application) -> None:
    errors = [
        {"field": name, "message": msg} for name in t.requires if (msg := REQUIREMENTS[name](data, app))
    ]
    if len(data.note) > MAX_NOTE:
        errors.append({"field": "note", "message": _("at most %(n)s characters") % {"n": MAX_NOTE}})
    if errors:
        detail = _("%(action)s cannot be done: %(problems)s") % {
            "action": t.label,
            "problems": "; ".join(f"{e['field']}: {e['message']}" for e in errors),
        }
        raise ValidationFailed(detail, errors=errors)


def _locked(application: Application, by, t: Transition) -> Application:
    """The row, locked, if ``by`` may act on it in the role the action needs; else a 404."""
    roles = roles_of(by, application) & t.who
    qs = Application.objects.none()
    if "clerk" in roles:
        qs = qs | Application.objects.restrict(by, "egov.process")
    if "approver" in roles:
        qs = qs | Application.objects.restrict(by, "egov.approve")
    if "applicant" in roles:
        qs = qs | Application.objects.filter(owner_id=by.pk)
    app = (
        Application.objects.select_for_update(of=("self",))
        .select_related("version", "item", "department")
        .filter(pk=application.pk, pk__in=qs.values("pk"))
        .first()
    )
    if app is None:
        raise NotFound(_("No application %(number)s.") % {"number": application.number or application.pk})
    return app


def application_act(
    *,
    application: Application,
    action: str,
    by,
    data: ActionIn | None = None,
    revision: int | None = None,
    now=None,
) -> Application:
    """Take ``action`` on a submitted application as ``by``; the application as it stands after."""
    now = now or timezone.now()
    data = data or ActionIn()
    t = TRANSITIONS.get(action)
    if t is None or action == "submit":
        _fail("action", _("unknown action %(action)r") % {"action": action})
    if not roles_of(by, application) & t.who:
        raise Forbidden(_("Your role may not %(action)s.") % {"action": str(t.label).lower()})
    with transaction.atomic():  # first what the law has done by itself, kept whatever follows
        deemed = deem_accepted(_locked(application, by, t), now)
    with transaction.atomic():
        app = _locked(application, by, t)
        if revision is not None and revision != app.revision - deemed:
            raise Conflict(_("The application has changed since you opened it; look again before you act."))
        why = refusal(t, app, by)
        if why:
            if deemed:
                why = (
                    _("The applicant was not told within 5 working days, so it counts as accepted now. ")
                    + why
                )
            raise Conflict(why)
        _check_input(t, data, app)
        before = app.status
        step = HANDLERS[action](app, data, by, now)
        app.revision += 1
        app.updated_at = now
        app.save()
        _write(app, step, by, before, now)
    return app


def _write(app: Application, step: Step, by, before: str, now) -> None:
    record_step(app, step.action, by=by, at=now, from_status=before, note=step.note, data=step.data)
    if step.tell:
        notify.tell_applicant(app, step.tell, step.data, at=now)
    if step.staff:
        notify.tell_staff(
            step.staff, notify.staff_text(app, step.staff_text or TRANSITIONS[step.action].label), skip=by
        )
    if app.status in CONCLUDED_STATUSES and before not in CONCLUDED_STATUSES:
        hooks.concluded(app)


# ---- the steps ----------------------------------------------------------------------------------


def _take(app, d, by, now):
    app.assignee = by
    return Step("take")


def _release(app, d, by, now):
    app.assignee = None
    return Step("release", d.note.strip())


def _check(app, d, by, now):
    m = next(m for m in app.materials.all() if m.position == d.material)
    if d.finding == Check.DEFECTIVE and not d.note.strip():
        _fail("note", _("say what is wrong with %(name)s") % {"name": m.name})
    m.finding, m.note, m.checked_by, m.checked_at = d.finding, d.note.strip()[:300], by.username, now
    m.save(update_fields=["finding", "note", "checked_by", "checked_at"])
    return Step("check", d.note.strip(), {"material": m.name, "finding": d.finding})


def _in_order(app) -> tuple[list, list]:
    """(materials still to check, materials missing or defective), required ones first."""
    mats = list(app.materials.all())
    pending = [m for m in mats if m.finding == Check.PENDING and m.required]
    wrong = [m for m in mats if m.finding in (Check.MISSING, Check.DEFECTIVE)]
    return pending, wrong


def _request_supplement(app, d, by, now):
    pending, wrong = _in_order(app)
    if pending:
        _fail(
            "materials",
            _(
                "Check every material first, so that the request lists everything at once; not checked: %(names)s"
            )
            % {"names": "、".join(m.name for m in pending)},
        )
    if not wrong:
        _fail("materials", _("Every material is in order: accept the application instead."))
    for m in wrong:
        m.requested = True
        m.save(update_fields=["requested"])
    app.status, app.supplement_requested_at = Status.SUPPLEMENT, now
    clock.pause(app, now)
    names = [m.name + (f"（{m.note}）" if m.note else "") for m in wrong]
    return Step("request_supplement", d.note.strip(), {"materials": names}, tell="request_supplement")


def _supply(app, d, by, now):
    for m in app.materials.filter(requested=True):
        m.finding, m.checked_by, m.checked_at = Check.PENDING, "", None
        m.save(update_fields=["finding", "checked_by", "checked_at"])
    app.status, app.supplement_supplied_at = Status.RECEIVED, now
    clock.resume(app, now)
    staff = [app.assignee] if app.assignee_id else list(notify.clerks(app))
    return Step("supply", d.note.strip(), tell="supply", staff=staff)


def _start_decision(app, at, now, *, worked: int) -> None:
    app.accepted_at = at
    v = app.version
    clock.start(app, ClockPhase.DECISION, at, v.promised_days, v.legal_days)
    app.worked_minutes = worked


def _accept(app, d, by, now):
    pending, wrong = _in_order(app)
    if pending or wrong:
        names = "、".join(m.name for m in pending + wrong)
        _fail(
            "materials",
            _(
                "Not every material is in order (%(names)s): ask for supplementary materials, or do not accept."
            )
            % {"names": names},
        )
    worked = clock.stop(app, now)
    app.status = Status.ACCEPTED
    _start_decision(app, now, now, worked=worked)
    return Step("accept", d.note.strip(), tell="accept")


def _not_accept(app, d, by, now):
    worked = clock.stop(app, now)
    app.status, app.closed_at, app.worked_minutes = Status.NOT_ACCEPTED, now, worked
    app.reason_code, app.reason = d.reason_code, d.note.strip()
    app.extension_requested = None
    return Step("not_accept", d.note.strip(), {"reason": d.reason_code}, tell="not_accept")


def _decide_on_the_spot(app, d, by, now):
    if d.outcome == "deny":
        for name in ("reason_code", "note"):
            if msg := REQUIREMENTS[name](d, app):
                _fail(name, msg)
    accepted = _accept(app, ActionIn(), by, now)
    record_step(app, accepted.action, by=by, at=now, from_status=Status.RECEIVED)
    return _deny(app, d, by, now) if d.outcome == "deny" else _approve(app, d, by, now)


def _start_review(app, d, by, now):
    app.status = Status.UNDER_REVIEW
    return Step("start_review", d.note.strip())


def _begin_special(app, d, by, now):
    app.held_from, app.status, app.special_kind = app.status, Status.SPECIAL, d.special_kind
    clock.pause(app, now)
    return Step("begin_special", d.note.strip(), {"kind": d.special_kind}, tell="begin_special")


def _end_special(app, d, by, now):
    app.status, app.held_from = app.held_from or Status.UNDER_REVIEW, ""
    clock.resume(app, now)
    return Step("end_special", d.note.strip(), {"kind": app.special_kind}, tell="end_special")


def _request_extension(app, d, by, now):
    app.extension_requested = d.days
    return Step(
        "request_extension",
        d.note.strip(),
        {"days": d.days},
        staff=list(notify.approvers(app)),
        staff_text=_("an extension of %(n)s working days asks for your approval") % {"n": d.days},
    )


def _approve_extension(app, d, by, now):
    days, app.extension_requested = app.extension_requested, None
    app.extension_days = days
    clock.extend(app, days, now)
    if app.status == Status.SPECIAL:
        app.held_from = Status.EXTENDED
    else:
        app.status = Status.EXTENDED
    staff = [app.assignee] if app.assignee_id else []
    return Step("approve_extension", d.note.strip(), {"days": days}, tell="approve_extension", staff=staff)


def _reject_extension(app, d, by, now):
    days, app.extension_requested = app.extension_requested, None
    staff = [app.assignee] if app.assignee_id else []
    return Step("reject_extension", d.note.strip(), {"days": days}, staff=staff)


def _decided(app, now) -> None:
    app.on_time = not clock.overdue(app, now)
    app.worked_minutes = (app.worked_minutes or 0) + clock.stop(app, now)
    app.decided_at = now
    app.extension_requested = None


def _approve(app, d, by, now):
    fee = _fee(d.fee_amount) if app.version.fee else None
    _decided(app, now)
    app.decision, app.fee_amount = "approved", fee
    if fee is not None:
        app.status = Status.AWAITING_FEE
        return Step("approve", d.note.strip(), {"fee": str(fee)}, tell="approve")
    _complete(app, now)
    return Step("approve", d.note.strip(), tell="complete")


def _complete(app, now) -> None:
    app.status, app.completed_at = Status.COMPLETED, now
    clock.start(app, ClockPhase.DELIVERY, now, clock.DELIVERY_DAYS)


def _deny(app, d, by, now):
    _decided(app, now)
    app.decision, app.reason_code, app.reason = "denied", d.reason_code, d.note.strip()
    app.status = Status.DENIED
    clock.start(app, ClockPhase.DELIVERY, now, clock.DELIVERY_DAYS)
    return Step("deny", d.note.strip(), {"reason": d.reason_code}, tell="deny")


def _pay(app, d, by, now):
    app.fee_reference = d.reference.strip()[:60]
    _complete(app, now)
    return Step("pay", d.note.strip(), {"reference": app.fee_reference}, tell="complete")


def _deliver(app, d, by, now):
    clock.stop(app, now)
    app.status, app.delivered_at = Status.DELIVERED, now
    return Step("deliver", d.note.strip(), {"method": d.method}, tell="deliver")


def _withdraw(app, d, by, now):
    if roles_of(by, app) == {"clerk"} and not d.note.strip():
        _fail("note", _("say how the applicant asked to withdraw (e.g. a signed request at the window)"))
    clock.stop(app, now)
    app.status, app.closed_at, app.extension_requested = Status.WITHDRAWN, now, None
    staff = [app.assignee] if app.assignee_id and app.assignee_id != getattr(by, "pk", None) else []
    return Step("withdraw", d.note.strip(), tell="withdraw", staff=staff)


def _comment(app, d, by, now):
    return Step("comment", d.note.strip())


HANDLERS = {
    "take": _take,
    "release": _release,
    "check": _check,
    "request_supplement": _request_supplement,
    "supply": _supply,
    "accept": _accept,
    "not_accept": _not_accept,
    "decide_on_the_spot": _decide_on_the_spot,
    "start_review": _start_review,
    "begin_special": _begin_special,
    "end_special": _end_special,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "reject_extension": _reject_extension,
    "approve": _approve,
    "deny": _deny,
    "pay": _pay,
    "deliver": _deliver,
    "withdraw": _withdraw,
    "comment": _comment,
}


# ---- the step the law takes by itself -----------------------------------------------------------


def deem_accepted(app: Application, now) -> bool:
    """Accept ``app`` (locked by the caller) when its intake clock has run out: the applicant was not
    told within 5 working days, so it counts as accepted from the day its materials were received (or
    the supplementary ones, after a request). The decision clock counts from then."""
    if not (
        app.status == Status.RECEIVED and app.clock_phase == ClockPhase.INTAKE and clock.overdue(app, now)
    ):
        return False
    since = app.supplement_supplied_at or app.received_at
    clock.stop(app, now)
    app.status, app.deemed_accepted = Status.ACCEPTED, True
    _start_decision(app, since, now, worked=0)
    app.revision += 1
    app.updated_at = now
    app.save()
    record_step(
        app,
        "deem_accept",
        actor="sweeper",
        at=now,
        from_status=Status.RECEIVED,
        data={"since": since.isoformat()},
    )
    notify.tell_applicant(app, "deem_accept", at=now)
    notify.tell_staff(
        notify.handling(app), notify.staff_text(app, _("counts as accepted: not told within 5 working days"))
    )
    return True
