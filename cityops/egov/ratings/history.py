"""Writing one step of a rating or its follow-up: a row of the application's timeline (action
``rating.<step>``, beside the application's own steps) and an audit record, always together."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.audit.services import audit_record
from cityops.egov.models import ApplicationEvent

# The steps' names in the timeline.
LABELS = {
    "rating.invite": _("Invited to rate the service"),
    "rating.remind": _("Reminded to rate the service"),
    "rating.rate": _("Rated"),
    "rating.default": _("Rated by default: no rating within the period"),
    "rating.follow_up": _("Bad rating: follow-up opened"),
    "rating.contact": _("Applicant contacted about the bad rating"),
    "rating.rectify": _("Bad rating answered"),
    "rating.rerate": _("Re-rated"),
    "rating.not_rerated": _("Not re-rated within the period"),
    "rating.appeal": _("Appeal against the rating"),
    "rating.appeal_upheld": _("Appeal upheld: the rating is excluded"),
    "rating.appeal_refused": _("Appeal refused: the rating stands"),
    "rating.contact_overdue": _("Follow-up overdue: the applicant not contacted in time"),
    "rating.rectify_overdue": _("Follow-up overdue: not put right in time"),
}


def label(action: str) -> str:
    return str(LABELS.get(action, action))


def record(
    obj,
    step: str,
    *,
    application,
    by=None,
    actor: str = "",
    at=None,
    note: str = "",
    data: dict | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> ApplicationEvent:
    """Step ``step`` of ``obj`` (a rating or a follow-up) in the application's timeline and the audit trail."""
    at = at or timezone.now()
    user = by if getattr(by, "pk", None) else None
    name = getattr(by, "username", "") or actor or "system"
    event = ApplicationEvent.objects.create(
        application=application,
        action=f"rating.{step}",
        actor=user,
        actor_name=name,
        at=at,
        note=note,
        data=data or {},
    )
    audit_record(
        action=f"egov.rating.{step}",
        actor=user,
        actor_name=name,
        obj=obj,
        before=before,
        after={**(after or {}), **(data or {}), **({"note": note} if note else {})},
    )
    return event
