"""Who is told about an application's step: staff in the in-app inbox (the same one cases and the data
brain write to), the applicant by a message to their phone (and in their inbox when they applied
online). An applicant's message is a fixed text per step, in the town's language, never a clerk's own
words: it may be read by whoever holds the phone, and it is what the tracking lookup shows.
"""

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cityops.accounts.models import User
from cityops.accounts.roles import Role
from cityops.cases.models import Notification
from cityops.egov.choices import Reason, SpecialKind
from cityops.egov.models import ApplicantMessage, Application

KIND = "egov.application"


def clerks(app: Application):
    """The window clerks whose queue holds ``app``: of its department's window, or of a comprehensive
    window (no departments), town-wide or at its village."""
    qs = User.objects.filter(role=Role.WINDOW_CLERK, is_active=True).filter(
        Q(departments=app.department_id) | Q(departments__isnull=True)
    )
    place = Q(scope_level="town")
    if app.village_id:
        place |= Q(scope_village_id=app.village_id)
    return qs.filter(place).distinct()


def approvers(app: Application):
    """The department's handlers, who approve an extension as the agency's responsible people."""
    return User.objects.filter(
        role=Role.DEPARTMENT_HANDLER, departments=app.department_id, is_active=True
    ).distinct()


def duty_officers():
    return User.objects.filter(role=Role.DUTY_OFFICER, scope_level="town", is_active=True)


def tell_staff(users, text: str, *, skip=None) -> int:
    seen, rows = {getattr(skip, "pk", None)}, []
    for u in users:
        if u is not None and u.pk not in seen:
            seen.add(u.pk)
            rows.append(Notification(user=u, kind=KIND, text=text[:300]))
    Notification.objects.bulk_create(rows)
    return len(rows)


def handling(app: Application) -> list:
    """Who handles ``app`` now: the clerk who took it, else the clerks of its queue."""
    return [app.assignee] if app.assignee_id else list(clerks(app))


def staff_text(app: Application, what: str) -> str:
    return f"{app.number} {app.version.name}: {what}"


def _applicant_text(app: Application, kind: str, data: dict) -> str | None:
    number, name = app.number, app.version.name
    texts = {
        "submit": _("Your application %(number)s for %(name)s has been received."),
        "request_supplement": _(
            "Application %(number)s needs supplementary materials, all listed here: %(materials)s. "
            "The time limit stands still until you bring them."
        ),
        "supply": _("Application %(number)s: your supplementary materials have been received."),
        "accept": _(
            "Your application %(number)s for %(name)s has been accepted; the result is due by %(due)s."
        ),
        "deem_accept": _(
            "Your application %(number)s counts as accepted from the day it was received; "
            "the result is due by %(due)s."
        ),
        "not_accept": _("Application %(number)s was not accepted: %(reason)s. A written notice follows."),
        "begin_special": _(
            "Application %(number)s is in a special procedure (%(kind)s); this time is not counted in the time limit."
        ),
        "end_special": _(
            "Application %(number)s: the special procedure has ended; the result is due by %(due)s."
        ),
        "approve_extension": _(
            "The time limit of application %(number)s is extended by %(days)s working days, to %(due)s."
        ),
        "approve": _("Application %(number)s is approved. Please pay the fee of %(fee)s yuan."),
        "complete": _("Application %(number)s for %(name)s is approved and completed."),
        "deny": _("Application %(number)s is denied: %(reason)s. A written decision follows."),
        "deliver": _("The result of application %(number)s has been delivered."),
        "withdraw": _("Application %(number)s is withdrawn."),
    }
    text = texts.get(kind)
    if text is None:
        return None
    due = timezone.localtime(app.due_at).strftime("%Y-%m-%d %H:%M") if app.due_at else ""
    return text % {
        "number": number,
        "name": name,
        "due": due,
        "materials": "、".join(data.get("materials", [])),
        "reason": Reason(app.reason_code).label if app.reason_code in Reason.values else "",
        "kind": SpecialKind(app.special_kind).label if app.special_kind in SpecialKind.values else "",
        "days": app.extension_days,
        "fee": app.fee_amount,
    }


def tell_applicant(
    app: Application, kind: str, data: dict | None = None, *, at=None
) -> ApplicantMessage | None:
    """The message of step ``kind`` to the applicant's phone, and to their inbox when they applied online."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _applicant_text(app, kind, data or {})
    if text is None:
        return None
    message = ApplicantMessage.objects.create(
        application=app, kind=kind, text=text[:300], at=at or timezone.now()
    )
    if app.owner_id:
        Notification.objects.create(user_id=app.owner_id, kind=KIND, text=text[:300])
    return message
