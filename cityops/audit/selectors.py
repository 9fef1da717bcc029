"""Reading and verifying the audit trail."""

from dataclasses import dataclass

from cityops.audit.models import AuditHead, AuditRecord
from cityops.audit.services import GENESIS, record_hash


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def audit_verify(*, chunk: int = 5000) -> VerifyResult:
    """Walk the chain in order and report the first record whose link or content is broken."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    last_seq = 0
    while True:
        batch = list(AuditRecord.objects.filter(seq__gt=last_seq).order_by("seq")[:chunk])
        if not batch:
            break
        for rec in batch:
            if rec.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq, f"record #{expected_seq} is missing")
            if rec.prev_hash != prev_hash:
                return VerifyResult(False, checked, rec.seq, "its link to the previous record is broken")
            if record_hash(rec) != rec.hash:
                return VerifyResult(False, checked, rec.seq, "its content does not match its hash")
            prev_hash, expected_seq, checked = rec.hash, expected_seq + 1, checked + 1
        last_seq = batch[-1].seq
    head = AuditHead.objects.filter(id=1).first()
    if head and (head.seq != checked or head.hash != prev_hash):
        return VerifyResult(False, checked, checked + 1, "records after the last one found are missing")
    return VerifyResult(True, checked)


def audit_list(*, user, filters: dict | None = None):
    """Audit records the user may read, newest first."""
    if not (user.is_authenticated and user.can("audit.view")):
        return AuditRecord.objects.none()
    qs = AuditRecord.objects.all()
    filters = filters or {}
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    if filters.get("actor"):
        qs = qs.filter(actor=filters["actor"])
    if filters.get("object_type"):
        qs = qs.filter(object_type=filters["object_type"])
    return qs
