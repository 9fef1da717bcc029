"""Writing the roster: one shift set or cleared, a span of days filled from a rotation.

The rules every write keeps: a shift has a leader who may lead (an active user with the command
right, ``ops.command``, scoped to the whole town) and at least one duty officer (an active user
with ``ops.duty``); nobody is on two shifts that overlap in time; a shift that has ended is changed
only by a system administrator. Every write is audited, a change of the past marked as such.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.accounts.roles import Role
from cityops.audit.services import audit_record
from cityops.core.errors import Forbidden, ValidationFailed
from cityops.ops.models import RosterEntry, RosterOfficer, ShiftTemplate

MAX_FILL_DAYS = 62


@dataclass
class Slot:
    """Who stands one shift: the leader and the officers, each with an optional phone (else the
    phone of their account)."""

    leader: object
    officers: list = field(default_factory=list)
    leader_phone: str = ""
    officer_phones: list[str] = field(default_factory=list)


def span(day: date, template: ShiftTemplate) -> tuple[datetime, datetime]:
    """The start and end of ``template`` on ``day`` in the town's time."""
    zone = timezone.get_default_timezone()
    starts = timezone.make_aware(datetime.combine(day, template.starts), zone)
    end_day = day + timedelta(days=1) if template.ends <= template.starts else day
    return starts, timezone.make_aware(datetime.combine(end_day, template.ends), zone)


def may_lead(user) -> bool:
    return bool(user and user.is_active and user.can("ops.command") and user.scope_level == "town")


def may_change_past(user) -> bool:
    return bool(user.is_superuser or user.role == Role.SYSADMIN)


def _people_errors(slot: Slot) -> list[dict]:
    errors = []
    if slot.leader is None:
        errors.append({"field": "leader", "message": _("a shift needs a leader on duty")})
    elif not may_lead(slot.leader):
        errors.append(
            {
                "field": "leader",
                "message": _(
                    "%(name)s may not lead a shift: a leader has the command right for the whole town"
                )
                % {"name": slot.leader},
            }
        )
    if not slot.officers:
        errors.append({"field": "officers", "message": _("a shift needs at least one duty officer")})
    seen = set()
    for user in slot.officers:
        if not (user.is_active and user.can("ops.duty")):
            errors.append({"field": "officers", "message": _("%(name)s may not keep duty") % {"name": user}})
        if slot.leader is not None and user.pk == slot.leader.pk:
            errors.append(
                {"field": "officers", "message": _("%(name)s is the leader of this shift") % {"name": user}}
            )
        if user.pk in seen:
            errors.append({"field": "officers", "message": _("%(name)s is listed twice") % {"name": user}})
        seen.add(user.pk)
    return errors


def _overlap_errors(day: date, template: ShiftTemplate, slot: Slot) -> list[dict]:
    starts, ends = span(day, template)
    people = [u for u in [slot.leader, *slot.officers] if u is not None]
    ids = {u.pk for u in people}
    clashing = (
        RosterEntry.objects.filter(starts_at__lt=ends, ends_at__gt=starts)
        .exclude(date=day, template=template)
        .select_related("template")
    )
    errors = []
    for other in clashing:
        on_other = {other.leader_id} | set(other.officers.values_list("user_id", flat=True))
        for user in people:
            if user.pk in on_other & ids:
                errors.append(
                    {
                        "field": "leader" if user is slot.leader else "officers",
                        "message": _("%(name)s is already on duty %(date)s %(shift)s, which overlaps")
                        % {"name": user, "date": other.date.isoformat(), "shift": other.template.name},
                    }
                )
    return errors


def _check_time(day: date, template: ShiftTemplate, by, now) -> bool:
    """Whether the shift has ended (refused unless ``by`` may change the past)."""
    past = span(day, template)[1] <= now
    if past and not may_change_past(by):
        raise Forbidden(
            _("the shift %(date)s %(shift)s has ended; only a system administrator may change it")
            % {"date": day.isoformat(), "shift": template.name}
        )
    return past


def _snapshot(entry: RosterEntry | None) -> dict | None:
    if entry is None:
        return None
    return {
        "leader": entry.leader.username,
        "leader_phone": entry.leader_phone,
        "officers": [[o.user.username, o.phone] for o in entry.officers.select_related("user")],
    }


@transaction.atomic
def roster_set(*, day: date, template: ShiftTemplate, slot: Slot, by, now=None) -> RosterEntry:
    """Put ``slot`` on duty for ``template`` on ``day`` (creating or replacing the entry)."""
    now = now or timezone.now()
    if not template.active:
        raise ValidationFailed(_("the shift %(shift)s is no longer used") % {"shift": template.name})
    past = _check_time(day, template, by, now)
    errors = _people_errors(slot)
    if not errors:
        errors = _overlap_errors(day, template, slot)
    if errors:
        raise ValidationFailed("; ".join(e["message"] for e in errors), errors=errors)
    entry = RosterEntry.objects.select_for_update().filter(date=day, template=template).first()
    before = _snapshot(entry)
    starts, ends = span(day, template)
    phone = slot.leader_phone.strip() or slot.leader.phone
    if entry is None:
        entry = RosterEntry(date=day, template=template)
    entry.starts_at, entry.ends_at = starts, ends
    entry.leader, entry.leader_phone, entry.updated_by = slot.leader, phone, by
    entry.save()
    entry.officers.all().delete()
    phones = list(slot.officer_phones) + [""] * len(slot.officers)
    RosterOfficer.objects.bulk_create(
        [
            RosterOfficer(entry=entry, user=u, phone=(phones[i] or "").strip() or u.phone, position=i)
            for i, u in enumerate(slot.officers)
        ]
    )
    audit_record(
        action="ops.roster.set",
        actor=by,
        obj=entry,
        before=before,
        after={**_snapshot(entry), "date": day.isoformat(), "shift": template.code, "past": past},
    )
    return entry


@transaction.atomic
def roster_clear(*, day: date, template: ShiftTemplate, by, now=None) -> bool:
    """Take the entry of ``template`` on ``day`` off the roster; False if there was none."""
    now = now or timezone.now()
    past = _check_time(day, template, by, now)
    entry = RosterEntry.objects.select_for_update().filter(date=day, template=template).first()
    if entry is None:
        return False
    if hasattr(entry, "handover"):
        raise ValidationFailed(_("this shift has written its handover; it stays on the roster"))
    before = _snapshot(entry)
    audit_record(
        action="ops.roster.clear",
        actor=by,
        obj=entry,
        before=before,
        after={"date": day.isoformat(), "shift": template.code, "past": past},
    )
    entry.delete()
    return True


@transaction.atomic
def roster_fill(
    *, start: date, end: date, pattern: dict[ShiftTemplate, list[Slot]], by, overwrite: bool = False, now=None
) -> int:
    """Fill ``start`` … ``end`` from a rotation: day n of the span takes slot n mod len for each
    shift. All or nothing: every day's problem is named, and one problem writes nothing.
    Existing entries are kept unless ``overwrite``. Returns how many shifts were written."""
    if end < start:
        raise ValidationFailed(_("the end date is before the start date"))
    days = (end - start).days + 1
    if days > MAX_FILL_DAYS:
        raise ValidationFailed(_("fill at most %(n)s days at once") % {"n": MAX_FILL_DAYS})
    if not any(pattern.values()):
        raise ValidationFailed(_("the rotation is empty"))
    errors, written = [], 0
    for n in range(days):
        day = start + timedelta(days=n)
        for template, slots in pattern.items():
            if not slots:
                continue
            if not overwrite and RosterEntry.objects.filter(date=day, template=template).exists():
                continue
            try:
                with transaction.atomic():
                    roster_set(day=day, template=template, slot=slots[n % len(slots)], by=by, now=now)
                written += 1
            except (ValidationFailed, Forbidden) as exc:
                errors.append({"date": day.isoformat(), "shift": template.code, "message": exc.detail})
    if errors:
        transaction.set_rollback(True)
        raise ValidationFailed(
            _("The roster was not filled: %(count)s problem(s) found; nothing was written.")
            % {"count": len(errors)},
            errors=errors,
        )
    return written
