"""Appending to the audit trail and computing its hash chain."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from cityops.audit.models import AuditHead, AuditRecord
from cityops.core import context
from cityops.core.masking import mask_fields

GENESIS = "0" * 64


def _canonical(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def record_hash(rec: AuditRecord) -> str:
    """SHA-256 over every field of the record and the previous record's hash."""
    body = {
        "seq": rec.seq,
        "at": rec.at.isoformat(timespec="microseconds"),
        "actor_id": rec.actor_id,
        "actor": rec.actor,
        "action": rec.action,
        "object_type": rec.object_type,
        "object_id": rec.object_id,
        "object_repr": rec.object_repr,
        "before": rec.before,
        "after": rec.after,
        "ip": rec.ip,
        "request_id": rec.request_id,
        "prev_hash": rec.prev_hash,
    }
    return hashlib.sha256(_canonical(body).encode()).hexdigest()


def _jsonable(data: dict | None) -> dict | None:
    return None if data is None else json.loads(_canonical(mask_fields(data)))


def audit_record(
    *,
    action: str,
    actor=None,
    actor_name: str = "",
    obj=None,
    object_type: str = "",
    object_id: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditRecord:
    """Append one record to the chain, inside the caller's transaction if there is one."""
    ctx = context.current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    # No savepoint: a failure here must fail the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        rec = AuditRecord(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            actor=(getattr(actor, "username", "") or actor_name)[:150],
            action=action,
            object_type=object_type,
            object_id=object_id[:64],
            object_repr=str(obj)[:200] if obj is not None else "",
            before=_jsonable(before),
            after=_jsonable(after),
            ip=ctx.ip,
            request_id=ctx.request_id,
            prev_hash=head.hash,
        )
        rec.hash = record_hash(rec)
        rec.save()
        AuditHead.objects.filter(id=1).update(seq=rec.seq, hash=rec.hash)
    return rec


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    """The before and after values of only the fields that differ."""
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
