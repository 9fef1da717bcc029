"""The roster's rules: a leader who may lead, officers who may keep duty, nobody on two
overlapping shifts, the past changed only by a system administrator, every write audited."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from cityops.audit.models import AuditRecord
from cityops.core.errors import Forbidden, ValidationFailed
from cityops.ops.duty.roster import Slot, roster_clear, roster_fill, roster_set, span
from cityops.ops.duty.selectors import on_duty
from cityops.ops.models import RosterEntry, ShiftTemplate

pytestmark = pytest.mark.django_db


def test_a_night_shift_ends_the_next_morning(shifts):
    starts, ends = span(date(2025, 3, 1), shifts["night"])
    assert timezone.localtime(starts).strftime("%m-%d %H:%M") == "03-01 17:30"
    assert timezone.localtime(ends).strftime("%m-%d %H:%M") == "03-02 08:30"


def test_set_writes_the_entry_with_phones_and_an_audit_record(shifts, people, future_day):
    p = people
    entry = roster_set(
        day=future_day,
        template=shifts["day"],
        slot=Slot(p["lead1"], [p["duty1"], p["duty2"]], officer_phones=["", "13900000002"]),
        by=p["officer"],
    )
    assert entry.leader == p["lead1"] and entry.leader_phone == "13812345678"
    assert [(o.user.username, o.phone) for o in entry.officers.all()] == [
        ("duty1", "13812345678"),
        ("duty2", "13900000002"),
    ]
    record = AuditRecord.objects.get(action="ops.roster.set")
    assert record.after["officers"] == [["duty1", "13812345678"], ["duty2", "13900000002"]]
    assert record.after["past"] is False
    # setting it again replaces the people
    roster_set(day=future_day, template=shifts["day"], slot=Slot(p["lead2"], [p["duty3"]]), by=p["officer"])
    entry.refresh_from_db()
    assert entry.leader == p["lead2"] and [o.user.username for o in entry.officers.all()] == ["duty3"]
    assert RosterEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("leader", "officers", "message"),
    [
        (None, ["duty1"], "a shift needs a leader on duty"),
        ("area_officer", ["duty1"], "area_officer may not lead a shift"),
        ("dispatcher_v1", ["duty1"], "dispatcher_v1 may not lead a shift"),
        ("lead1", [], "a shift needs at least one duty officer"),
        ("lead1", ["dispatcher_v1"], "dispatcher_v1 may not keep duty"),
        ("lead1", ["lead1"], "lead1 is the leader of this shift"),
        ("lead1", ["duty1", "duty1"], "duty1 is listed twice"),
    ],
)
def test_who_may_stand_a_shift(shifts, people, future_day, leader, officers, message):
    slot = Slot(people[leader] if leader else None, [people[o] for o in officers])
    with pytest.raises(ValidationFailed, match=message):
        roster_set(day=future_day, template=shifts["day"], slot=slot, by=people["officer"])
    assert not RosterEntry.objects.exists()


def test_nobody_stands_two_overlapping_shifts(shifts, people, future_day):
    p = people
    roster_set(day=future_day, template=shifts["night"], slot=Slot(p["lead1"], [p["duty1"]]), by=p["officer"])
    # the next morning's day shift starts when the night ends: touching, not overlapping
    roster_set(
        day=future_day + timedelta(days=1),
        template=shifts["day"],
        slot=Slot(p["lead1"], [p["duty1"]]),
        by=p["officer"],
    )
    evening = ShiftTemplate.objects.create(
        code="evening", name="Evening", starts="16:00", ends="22:00", order=3
    )
    evening.refresh_from_db()
    with pytest.raises(ValidationFailed, match="duty1 is already on duty"):
        roster_set(day=future_day, template=evening, slot=Slot(p["lead2"], [p["duty1"]]), by=p["officer"])
    with pytest.raises(ValidationFailed, match="lead1 is already on duty"):
        roster_set(day=future_day, template=evening, slot=Slot(p["lead2"], [p["lead1"]]), by=p["officer"])
    assert not RosterEntry.objects.filter(template=evening).exists()


def test_an_ended_shift_is_changed_only_by_a_sysadmin_and_audited_as_past(shifts, people):
    p = people
    before = timezone.localdate() - timedelta(days=2)
    with pytest.raises(Forbidden, match="has ended"):
        roster_set(day=before, template=shifts["day"], slot=Slot(p["lead1"], [p["duty1"]]), by=p["officer"])
    roster_set(day=before, template=shifts["day"], slot=Slot(p["lead1"], [p["duty1"]]), by=p["admin"])
    assert AuditRecord.objects.get(action="ops.roster.set").after["past"] is True
    with pytest.raises(Forbidden):
        roster_clear(day=before, template=shifts["day"], by=p["officer"])
    assert roster_clear(day=before, template=shifts["day"], by=p["admin"]) is True
    assert AuditRecord.objects.get(action="ops.roster.clear").after["past"] is True
    assert not RosterEntry.objects.exists()


def test_fill_a_week_from_a_rotation_all_or_nothing(shifts, people, future_day):
    p = people
    pattern = {
        shifts["day"]: [Slot(p["lead1"], [p["duty1"]]), Slot(p["lead2"], [p["duty2"]])],
        shifts["night"]: [Slot(p["lead2"], [p["duty3"]]), Slot(p["lead1"], [p["duty3"]])],
    }
    assert (
        roster_fill(start=future_day, end=future_day + timedelta(days=6), pattern=pattern, by=p["officer"])
        == 14
    )
    assert (
        RosterEntry.objects.get(date=future_day + timedelta(days=1), template=shifts["day"]).leader
        == p["lead2"]
    )
    # a bad rotation writes nothing and names each day
    bad = {shifts["day"]: [Slot(p["dispatcher_v1"], [p["duty1"]])]}
    with pytest.raises(ValidationFailed, match="nothing was written") as caught:
        roster_fill(
            start=future_day, end=future_day + timedelta(days=1), pattern=bad, by=p["officer"], overwrite=True
        )
    days = [future_day.isoformat(), (future_day + timedelta(days=1)).isoformat()]
    assert [e["date"] for e in caught.value.errors] == days
    assert RosterEntry.objects.get(date=future_day, template=shifts["day"]).leader == p["lead1"]
    with pytest.raises(ValidationFailed, match="at most"):
        roster_fill(start=future_day, end=future_day + timedelta(days=90), pattern=pattern, by=p["officer"])


def test_who_is_on_duty_now(shifts, people):
    p = people
    day = date(2030, 5, 6)
    roster_set(
        day=day, template=shifts["night"], slot=Slot(p["lead1"], [p["duty1"], p["duty2"]]), by=p["officer"]
    )
    zone = timezone.get_default_timezone()
    at = timezone.make_aware(datetime(2030, 5, 7, 3, 0), zone)
    duty = on_duty(at)
    assert duty.leader == p["lead1"] and not duty.gap
    assert [o.user.username for o in duty.officers] == ["duty1", "duty2"]
    assert on_duty(timezone.make_aware(datetime(2030, 5, 7, 9, 0), zone)).gap
    p["lead1"].is_active = False
    p["lead1"].save()
    assert on_duty(at).gap  # a leader whose account is disabled leads nobody
