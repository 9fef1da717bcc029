"""Appending to the audit trail and computing its hash chain.

On SQLite (one writer at a time anyway) a record is chained as it is written: the head row is
locked, the record takes the next seq and the head's hash. On PostgreSQL that lock, held to the
writer's commit, made every audited transaction queue behind the one before it; there a record is
written unchained, and the chain's sequencer (``audit_chain``, run by the worker about four times
a second) chains the committed records in the order of their ids. docs/architecture.md, "The
audit chain's sequencer", says why and what it costs.
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from cityops.audit.models import AuditHead, AuditRecord
from cityops.core import context
from cityops.core.locks import exclusive
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
    rec = AuditRecord(
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
    )
    if connection.vendor == "postgresql":
        rec.save()  # unchained: the sequencer chains it once it has committed
        return rec
    # No savepoint: a failure here must fail the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        _link(rec, head)
        rec.save()
        AuditHead.objects.filter(id=1).update(seq=head.seq, hash=head.hash)
    return rec


def _link(rec: AuditRecord, head: AuditHead) -> None:
    """Make ``rec`` the record after ``head``, and ``head`` name it."""
    rec.seq, rec.prev_hash = head.seq + 1, head.hash
    rec.hash = record_hash(rec)
    head.seq, head.hash = rec.seq, rec.hash


CHAIN_LOCK = "audit.chain"
CHAIN_BATCH = 2000
_CHAIN_SQL = "UPDATE audit_auditrecord SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s AND seq IS NULL"


def audit_chain(*, batch: int = CHAIN_BATCH) -> int:
    """Chain the committed unchained records, oldest id first; how many were chained.

    One sequencer at a time (a named lock, and the head row locked): a second one finds the lock
    taken and chains nothing. A record whose writer has not committed yet is not visible here and
    waits for a later run: it then takes the next seq, so the chain has no gaps whatever order the
    writers commit in. Each record's hash is computed from the row as stored, as ``audit_verify``
    will recompute it.
    """
    total = 0
    while True:
        with transaction.atomic(), exclusive(CHAIN_LOCK) as taken:
            if not taken:
                return total
            records = list(AuditRecord.objects.filter(seq__isnull=True).order_by("id")[:batch])
            if not records:
                return total
            head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
            rows = []
            for rec in records:
                _link(rec, head)
                rows.append((rec.seq, rec.prev_hash, rec.hash, rec.pk))
            with connection.cursor() as cur:
                cur.executemany(_CHAIN_SQL, rows)
            AuditHead.objects.filter(id=1).update(seq=head.seq, hash=head.hash)
        total += len(records)
        if len(records) < batch:
            return total


def unchained_count() -> int:
    """Records written but not chained yet (on PostgreSQL, for about a second after each commit)."""
    return AuditRecord.objects.filter(seq__isnull=True).count()


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    """The before and after values of only the fields that differ."""
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
