"""Reads of the upstream sync: each resource's place (health, lag in changes and in time) and the log."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from cityops.databrain.choices import BatchStatus, SyncHealth
from cityops.databrain.models import Resource, SyncBatch, SyncChange, SyncState
from cityops.databrain.sync.pusher import control


@dataclass
class ResourceSync:
    code: str
    name: str
    share_type: str
    head: int  # changes captured
    seq: int  # changes acknowledged whole
    row: int  # rows acknowledged of the next change (record numbers when it is a deletion)
    health: SyncHealth
    lag_changes: int
    lag: timedelta | None  # how long the oldest change not yet acknowledged has waited
    state: SyncState | None
    next_kind: str = ""  # the kind of the oldest change not yet acknowledged


def _health(state: SyncState | None, behind: bool, paused_all: bool) -> SyncHealth:
    if paused_all or (state and state.paused):
        return SyncHealth.PAUSED
    if state and state.stopped:
        return SyncHealth.STOPPED
    if state and state.failures:
        return SyncHealth.FAILING
    return SyncHealth.BEHIND if behind else SyncHealth.IN_SYNC


def sync_overview(*, now: datetime | None = None) -> list[ResourceSync]:
    """Every catalogued resource with its sync position and health (three queries in all)."""
    now = now or timezone.now()
    paused_all = control().paused
    resources = list(Resource.objects.annotate(head=Max("sync_changes__seq")).order_by("code"))
    states = {s.resource_id: s for s in SyncState.objects.all()}
    seqs = {pk: s.seq for pk, s in states.items()}
    behind = [(r.pk, seqs.get(r.pk, 0)) for r in resources if (r.head or 0) > seqs.get(r.pk, 0)]
    oldest = {}
    if behind:
        first = Q()
        for pk, seq in behind:
            first |= Q(resource_id=pk, seq=seq + 1)
        oldest = {
            pk: (at, kind)
            for pk, at, kind in SyncChange.objects.filter(first).values_list("resource_id", "at", "kind")
        }
    out = []
    for r in resources:
        state = states.get(r.pk)
        seq = state.seq if state else 0
        head = r.head or 0
        out.append(
            ResourceSync(
                code=r.code,
                name=r.name,
                share_type=r.share_type,
                head=head,
                seq=seq,
                row=state.row if state else 0,
                health=_health(state, head > seq, paused_all),
                lag_changes=head - seq,
                lag=now - oldest[r.pk][0] if r.pk in oldest else None,
                state=state,
                next_kind=oldest[r.pk][1] if r.pk in oldest else "",
            )
        )
    return out


def sync_totals(rows: list[ResourceSync]) -> dict:
    """How many resources are in each health, for the page's head."""
    counts = {h.value: 0 for h in SyncHealth}
    for r in rows:
        counts[r.health.value] += 1
    return counts


@dataclass(frozen=True)
class LogFilter:
    resource: str = ""
    status: str = ""


def sync_log(*, f: LogFilter):
    """The sync log, newest first, by resource code and status."""
    qs = SyncBatch.objects.select_related("resource")
    if f.resource:
        qs = qs.filter(resource__code=f.resource)
    if f.status in BatchStatus.values:
        qs = qs.filter(status=f.status)
    return qs.order_by("-at", "-id")


def sync_configured() -> dict:
    return {
        "url": settings.CITYOPS_DATABRAIN_SYNC_URL,
        "batch": settings.CITYOPS_DATABRAIN_SYNC_BATCH,
        "timeout": settings.CITYOPS_DATABRAIN_SYNC_TIMEOUT,
        "interval": settings.CITYOPS_DATABRAIN_SYNC_INTERVAL,
        "paused": control().paused,
    }
