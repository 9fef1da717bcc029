"""Every edge of an application's clocks: the 5-working-day intake rule, the 补正 pause (asked once),
holidays and make-up working days, the extension with approval, the special procedure's pause,
withdrawal, and the worker's warnings and escalation, each once."""

import pytest

from cityops.cases.models import Notification
from cityops.core.errors import Conflict, Forbidden, NotFound
from cityops.egov.applications.sweeper import sweep
from cityops.egov.models import ApplicationEvent
from tests.egov.test_applications import act, at, check_all, received

pytestmark = pytest.mark.django_db


def steps(app) -> list[str]:
    return list(ApplicationEvent.objects.filter(application=app).values_list("action", flat=True))


def test_not_told_within_5_working_days_counts_as_accepted_from_receipt(published, clerk):
    app = received(clerk)  # Monday 2 March 10:00
    assert app.clock_phase == "intake" and app.due_at == at(9)  # 5 working days: next Monday 10:00
    assert sweep(at(9, 9, 59)).deemed == 0
    assert sweep(at(9, 10, 1)).deemed == 1
    app.refresh_from_db()
    assert app.status == "accepted" and app.deemed_accepted and app.accepted_at == at(2)
    # the promised 5 working days count from receipt, so the decision is already due
    assert app.clock_phase == "decision" and app.due_at == at(9) and app.legal_due_at == at(30)
    assert sweep(at(9, 10, 2)).deemed == 0
    assert steps(app).count("deem_accept") == 1
    assert app.messages.filter(kind="deem_accept").exists()


def test_a_clerk_acting_after_the_5_days_finds_it_accepted(published, clerk):
    app = act(received(clerk), "take", clerk, at(2, 11))
    app = check_all(app, clerk, at(2, 11), {"食品经营许可申请书": "missing"})
    with pytest.raises(Conflict, match="counts as accepted now"):
        act(app, "request_supplement", clerk, at(9, 10, 1))
    app.refresh_from_db()
    assert app.status == "accepted" and app.deemed_accepted  # kept, though the clerk's step was refused


def test_supplement_is_asked_once_listing_everything_and_pauses_the_intake_clock(published, clerk):
    app = act(received(clerk, situations=["委托他人代办"]), "take", clerk, at(2, 11))
    app = act(app, "check", clerk, at(3), material=1, finding="missing")
    with pytest.raises(Exception, match="not checked: 授权委托书"):
        act(app, "request_supplement", clerk, at(3))
    app = act(app, "check", clerk, at(3), material=2, finding="defective", note="未签名")
    app = act(app, "request_supplement", clerk, at(3))  # Tuesday 10:00: 1 working day used
    assert app.status == "supplement" and app.clock_started_at is None and app.due_at is None
    message = app.messages.get(kind="request_supplement").text
    assert "食品经营许可申请书" in message and "授权委托书（未签名）" in message
    # two weeks pass: the clock stands still, nothing is deemed
    assert sweep(at(13, 17)).deemed == 0
    app = act(app, "supply", clerk, at(16))  # Monday 16 March: 4 working days left
    assert app.status == "received" and app.due_at == at(20)
    assert {m.finding for m in app.materials.filter(requested=True)} == {"pending"}
    app = check_all(app, clerk, at(16, 11), {"授权委托书": "defective"})
    with pytest.raises(Conflict, match="once only"):
        act(app, "request_supplement", clerk, at(16, 11))
    assert sweep(at(20, 9)).deemed == 0
    assert sweep(at(20, 10, 1)).deemed == 1
    app.refresh_from_db()
    # counted as accepted from the day the supplementary materials came
    assert app.accepted_at == at(16) and app.due_at == at(23)


def test_holidays_and_make_up_working_days(published, clerk):
    app = received(clerk, now=at(28, month=9))  # Monday 28 September 2026, before 国庆
    # 29, 30 September, 8, 9 October, then Saturday 10 October, a make-up working day
    assert app.due_at == at(10, month=10)
    app = act(app, "take", clerk, at(28, 11, month=9))
    app = act(check_all(app, clerk, at(28, 11, month=9)), "accept", clerk, at(30, month=9))
    # 5 working days from Wednesday 30 September: 8, 9, 10 (Sat), 12, 13 October
    assert app.due_at == at(13, month=10)


def test_an_extension_needs_approval_and_moves_both_limits(published, clerk, approver, users):
    app = act(received(clerk), "take", clerk, at(2, 10, 30))
    app = act(check_all(app, clerk, at(2, 10, 30)), "accept", clerk, at(2, 10, 30))
    assert (app.due_at, app.legal_due_at) == (at(9, 10, 30), at(30, 10, 30))
    with pytest.raises(Exception, match="from 1 to 10 working days"):
        act(app, "request_extension", clerk, at(4), days=11, note="需现场核查")
    app = act(app, "request_extension", clerk, at(4), days=3, note="需现场核查")
    assert app.extension_requested == 3 and app.due_at == at(9, 10, 30)  # nothing moves until approved
    assert Notification.objects.filter(user=approver, kind="egov.application").exists()
    with pytest.raises(Forbidden):
        act(app, "approve_extension", clerk, at(4))
    from tests.conftest import _user

    with pytest.raises(NotFound):  # the handler of another department
        act(app, "approve_extension", _user("ga_head", "department_handler", departments=["D-GA"]), at(4))
    app = act(app, "approve_extension", approver, at(5))
    assert app.status == "extended" and app.extension_days == 3
    assert (app.due_at, app.legal_due_at) == (at(12, 10, 30), at(2, 10, 30, month=4))
    with pytest.raises(Conflict, match="once only"):
        act(app, "request_extension", clerk, at(6), days=2, note="再延期")
    refused = act(received(clerk), "take", clerk, at(2, 11))
    refused = act(check_all(refused, clerk, at(2, 11)), "accept", clerk, at(2, 11))
    refused = act(refused, "request_extension", clerk, at(3), days=2, note="x")
    refused = act(refused, "reject_extension", approver, at(3, 11), note="材料齐全，应按期办结")
    assert refused.extension_requested is None and refused.status == "accepted"
    assert refused.due_at == at(9, 11)


def test_a_special_procedure_stops_the_decision_clock(published, clerk):
    app = act(received(clerk), "take", clerk, at(2))
    app = act(check_all(app, clerk, at(2)), "accept", clerk, at(2))  # due Monday 9 March 10:00
    app = act(app, "start_review", clerk, at(3))
    app = act(app, "begin_special", clerk, at(4), special_kind="experts", note="组织专家评审")
    assert app.status == "special" and app.due_at is None and app.clock_used == 2 * 420
    assert sweep(at(13)).overdue == 0  # past the old deadline, but the clock stands still
    app = act(app, "end_special", clerk, at(16))
    assert app.status == "under_review" and app.due_at == at(19)  # the 3 working days left
    assert app.events.get(action="end_special").data == {"kind": "experts"}


def test_an_extension_approved_during_a_special_procedure_waits_for_its_end(published, clerk, approver):
    app = act(received(clerk), "take", clerk, at(2))
    app = act(check_all(app, clerk, at(2)), "accept", clerk, at(2))
    app = act(app, "request_extension", clerk, at(3), days=2, note="需检测")
    app = act(app, "begin_special", clerk, at(3, 11), special_kind="inspection", note="送检")
    app = act(app, "approve_extension", approver, at(4))
    assert app.status == "special" and app.held_from == "extended" and app.due_at is None
    app = act(app, "end_special", clerk, at(9))
    # used before the pause: 1 day and 1 hour; left: 4 days 6 hours + the 2 days approved
    assert app.status == "extended" and app.due_at == at(17, 9)


def test_the_worker_warns_then_escalates_each_once(published, clerk, approver, users):
    from tests.conftest import _user

    duty = _user("duty", "duty_officer")
    app = act(received(clerk), "take", clerk, at(2))
    app = act(check_all(app, clerk, at(2)), "accept", clerk, at(2))  # 5 days promised, 20 by law
    assert app.warn_at == at(6)  # 80 % of 5 working days: Friday 10:00
    assert sweep(at(6, 9)).warned == 0
    first = sweep(at(6, 10, 1))
    assert first.warned == 1 and sweep(at(6, 11)).warned == 0
    assert sweep(at(9, 10, 1)).overdue == 1 and sweep(at(9, 11)).overdue == 0
    app.refresh_from_db()
    assert app.escalation == 1
    assert Notification.objects.filter(user=approver, text__contains="overdue").count() == 1
    assert not Notification.objects.filter(user=duty).exists()
    assert sweep(at(30, 10, 1)).past_legal == 1 and sweep(at(31)).past_legal == 0
    assert Notification.objects.filter(user=duty, text__contains="legal").count() == 1
    assert [s for s in steps(app) if s in ("warn", "overdue", "past_legal")] == [
        "warn",
        "overdue",
        "past_legal",
    ]
    app = act(app, "approve", clerk, at(31))
    assert app.on_time is False and app.worked_minutes == 21 * 420


def test_withdrawal_stops_every_clock(published, clerk, users):
    app = act(received(clerk), "take", clerk, at(2))
    app = act(app, "withdraw", clerk, at(3), note="申请人书面申请撤回")
    assert app.status == "withdrawn" and app.clock_phase == "none" and app.due_at is None
    assert sweep(at(20)).deemed == 0
