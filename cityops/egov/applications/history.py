"""Writing one step of an application: its timeline row and its audit record, always together."""

from django.utils import timezone

from cityops.audit.services import audit_record
from cityops.egov.models import Application, ApplicationEvent


def actor_name(by, fallback: str = "") -> str:
    return getattr(by, "username", "") or fallback or "system"


def record_step(
    app: Application,
    action: str,
    *,
    by=None,
    actor: str = "",
    at=None,
    from_status: str = "",
    note: str = "",
    data: dict | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> ApplicationEvent:
    """The step in the timeline and the audit trail (``before``/``after``: the fields it changed)."""
    at = at or timezone.now()
    event = ApplicationEvent.objects.create(
        application=app,
        action=action,
        from_status=from_status,
        to_status=app.status,
        actor=by if getattr(by, "pk", None) else None,
        actor_name=actor_name(by, actor),
        at=at,
        note=note,
        data=data or {},
    )
    audit_record(
        action=f"egov.application.{action}",
        actor=by if getattr(by, "pk", None) else None,
        actor_name=actor_name(by, actor),
        obj=app,
        before={"status": from_status, **(before or {})} if from_status or before else None,
        after={"status": app.status, **(after or {}), **({"note": note} if note else {})},
    )
    return event
