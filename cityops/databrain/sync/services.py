"""The data steward's controls of the upstream sync: pause and resume a resource or the whole sync,
and push now, each one transaction with its audit record; and the prune of what was delivered."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.core.errors import Forbidden, NotFound
from cityops.core.jobs import jobs_sync, registry
from cityops.core.models import Job
from cityops.databrain.models import Resource, SyncBatch, SyncChange, SyncControl, SyncState
from cityops.databrain.sync.pusher import control

JOB = "databrain.sync_push"


def _require(by) -> None:
    if by is not None and not by.can("databrain.change"):
        raise Forbidden(_("Your role may not do %(action)s.") % {"action": "databrain.change"})


def _state(code: str) -> SyncState:
    resource = Resource.objects.filter(code=code).first()
    if resource is None:
        raise NotFound(_("No resource %(code)s.") % {"code": code})
    state, _created = SyncState.objects.select_for_update().get_or_create(resource=resource)
    return state


def sync_pause(*, code: str | None = None, by=None, actor_name: str = "") -> None:
    """Stop pushing one resource (``code``) or everything (no code) until resumed."""
    _require(by)
    with transaction.atomic():
        if code is None:
            control()
            SyncControl.objects.filter(pk=1).update(paused=True)
            audit_record(action="databrain.sync.pause", actor=by, actor_name=actor_name, object_type="sync")
            return
        state = _state(code)
        state.paused = True
        state.save(update_fields=["paused"])
        audit_record(action="databrain.sync.pause", actor=by, actor_name=actor_name, obj=state.resource)


def sync_resume(*, code: str | None = None, by=None, actor_name: str = "") -> None:
    """Push again: lifts a pause, a stop after a rejection and the wait before the next retry."""
    _require(by)
    with transaction.atomic():
        if code is None:
            control()
            SyncControl.objects.filter(pk=1).update(paused=False)
            audit_record(action="databrain.sync.resume", actor=by, actor_name=actor_name, object_type="sync")
            return
        state = _state(code)
        before = {"paused": state.paused, "stopped": state.stopped, "error": state.last_error}
        state.paused = state.stopped = False
        state.failures, state.next_try_at = 0, None
        state.save(update_fields=["paused", "stopped", "failures", "next_try_at"])
        audit_record(
            action="databrain.sync.resume", actor=by, actor_name=actor_name, obj=state.resource, before=before
        )


def sync_push_now(*, by=None, actor_name: str = "") -> None:
    """Make the pusher's background job due now (the worker runs it within its poll)."""
    _require(by)
    with transaction.atomic():
        jobs_sync([registry()[JOB]])
        Job.objects.filter(name=JOB).update(next_run_at=timezone.now())
        SyncState.objects.filter(stopped=False).update(next_try_at=None)
        audit_record(action="databrain.sync.push_now", actor=by, actor_name=actor_name, object_type="sync")


def sync_prune(*, now: datetime | None = None) -> tuple[int, int]:
    """Delete the outbox rows (with their deleted records' tombstones) delivered more than
    ``CITYOPS_DATABRAIN_SYNC_KEEP_DAYS`` ago, and the log of delivered changes older than that; never a
    change not yet delivered, nor a resource's latest change (the numbering continues from it).
    Returns (changes, log rows) deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CITYOPS_DATABRAIN_SYNC_KEEP_DAYS)
    heads = dict(
        SyncChange.objects.values("resource").annotate(head=Max("seq")).values_list("resource", "head")
    )
    changes = batches = 0
    for resource_id, delivered in SyncState.objects.filter(seq__gt=0).values_list("resource_id", "seq"):
        keep_from = min(delivered, heads.get(resource_id, 0) - 1)
        with transaction.atomic():
            changes += (
                SyncChange.objects.filter(
                    resource_id=resource_id, seq__lte=keep_from, delivered_at__lt=cutoff
                )
                .delete()[1]
                .get("databrain.SyncChange", 0)
            )
            batches += SyncBatch.objects.filter(
                resource_id=resource_id, seq__lte=delivered, at__lt=cutoff
            ).delete()[0]
    return changes, batches
