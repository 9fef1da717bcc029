"""The pusher: for each resource, the next batch after its acknowledged position, POSTed upstream;
the position moves only when the receiver acknowledges the batch.

A batch is a catalogue version, up to ``CITYOPS_DATABRAIN_SYNC_BATCH`` records of one load in the
order of its file's rows, up to as many deleted records (their numbers and keys, by number), or a
withdrawal of the resource. Its id (``<source>:<resource>:<change>:<rows or version>``) is the
same however often it is sent, so the receiver recognises a resend. Only one pusher runs at a time:
it holds the claim on the ``SyncControl`` row, taken by a conditional UPDATE and renewed per batch.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from cityops.databrain import datastore
from cityops.databrain.choices import BatchStatus, ChangeKind, ShareType
from cityops.databrain.models import (
    Resource,
    ResourceVersion,
    SyncBatch,
    SyncChange,
    SyncControl,
    SyncState,
    SyncTombstone,
)
from cityops.databrain.records import mask
from cityops.databrain.sync import client

CLAIM_SECONDS = 300  # a claim not renewed for this long is a dead pusher's
RETRY_BASE = 10  # seconds before the first retry of a resource, doubling per failure…
RETRY_MAX = 900  # …up to this long
RUN_SECONDS = 240  # one run stops starting batches after this long (the claim is renewed per batch)


@dataclass
class Batch:
    batch_id: str
    change: SyncChange
    payload: dict
    first_row: int = 0
    last_row: int = 0
    rows: int = 0
    last: bool = True  # the change is done once this batch is acknowledged


@dataclass
class PushResult:
    acked: int = 0
    rows: int = 0
    failed: int = 0
    rejected: int = 0
    withheld: int = 0
    note: str = ""
    resources: list = field(default_factory=list)

    def summary(self) -> str:
        if self.note:
            return self.note
        if not (self.acked or self.failed or self.rejected or self.withheld):
            return ""
        return (
            f"{self.acked} batches ({self.rows} records) acknowledged, {self.failed} failed, "
            f"{self.rejected} rejected, {self.withheld} withheld"
        )


def backoff(failures: int) -> float:
    return min(RETRY_BASE * 2 ** max(failures - 1, 0), RETRY_MAX)


# ---- the claim -------------------------------------------------------------------------------------


def control() -> SyncControl:
    SyncControl.objects.bulk_create([SyncControl(pk=1)], ignore_conflicts=True)
    return SyncControl.objects.get(pk=1)


def claim(worker: str, *, now: datetime) -> bool:
    """Take (or renew) the pusher's claim; False when another live pusher holds it."""
    control()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_by=worker)
    return bool(
        SyncControl.objects.filter(free, pk=1).update(
            claimed_by=worker, claimed_until=now + timedelta(seconds=CLAIM_SECONDS)
        )
    )


def release(worker: str) -> None:
    SyncControl.objects.filter(pk=1, claimed_by=worker).update(claimed_by="", claimed_until=None)


# ---- batches ---------------------------------------------------------------------------------------


def _source() -> str:
    return settings.CITYOPS_DATABRAIN_SYNC_SOURCE


def _catalogue_batch(resource: Resource, change: SyncChange) -> Batch:
    version = ResourceVersion.objects.get(resource=resource, number=change.version)
    batch_id = f"{_source()}:{resource.code}:{change.seq}:v{change.version}"
    payload = {
        "kind": ChangeKind.CATALOGUE.value,
        "version": version.number,
        "at": version.at.isoformat(),
        "metadata": version.snapshot,
        "changes": version.changes,
    }
    return Batch(batch_id, change, payload)


def _records_batch(resource: Resource, change: SyncChange, after_row: int) -> Batch | None:
    """The next records of the load after ``after_row``; None when none are left (a later load
    rewrote them: they travel with that load)."""
    fields = list(resource.fields.all())
    size = settings.CITYOPS_DATABRAIN_SYNC_BATCH
    found = datastore.rows_of_load(resource, fields, change.load_id, after_row=after_row, limit=size + 1)
    if not found:
        return None
    rows, more = found[:size], len(found) > size
    personal = [f for f in fields if f.personal]
    records = []
    for row in rows:
        for f in personal:
            if row.get(f.name):
                row[f.name] = mask(f, row[f.name])
        values = {f.name: row[f.name] for f in fields}
        key = {k: values.get(k, "") for k in resource.key_fields}
        records.append({"_id": row["_id"], "key": key, "values": values})
    first, last = rows[0]["_row"], rows[-1]["_row"]
    payload = {
        "kind": ChangeKind.RECORDS.value,
        "load": change.load_id,
        "range": {"first_row": first, "last_row": last, "last_batch_of_load": not more},
        "fields": [{"name": f.name, "type": f.type, "personal": f.personal} for f in fields],
        "records": records,
    }
    batch_id = f"{_source()}:{resource.code}:{change.seq}:{first}-{last}"
    return Batch(batch_id, change, payload, first, last, len(rows), not more)


def _deletions_batch(resource: Resource, change: SyncChange, after_id: int) -> Batch | None:
    """The next deleted records of the change after record ``after_id``; None when none are left."""
    size = settings.CITYOPS_DATABRAIN_SYNC_BATCH
    found = list(
        SyncTombstone.objects.filter(change=change, record_id__gt=after_id)
        .order_by("record_id")
        .values_list("record_id", "key")[: size + 1]
    )
    if not found:
        return None
    rows, more = found[:size], len(found) > size
    first, last = rows[0][0], rows[-1][0]
    payload = {
        "kind": ChangeKind.DELETIONS.value,
        "load": change.load_id,
        "range": {"first_id": first, "last_id": last, "last_batch_of_change": not more},
        "records": [{"_id": rid, "key": key} for rid, key in rows],
    }
    batch_id = f"{_source()}:{resource.code}:{change.seq}:d{first}-{last}"
    return Batch(batch_id, change, payload, first, last, len(rows), not more)


def _withdrawal_batch(resource: Resource, change: SyncChange) -> Batch:
    payload = {
        "kind": ChangeKind.WITHDRAWAL.value,
        "at": resource.withdrawn_at.isoformat() if resource.withdrawn_at else change.at.isoformat(),
        "reason": resource.withdrawn_reason,
    }
    return Batch(f"{_source()}:{resource.code}:{change.seq}:withdrawn", change, payload)


def _batch(resource: Resource, change: SyncChange, position: int) -> Batch | None:
    if change.kind == ChangeKind.CATALOGUE:
        return _catalogue_batch(resource, change)
    if change.kind == ChangeKind.DELETIONS:
        return _deletions_batch(resource, change, position)
    if change.kind == ChangeKind.WITHDRAWAL:
        return _withdrawal_batch(resource, change)
    return _records_batch(resource, change, position)


def _envelope(resource: Resource, batch: Batch) -> dict:
    return {
        "batch_id": batch.batch_id,
        "source": _source(),
        "resource": {"code": resource.code, "name": resource.name, "share_type": resource.share_type},
        "change": batch.change.seq,
        **batch.payload,
    }


# ---- the position and the log ----------------------------------------------------------------------


def _log(state: SyncState, change: SyncChange, batch: Batch | None, status: str, **extra) -> SyncBatch:
    return SyncBatch.objects.create(
        batch_id=batch.batch_id if batch else f"{_source()}:{state.resource.code}:{change.seq}:withheld",
        resource_id=state.resource_id,
        seq=change.seq,
        kind=change.kind,
        first_row=batch.first_row if batch else 0,
        last_row=batch.last_row if batch else 0,
        rows=batch.rows if batch else change.rows,
        status=status,
        **extra,
    )


def _advance(state: SyncState, change: SyncChange, *, last: bool, row: int, now: datetime) -> None:
    if last:
        state.seq, state.row = change.seq, 0
        SyncChange.objects.filter(pk=change.pk).update(delivered_at=now)
    else:
        state.row = row
    state.failures, state.next_try_at, state.last_success_at = 0, None, now
    state.save(update_fields=["seq", "row", "failures", "next_try_at", "last_success_at"])


def _fail(state: SyncState, reply: client.Reply, *, now: datetime) -> None:
    state.last_error, state.last_error_at = reply.message, now
    if reply.outcome == client.REJECT:
        state.stopped = True
    else:
        state.failures += 1
        state.next_try_at = now + timedelta(seconds=backoff(state.failures))
    state.save(update_fields=["last_error", "last_error_at", "stopped", "failures", "next_try_at"])


# ---- the run ---------------------------------------------------------------------------------------


def due_states(*, now: datetime):
    """The resources with changes after their position that are neither paused, stopped nor waiting
    for a retry."""
    SyncState.objects.bulk_create(
        [SyncState(resource_id=r) for r in SyncChange.objects.values_list("resource", flat=True).distinct()],
        ignore_conflicts=True,
    )
    return (
        SyncState.objects.filter(paused=False, stopped=False)
        .filter(Q(next_try_at__isnull=True) | Q(next_try_at__lte=now))
        .annotate(head=Max("resource__sync_changes__seq"))
        .filter(head__gt=F("seq"))
        .select_related("resource")
        .order_by("resource__code")
    )


def _push_one(state: SyncState, result: PushResult, *, worker: str, deadline: float) -> bool:
    """Push the next batch of one resource; False when the resource is done for this run."""
    resource = state.resource
    change = SyncChange.objects.filter(resource=resource, seq__gt=state.seq).order_by("seq").first()
    if change is None or time.monotonic() > deadline:
        return False
    now = timezone.now()
    if change.kind == ChangeKind.RECORDS and resource.share_type == ShareType.NONE:
        with transaction.atomic():
            _log(state, change, None, BatchStatus.WITHHELD)
            _advance(state, change, last=True, row=0, now=now)
        result.withheld += 1
        return True
    batch = _batch(resource, change, state.row)
    if batch is None:
        _advance(state, change, last=True, row=0, now=now)
        return True
    if not claim(worker, now=now):
        result.note = "the claim was lost to another pusher"
        return False
    started = time.monotonic()
    reply = client.post(
        url=settings.CITYOPS_DATABRAIN_SYNC_URL,
        token=settings.CITYOPS_DATABRAIN_SYNC_TOKEN,
        batch_id=batch.batch_id,
        payload=_envelope(resource, batch),
        timeout=settings.CITYOPS_DATABRAIN_SYNC_TIMEOUT,
    )
    took = int((time.monotonic() - started) * 1000)
    now = timezone.now()
    with transaction.atomic():
        if reply.outcome == client.ACK:
            _log(state, change, batch, BatchStatus.ACKED, http_status=reply.http_status, duration_ms=took)
            _advance(state, change, last=batch.last, row=batch.last_row, now=now)
            result.acked += 1
            result.rows += batch.rows
            return True
        status = BatchStatus.REJECTED if reply.outcome == client.REJECT else BatchStatus.FAILED
        _log(
            state, change, batch, status, http_status=reply.http_status, error=reply.message, duration_ms=took
        )
        _fail(state, reply, now=now)
    if status == BatchStatus.REJECTED:
        result.rejected += 1
    else:
        result.failed += 1
    return False


def push(*, worker: str, now: datetime | None = None, run_seconds: float = RUN_SECONDS) -> PushResult:
    """One run of the pusher: every due resource until it is caught up, fails or the run's time is up."""
    result = PushResult()
    if not settings.CITYOPS_DATABRAIN_SYNC_URL:
        result.note = "no upstream address (CITYOPS_DATABRAIN_SYNC_URL)"
        return result
    now = now or timezone.now()
    if not claim(worker, now=now):
        result.note = "another pusher is running"
        return result
    try:
        if control().paused:
            result.note = "the upstream sync is paused"
            return result
        deadline = time.monotonic() + run_seconds
        for state in due_states(now=now):
            result.resources.append(state.resource.code)
            while _push_one(state, result, worker=worker, deadline=deadline):
                state.refresh_from_db(fields=["paused"])
                if state.paused or control().paused:
                    break
    finally:
        release(worker)
    return result
