"""The handover log, the leader's decisions and their trigger, the screen panel, the roster file."""

import io
from datetime import date, datetime, time, timedelta

import openpyxl
import pytest
from django.utils import timezone, translation

from cityops.audit.models import AuditRecord
from cityops.cases.models import Notification
from cityops.cases.sweeper import sweep
from cityops.core import screen
from cityops.core.errors import Conflict, Forbidden, ValidationFailed
from cityops.ops.duty import roster_file
from cityops.ops.duty.decisions import decision_record, request_decision
from cityops.ops.duty.handover import handover_acknowledge, handover_write, item_close
from cityops.ops.duty.roster import Slot, roster_set
from cityops.ops.duty.selectors import handover_log
from cityops.ops.duty.triggers import ask_leader
from cityops.ops.models import Decision, RosterEntry
from tests.cases.test_sweeper import new_case

pytestmark = pytest.mark.django_db
ZONE = timezone.get_default_timezone()
DAY = date(2030, 5, 6)


def at(day, hour, minute=0):
    return timezone.make_aware(
        datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=minute), ZONE
    )


@pytest.fixture
def two_shifts(shifts, people):
    """The day shift of DAY (lead1, duty1) and the night after it (lead2, duty2)."""
    p = people
    day = roster_set(day=DAY, template=shifts["day"], slot=Slot(p["lead1"], [p["duty1"]]), by=p["officer"])
    night = roster_set(
        day=DAY, template=shifts["night"], slot=Slot(p["lead2"], [p["duty2"]]), by=p["officer"]
    )
    return day, night


def test_handover_carries_open_items_until_closed_and_is_acknowledged_by_the_next_shift(two_shifts, people):
    p = people
    day, night = two_shifts
    with pytest.raises(Forbidden, match="only the leader or an officer"):
        handover_write(entry=day, summary="quiet", items=[], by=p["duty3"], now=at(DAY, 17))
    with pytest.raises(ValidationFailed, match="has not started"):
        handover_write(entry=night, summary="x", items=[], by=p["duty2"], now=at(DAY, 12))
    with pytest.raises(ValidationFailed, match="say what happened"):
        handover_write(entry=day, summary="  ", items=[], by=p["duty1"], now=at(DAY, 17))
    first = handover_write(
        entry=day,
        summary="Flooding on Riverside Rd",
        items=["pump truck at V1", ""],
        by=p["duty1"],
        now=at(DAY, 17, 20),
    )
    with pytest.raises(Conflict):
        handover_write(entry=day, summary="again", items=[], by=p["duty1"], now=at(DAY, 17, 25))
    # only the incoming shift acknowledges
    with pytest.raises(Forbidden, match="next shift"):
        handover_acknowledge(handover=first, by=p["duty1"], now=at(DAY, 17, 40))
    handover_acknowledge(handover=first, by=p["duty2"], now=at(DAY, 17, 40))
    with pytest.raises(Conflict):
        handover_acknowledge(handover=first, by=p["duty2"], now=at(DAY, 17, 41))
    second = handover_write(
        entry=night,
        summary="Night calm",
        items=["streetlight V4"],
        by=p["lead2"],
        now=at(DAY + timedelta(1), 8, 20),
    )
    item = first.items.get()
    log = {h.pk: h for h in handover_log()}
    assert [i.text for i in log[second.pk].carried] == ["pump truck at V1"]
    assert [i.text for i in log[second.pk].new_items] == ["streetlight V4"]
    with pytest.raises(ValidationFailed, match="say how"):
        item_close(item=item, note="", by=p["duty2"])
    item_close(item=item, note="truck left 06:00", by=p["duty2"], now=at(DAY + timedelta(1), 8, 0))
    with pytest.raises(Conflict):
        item_close(item=item, note="again", by=p["duty2"])
    item.refresh_from_db()
    assert (item.closed_by, item.closed_note) == (p["duty2"], "truck left 06:00")
    assert not {h.pk: h for h in handover_log(now=at(DAY + timedelta(1), 8, 50))}[second.pk].overdue
    log = {h.pk: h for h in handover_log(now=at(DAY + timedelta(1), 9, 10))}
    assert log[second.pk].carried == []  # closed before the night's handover was written
    assert log[second.pk].overdue  # unacknowledged 30 minutes after its shift ended
    assert not log[first.pk].overdue
    assert set(
        AuditRecord.objects.filter(action__startswith="ops.handover").values_list("action", flat=True)
    ) == {
        "ops.handover.write",
        "ops.handover.acknowledge",
        "ops.handover.item_close",
    }


def test_a_decision_goes_to_the_leader_on_duty_and_the_requester_sees_it(two_shifts, people):
    p = people
    asked = request_decision(
        kind="other", title="Close the river road?", by=p["dispatcher_v1"], now=at(DAY, 10)
    )
    assert list(asked.recipients.all()) == [p["lead1"]] and not asked.no_leader
    assert (
        Notification.objects.get(user=p["lead1"], kind="ops.decision").text
        == "Decision needed: Close the river road?"
    )
    with pytest.raises(Forbidden, match="only the leader"):
        decision_record(decision=asked, text="yes", by=p["duty3"], now=at(DAY, 10, 5))
    with pytest.raises(ValidationFailed, match="write the decision"):
        decision_record(decision=asked, text=" ", by=p["lead1"], now=at(DAY, 10, 5))
    decision_record(decision=asked, text="Close it until 18:00", by=p["lead1"], now=at(DAY, 10, 5))
    told = Notification.objects.get(user=p["dispatcher_v1"], kind="ops.decision")
    assert told.text == "Decided by lead1: Close the river road? — Close it until 18:00"
    with pytest.raises(Conflict):
        decision_record(decision=asked, text="again", by=p["lead1"])
    assert AuditRecord.objects.filter(action="ops.decision.record").count() == 1
    with pytest.raises(ValidationFailed, match="unknown kind"):
        request_decision(kind="weather", title="x")


def test_with_no_leader_on_duty_the_officers_are_asked_and_the_gap_is_kept(people, shifts):
    p = people
    moment = at(DAY, 10)
    asked = request_decision(kind="other", title="Nobody rostered", now=moment)
    assert asked.no_leader and list(asked.recipients.all()) == []
    entry = roster_set(
        day=DAY, template=shifts["day"], slot=Slot(p["lead1"], [p["duty1"], p["duty2"]]), by=p["admin"]
    )
    p["lead1"].is_active = False
    p["lead1"].save()
    asked = request_decision(kind="other", title="Leader away", now=moment)
    assert asked.no_leader and asked.entry == entry
    assert sorted(u.username for u in asked.recipients.all()) == ["duty1", "duty2"]
    assert Notification.objects.filter(kind="ops.decision", text__contains="no leader on duty").count() == 2
    decision_record(decision=asked, text="Duty officer called the deputy mayor", by=p["duty1"], now=moment)


def test_a_case_escalated_to_the_town_asks_the_leader_once(catalogue, people, shifts):
    case = new_case(catalogue)
    # ten days after the deadline, at 10:00 local time: inside that day's day shift (08:30–17:30)
    day = timezone.localtime(case.step_deadline).date() + timedelta(days=10)
    later = timezone.make_aware(datetime.combine(day, time(10, 0)))
    sweep(now=later)
    roster_set(
        day=day, template=shifts["day"], slot=Slot(people["lead1"], [people["duty1"]]), by=people["admin"]
    )
    assert ask_leader(now=later) == 1
    assert ask_leader(now=later) == 0  # asked once
    d = Decision.objects.get()
    assert d.kind == "case_escalated" and d.case_id == case.pk and d.link == f"/cases/{case.number}/"
    assert case.number in d.title
    note = Notification.objects.get(user=people["lead1"], kind="ops.decision")
    assert note.case_id == case.pk


def test_the_screen_panel_shows_the_leader_on_duty(two_shifts, people, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(DAY, 20))
    with translation.override("en"):
        got = screen.figures(people["auditor"], keys={"ops.duty_leader"})
    assert got == [
        {
            "key": "ops.duty_leader",
            "title": "On duty",
            "data": {
                "shift": "夜班",
                "leader": {"name": "lead2", "phone": "13812345678"},
                "officers": [{"name": "duty2", "phone": "13812345678"}],
                "ends_at": "2030-05-07T08:30:00+08:00",
                "gap": False,
                "items": [
                    {"label": "Shift until 08:30", "value": "夜班"},
                    {"label": "Leader on duty", "value": "lead2 13812345678"},
                    {"label": "Duty officers", "value": "duty2"},
                ],
            },
        }
    ]
    monkeypatch.setattr(timezone, "now", lambda: at(DAY + timedelta(days=5), 20))
    gap = screen.figures(people["auditor"], keys={"ops.duty_leader"})[0]["data"]
    assert gap["gap"] is True
    assert gap["items"] == [{"label": "Leader on duty", "value": "Nobody is on the roster now"}]
    assert screen.figures(people["inspector_g1"], keys={"ops.duty_leader"}) == []


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["date", "shift", "leader", "leader_phone", "officers", "officer_phones"])
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_roster_file_round_trips_and_a_bad_file_writes_nothing(people, shifts, future_day):
    p = people
    d = future_day.isoformat()
    good = _xlsx(
        [[d, "day", "lead1", "", "duty1、duty2", "、13900000002"], [d, "夜班", "lead2", "1390", "duty3", ""]]
    )
    assert roster_file.import_roster(good, "r.xlsx", by=p["officer"]) == 2
    night = RosterEntry.objects.get(date=future_day, template=shifts["night"])
    assert night.leader_phone == "1390"
    sheet = roster_file.export_sheet(future_day, future_day)
    assert [list(map(str, r)) for r in sheet.rows] == [
        [d, "day", "lead1", "13812345678", "duty1、duty2", "13812345678、13900000002"],
        [d, "night", "lead2", "1390", "duty3", "13812345678"],
    ]
    nxt = (future_day + timedelta(days=1)).isoformat()
    bad = _xlsx(
        [
            [nxt, "day", "lead1", "", "duty1", ""],
            ["2030-13-01", "day", "lead1", "", "duty1", ""],
            [nxt, "evening", "nobody", "", "duty1", ""],
            [nxt, "night", "dispatcher_v1", "", "duty1", ""],
            [nxt, "day", "lead2", "", "duty2", ""],
        ]
    )
    with translation.override("en"), pytest.raises(ValidationFailed, match="nothing was written") as caught:
        roster_file.import_roster(bad, "r.xlsx", by=p["officer"])
    messages = [e["message"] for e in caught.value.errors]
    assert messages[0].startswith("row 3, column date: '2030-13-01' is not a date")
    assert any(m.startswith("row 4, column shift: no shift 'evening'") for m in messages)
    assert any(m.startswith("row 4, column leader: no user 'nobody'") for m in messages)
    assert any(m.startswith("row 5, column leader: dispatcher_v1 may not lead") for m in messages)
    assert any(m.startswith("row 6, column shift: this shift is also in row 2") for m in messages), messages
    assert not RosterEntry.objects.filter(date=future_day + timedelta(days=1)).exists()
