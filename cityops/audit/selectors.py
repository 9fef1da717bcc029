"""Reading and verifying the audit trail."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q

from cityops.audit.models import AuditHead, AuditRecord, AuditVerification
from cityops.audit.services import GENESIS, record_hash


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def chain_head() -> tuple[int, str]:
    """The last seq and hash of the chain, as its head row holds them."""
    head = AuditHead.objects.filter(id=1).first()
    return (head.seq, head.hash) if head else (0, GENESIS)


def audit_verify(*, chunk: int = 5000, progress: Callable[[int, int], None] | None = None) -> VerifyResult:
    """Walk the chain in order and report the first record whose link or content is broken.

    The walk goes to the head (the last seq and hash, written with each record) as it was read, then
    reads the head again and goes on while records were appended meanwhile, so a trail that grows
    during a long walk is verified to its new end rather than reported cut. It ends when no record
    lies beyond the head: a record there that the head does not know of (written around the chain)
    is a break. ``progress(checked, total)`` is called after each chunk.
    """
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    end, end_hash = chain_head()
    while True:
        while checked < end:
            batch = list(
                AuditRecord.objects.filter(seq__gte=expected_seq, seq__lte=end).order_by("seq")[:chunk]
            )
            if not batch:
                return VerifyResult(
                    False, checked, expected_seq, "records after the last one found are missing"
                )
            for rec in batch:
                if rec.seq != expected_seq:
                    return VerifyResult(False, checked, expected_seq, f"record #{expected_seq} is missing")
                if rec.prev_hash != prev_hash:
                    return VerifyResult(False, checked, rec.seq, "its link to the previous record is broken")
                if record_hash(rec) != rec.hash:
                    return VerifyResult(False, checked, rec.seq, "its content does not match its hash")
                prev_hash, expected_seq, checked = rec.hash, expected_seq + 1, checked + 1
            if progress is not None:
                progress(checked, end)
        if prev_hash != end_hash:
            return VerifyResult(
                False, checked, checked, "the last record is not the one the chain's head names"
            )
        if not AuditRecord.objects.filter(seq__gt=end).exists():
            return VerifyResult(True, checked)
        later, later_hash = chain_head()
        if later == end:
            return VerifyResult(False, checked, end + 1, "a record lies beyond the chain's head")
        end, end_hash = later, later_hash


# --- the auditor's page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """What the auditor's page narrows the trail to; empty fields narrow nothing."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    start: datetime | None = None  # from this moment on
    end: datetime | None = None  # before this moment


def _readable(user) -> None:
    if not (user.is_authenticated and user.can("audit.view")):
        raise PermissionDenied("Your role may not read the audit trail.")


def audit_list(*, user, filters: AuditFilter | None = None):
    """Audit records the user may read (the whole trail, for ``audit.view``), newest first. Every
    filter is an equality or a range on an index that ends in ``at``, so a page of any filter is read
    from the end of its index, whatever the size of the trail."""
    _readable(user)
    f = filters or AuditFilter()
    qs = AuditRecord.objects.filter(seq__isnull=False)  # a record shows once chained (within a second)
    if f.actor:
        qs = qs.filter(actor=f.actor)
    if f.action:
        qs = qs.filter(action=f.action)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id:
        qs = qs.filter(object_id=f.object_id)
    if f.start:
        qs = qs.filter(at__gte=f.start)
    if f.end:
        qs = qs.filter(at__lt=f.end)
    return qs.order_by("-at", "-seq")


@dataclass(frozen=True)
class TrailPage:
    records: list
    newer: int | None  # the seq to pass as ``after`` for the newer page (None: this is the newest)
    older: int | None  # the seq to pass as ``before`` for the older page (None: this is the oldest)


def _position(seq: int) -> tuple[datetime, int] | None:
    at = AuditRecord.objects.filter(seq=seq).values_list("at", flat=True).first()
    return None if at is None else (at, seq)


def trail_page(
    *, user, filters: AuditFilter, before: int | None = None, after: int | None = None, size: int = 50
):
    """One page of the trail, newest first, by keyset: the records older than the record ``before``
    (or newer than ``after``), never an OFFSET, so the thousandth page costs what the first does."""
    qs = audit_list(user=user, filters=filters)
    cursor = _position(before or after) if (before or after) else None
    if cursor is not None and after:
        at, seq = cursor
        rows = list(
            qs.filter(Q(at__gte=at) & (Q(at__gt=at) | Q(seq__gt=seq))).order_by("at", "seq")[: size + 1]
        )
        more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        return TrailPage(rows, rows[0].seq if rows and more_newer else None, rows[-1].seq if rows else None)
    if cursor is not None:
        at, seq = cursor
        qs = qs.filter(Q(at__lte=at) & (Q(at__lt=at) | Q(seq__lt=seq)))
    rows = list(qs[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    newer = rows[0].seq if rows and cursor is not None else None
    return TrailPage(rows, newer, rows[-1].seq if rows and more_older else None)


def distinct_values(column: str) -> list[str]:
    """The distinct values of an indexed column (``action``, ``object_type``, ``actor``), for the
    filters' suggestions: a loose index scan (one index probe per value, a recursive query on both
    databases) rather than a DISTINCT that reads the whole index."""
    if column not in ("action", "object_type", "actor"):
        raise ValueError(f"no index leads with {column!r}")
    table = connection.ops.quote_name(AuditRecord._meta.db_table)
    col = connection.ops.quote_name(column)
    sql = (
        f"WITH RECURSIVE v(x) AS (SELECT MIN({col}) FROM {table} "
        f"UNION ALL SELECT (SELECT MIN({col}) FROM {table} WHERE {col} > v.x) FROM v WHERE v.x IS NOT NULL) "
        "SELECT x FROM v WHERE x IS NOT NULL AND x <> ''"
    )
    with connection.cursor() as cur:
        cur.execute(sql)
        return [row[0] for row in cur.fetchall()]


def verification_latest() -> AuditVerification | None:
    """The verification asked for last, running or done."""
    return AuditVerification.objects.order_by("-requested_at", "-id").first()


def verification_list(*, user, limit: int = 10) -> list[AuditVerification]:
    _readable(user)
    return list(AuditVerification.objects.order_by("-requested_at", "-id")[:limit])
