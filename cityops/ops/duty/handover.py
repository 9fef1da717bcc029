"""The handover log: the outgoing shift writes what happened and what is still open; the open
items follow every later log until someone closes them; the incoming shift acknowledges."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.core.errors import Conflict, Forbidden, ValidationFailed
from cityops.ops.duty.roster import may_change_past
from cityops.ops.duty.selectors import is_on, next_entry
from cityops.ops.models import Handover, HandoverItem, RosterEntry


@transaction.atomic
def handover_write(*, entry: RosterEntry, summary: str, items: list[str], by, now=None) -> Handover:
    """The handover of ``entry`` by one of its people, with the new open ``items`` it raises."""
    now = now or timezone.now()
    summary = summary.strip()
    items = [t.strip() for t in items if t.strip()]
    if not (is_on(entry, by) or may_change_past(by)):
        raise Forbidden(_("only the leader or an officer of this shift writes its handover"))
    if entry.starts_at > now:
        raise ValidationFailed(_("this shift has not started; there is nothing to hand over yet"))
    if not summary:
        raise ValidationFailed(_("say what happened on the shift"), errors=[{"field": "summary"}])
    if any(len(t) > 300 for t in items):
        raise ValidationFailed(_("an open item is longer than 300 characters"), errors=[{"field": "items"}])
    if Handover.objects.select_for_update().filter(entry=entry).exists():
        raise Conflict(_("this shift's handover is already written"))
    handover = Handover.objects.create(entry=entry, summary=summary, written_by=by, written_at=now)
    HandoverItem.objects.bulk_create([HandoverItem(handover=handover, text=t, opened_at=now) for t in items])
    audit_record(
        action="ops.handover.write",
        actor=by,
        obj=handover,
        after={"entry": str(entry), "summary": summary, "items": items},
    )
    return handover


@transaction.atomic
def handover_acknowledge(*, handover: Handover, by, now=None) -> Handover:
    """The incoming shift (its leader or an officer) confirms it has read the handover."""
    now = now or timezone.now()
    handover = Handover.objects.select_for_update().select_related("entry").get(pk=handover.pk)
    if handover.acknowledged_at is not None:
        raise Conflict(_("this handover is already acknowledged"))
    incoming = next_entry(handover.entry)
    if not ((incoming and is_on(incoming, by)) or may_change_past(by)):
        raise Forbidden(_("only the leader or an officer of the next shift acknowledges the handover"))
    handover.acknowledged_by, handover.acknowledged_at = by, now
    handover.save(update_fields=["acknowledged_by", "acknowledged_at"])
    audit_record(action="ops.handover.acknowledge", actor=by, obj=handover, after={"at": now.isoformat()})
    return handover


@transaction.atomic
def item_close(*, item: HandoverItem, note: str, by, now=None) -> HandoverItem:
    """Close an open item, saying how it was settled."""
    now = now or timezone.now()
    note = note.strip()
    if not by.can("ops.duty"):
        raise Forbidden(_("your role may not keep duty"))
    if not note:
        raise ValidationFailed(_("say how the item was closed"), errors=[{"field": "note"}])
    item = HandoverItem.objects.select_for_update().get(pk=item.pk)
    if item.closed_at is not None:
        raise Conflict(_("this item is already closed"))
    item.closed_at, item.closed_by, item.closed_note = now, by, note[:300]
    item.save(update_fields=["closed_at", "closed_by", "closed_note"])
    audit_record(
        action="ops.handover.item_close", actor=by, obj=item, after={"text": item.text, "note": note}
    )
    return item
