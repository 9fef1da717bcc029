"""The chain's verification asked for on the auditor's page: a request is a row, a worker (the job
``audit.verify``) claims it with a conditional UPDATE, walks the chain writing its progress to the
row, and records the outcome there and in the trail. A worker that died mid-walk stops beating its
heart, and the next one takes the row over, so a request is never left hanging."""

import socket
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cityops.audit.choices import VerificationStatus
from cityops.audit.models import AuditVerification
from cityops.audit.selectors import audit_verify, chain_head
from cityops.audit.services import audit_record
from cityops.core.errors import Forbidden
from cityops.core.jobs import run_soon

JOB = "audit.verify"
STALE = timedelta(minutes=5)  # a running walk whose heart has not beaten for this long is taken over
WAITING = (VerificationStatus.QUEUED, VerificationStatus.RUNNING)


def verification_request(*, by) -> AuditVerification:
    """Ask for the chain to be verified in the background; a request still waiting or running is
    returned instead of a second one (one walk at a time reads the whole trail once)."""
    if not (by.is_authenticated and by.can("audit.view")):
        raise Forbidden("Only those who may read the audit trail may verify it.")
    with transaction.atomic():
        pending = AuditVerification.objects.select_for_update().filter(status__in=WAITING).first()
        if pending is not None:
            return pending
        row = AuditVerification.objects.create(
            requested_at=timezone.now(), requested_by=by.username, total=chain_head()[0]
        )
        audit_record(action="audit.verify.request", actor=by, obj=row)
    run_soon(JOB)
    return row


def _claim(worker: str, now) -> AuditVerification | None:
    stale = Q(status=VerificationStatus.RUNNING, heartbeat_at__lt=now - STALE)
    for row in AuditVerification.objects.filter(Q(status=VerificationStatus.QUEUED) | stale).order_by(
        "requested_at"
    ):
        taken = AuditVerification.objects.filter(
            pk=row.pk, status=row.status, heartbeat_at=row.heartbeat_at
        ).update(
            status=VerificationStatus.RUNNING, worker=worker, started_at=now, heartbeat_at=now, checked=0
        )
        if taken:
            return AuditVerification.objects.get(pk=row.pk)
    return None


def verification_run(*, worker: str | None = None) -> AuditVerification | None:
    """Claim the oldest waiting request (or one a dead worker left) and walk the chain for it."""
    worker = worker or socket.gethostname()
    row = _claim(worker, timezone.now())
    if row is None:
        return None

    def progress(checked: int, total: int) -> None:
        AuditVerification.objects.filter(pk=row.pk, worker=worker).update(
            checked=checked, total=max(total, row.total), heartbeat_at=timezone.now()
        )

    try:
        result = audit_verify(progress=progress)
    except Exception as exc:
        _finish(
            row, worker, VerificationStatus.FAILED, checked=None, reason=f"{type(exc).__name__}: {exc}"[:300]
        )
        raise
    status = VerificationStatus.INTACT if result.ok else VerificationStatus.BROKEN
    return _finish(
        row, worker, status, checked=result.checked, broken_seq=result.broken_seq, reason=result.reason
    )


def _finish(row, worker, status, *, checked, broken_seq=None, reason="") -> AuditVerification:
    changes = {"status": status, "finished_at": timezone.now(), "broken_seq": broken_seq, "reason": reason}
    if checked is not None:
        changes["checked"] = checked
    with transaction.atomic():
        AuditVerification.objects.filter(pk=row.pk, worker=worker).update(**changes)
        row.refresh_from_db()
        audit_record(
            action="audit.verify.done",
            actor_name=row.requested_by,
            obj=row,
            after={
                "status": status.value,
                "checked": row.checked,
                "broken_seq": broken_seq,
                "reason": reason,
            },
        )
    return row
