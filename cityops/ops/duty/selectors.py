"""Reads of the duty desk: who is on duty now, the roster of a span of days, the handover log."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q
from django.utils import timezone

from cityops.ops.models import Decision, Handover, HandoverItem, RosterEntry, RosterOfficer, ShiftTemplate

# How long after its shift ends a handover may wait for the incoming officer's acknowledgement.
ACK_GRACE = timedelta(minutes=30)


def entries():
    officers = RosterOfficer.objects.select_related("user").order_by("position", "id")
    return RosterEntry.objects.select_related("template", "leader").prefetch_related(
        Prefetch("officers", queryset=officers)
    )


@dataclass
class OnDuty:
    """The shift running at a moment: its entry (None: nobody rostered), leader and officers."""

    at: datetime
    entry: RosterEntry | None = None
    officers: list = field(default_factory=list)

    @property
    def leader(self):
        return self.entry.leader if self.entry else None

    @property
    def gap(self) -> bool:
        return self.entry is None or not self.entry.leader.is_active


def on_duty(now: datetime | None = None) -> OnDuty:
    """Who is on duty at ``now``: the entry whose span holds it (the latest started, if two do)."""
    now = now or timezone.now()
    entry = entries().filter(starts_at__lte=now, ends_at__gt=now).order_by("-starts_at").first()
    if entry is None:
        return OnDuty(now)
    return OnDuty(now, entry, [o for o in entry.officers.all() if o.user.is_active])


def roster(start: date, end: date) -> list[RosterEntry]:
    """The roster entries of the dates ``start`` … ``end`` (both included)."""
    return list(entries().filter(date__gte=start, date__lte=end).order_by("date", "template__order"))


def templates():
    return ShiftTemplate.objects.filter(active=True)


def is_on(entry: RosterEntry, user) -> bool:
    """Whether ``user`` is the leader or an officer of ``entry``."""
    return entry.leader_id == user.pk or entry.officers.filter(user=user).exists()


def next_entry(entry: RosterEntry) -> RosterEntry | None:
    """The shift that takes over from ``entry``: the first to start at or after its end."""
    return entries().filter(starts_at__gte=entry.ends_at).order_by("starts_at").first()


def ack_overdue(handover: Handover, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        handover.acknowledged_at is None
        and now > max(handover.entry.ends_at, handover.written_at) + ACK_GRACE
    )


def handover_log(limit: int = 30, now: datetime | None = None) -> list[Handover]:
    """The latest handovers, each with ``new_items`` it raised and ``carried`` items still open
    from earlier ones when it was written, and ``overdue`` when its acknowledgement is late."""
    log = list(
        Handover.objects.select_related("entry__template", "written_by", "acknowledged_by").order_by(
            "-written_at"
        )[:limit]
    )
    if not log:
        return log
    oldest = log[-1].written_at
    items = list(
        HandoverItem.objects.filter(Q(closed_at__isnull=True) | Q(closed_at__gt=oldest))
        .filter(opened_at__lte=log[0].written_at)
        .select_related("closed_by", "handover__entry__template")
    )
    raised = {}
    for item in HandoverItem.objects.filter(handover__in=log).select_related("closed_by"):
        raised.setdefault(item.handover_id, []).append(item)
    now = now or timezone.now()
    for h in log:
        h.new_items = raised.get(h.pk, [])
        h.carried = [
            i
            for i in items
            if i.handover_id != h.pk
            and i.opened_at < h.written_at
            and (i.closed_at is None or i.closed_at > h.written_at)
        ]
        h.overdue = ack_overdue(h, now)
    return log


def open_items():
    return HandoverItem.objects.filter(closed_at__isnull=True).select_related("handover__entry__template")


def decisions(limit: int = 50):
    """Open decisions first (oldest first), then the latest decided."""
    base = Decision.objects.select_related("requested_by", "decided_by", "entry__leader").prefetch_related(
        "recipients"
    )
    pending = list(base.filter(decided_at__isnull=True).order_by("requested_at", "id")[:limit])
    done = list(base.filter(decided_at__isnull=False).order_by("-decided_at", "-id")[:limit])
    return pending, done
