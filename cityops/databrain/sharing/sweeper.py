"""The clock of conditional requests, recomputed from the rows: idempotent and safe across restarts.

A pending request one working day before its due time is *warned* (its provider told once); past its
due time it is *escalated* (the data stewards told once, the request marked). Each mark is a
conditional UPDATE of a still-pending, still-unmarked row, so a second sweep, or two sweepers at
once, change nothing more.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.databrain.choices import RequestStatus
from cityops.databrain.models import ShareEvent, ShareRequest
from cityops.databrain.sharing import rules
from cityops.databrain.sharing.notify import notify_escalation, notify_providers


@dataclass
class SweepResult:
    warned: int = 0
    escalated: int = 0


def _mark(req: ShareRequest, field: str, action: str, now, text: str, notify) -> bool:
    with transaction.atomic():
        done = ShareRequest.objects.filter(
            pk=req.pk, status=RequestStatus.PENDING, **{f"{field}__isnull": True}
        ).update(**{field: now})
        if not done:
            return False
        note = _("due %(due)s") % {"due": timezone.localtime(req.due_at).strftime("%Y-%m-%d %H:%M")}
        ShareEvent.objects.create(request=req, action=action, actor_name="sweeper", at=now, note=note)
        audit_record(
            action=f"databrain.share.{action}",
            actor_name="sweeper",
            obj=req,
            after={"due_at": req.due_at.isoformat()},
        )
        notify(req, text)
    return True


def sweep(now=None) -> SweepResult:
    """Warn the pending requests near their due time and escalate the overdue ones, each once."""
    now = now or timezone.now()
    result = SweepResult()
    pending = ShareRequest.objects.filter(status=RequestStatus.PENDING, due_at__isnull=False).select_related(
        "resource", "consumer"
    )
    for req in pending.filter(due_at__lt=now, escalated_at__isnull=True).order_by("due_at"):
        text = _("Sharing request #%(id)s (%(consumer)s → %(resource)s) is overdue and escalated.") % {
            "id": req.pk,
            "consumer": req.consumer.name,
            "resource": req.resource.name,
        }
        result.escalated += _mark(req, "escalated_at", "escalate", now, text, notify_escalation)
    for req in pending.filter(due_at__gte=now, warned_at__isnull=True).order_by("due_at"):
        if now < rules.warn_at(req.requested_at):
            continue
        text = _("Sharing request #%(id)s (%(consumer)s → %(resource)s) is due %(due)s.") % {
            "id": req.pk,
            "consumer": req.consumer.name,
            "resource": req.resource.name,
            "due": timezone.localtime(req.due_at).strftime("%Y-%m-%d %H:%M"),
        }
        result.warned += _mark(req, "warned_at", "warn", now, text, notify_providers)
    return result
