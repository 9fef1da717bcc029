"""Applications: drafts saved and resumed, one submission, the exact materials of the version and
situations chosen, the clerk's steps from checking to delivery, withdrawal, and who may do what."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from cityops.audit.models import AuditRecord
from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.egov.applications import hooks
from cityops.egov.applications.intake import apply, draft_save, submit
from cityops.egov.applications.services import ActionIn, application_act
from cityops.egov.models import ApplicantMessage, Application, ApplicationEvent
from cityops.egov.services import item_publish, item_save_draft
from tests.egov.conftest import COMPANY_CODE, PERSON_ID, draft, guide

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
MON = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)  # an ordinary week: Monday 2 March 2026


def at(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def act(app, action, by, now, **data):
    return application_act(application=app, action=action, by=by, data=ActionIn(**data), now=now)


def received(clerk, code="SCJG-1", now=MON, situations=(), **changes):
    app, _made = apply(data=draft(code, situations, **changes), channel="window", by=clerk, now=now)
    return app


def check_all(app, clerk, now, findings=None):
    for m in app.materials.order_by("position"):
        finding = (findings or {}).get(m.name, "ok")
        if m.finding == "fetched" and m.name not in (findings or {}):
            continue
        note = "复印件不清晰" if finding == "defective" else ""
        app = act(app, "check", clerk, now, material=m.position, finding=finding, note=note)
    return app


def test_a_draft_is_saved_resumed_and_submitted_once(published, users):
    resident = users["resident"]
    first = draft_save(data=draft(name="", phone=""), channel="online", by=resident, now=MON)
    assert first.status == "draft" and first.number is None and first.owner == resident
    again = draft_save(
        data=draft(situations=["委托他人代办"]), channel="online", by=resident, application=first, now=MON
    )
    assert again.pk == first.pk and again.applicant_name == "陈小梅"
    app, made = submit(application=again, by=resident, now=at(3))
    assert made and app.status == "received" and app.number == "202600000001"
    assert app.version == app.item.published and app.received_at == at(3)
    assert [m.name for m in app.materials.order_by("position")] == ["食品经营许可申请书", "授权委托书"]
    # the same draft posted twice: one application, the second call finds the first one's result
    twice, made_again = submit(application=first, by=resident, now=at(3, 11))
    assert (twice.pk, twice.number, made_again) == (app.pk, app.number, False)
    assert Application.objects.exclude(status="draft").count() == 1
    assert list(app.events.values_list("action", flat=True)) == ["submit"]
    assert ApplicantMessage.objects.filter(application=app, kind="submit").count() == 1
    audit = AuditRecord.objects.get(action="egov.application.submit")
    assert audit.after["id_number"] != PERSON_ID and audit.after["phone"] == "139****5678"


def test_the_same_form_posted_twice_makes_one_application(published, clerk):
    key = "kiosk-form-0123456789abcdef"
    one, made = apply(data=draft(), channel="kiosk", by=None, submission_key=key, now=MON)
    two, made_again = apply(data=draft(), channel="kiosk", by=None, submission_key=key, now=MON)
    assert made and not made_again and one.pk == two.pk
    assert Application.objects.count() == 1


def test_a_submission_missing_details_names_each_and_changes_nothing(published, users):
    resident = users["resident"]
    half = draft_save(data=draft(name="", phone="", id_number=""), channel="online", by=resident, now=MON)
    with pytest.raises(ValidationFailed) as exc:
        submit(application=half, by=resident, now=MON)
    fields = {e["field"] for e in exc.value.errors}
    assert fields == {"applicant.name", "applicant.phone", "applicant.id_number"}
    half.refresh_from_db()
    assert half.status == "draft" and half.number is None and not half.events.exists()
    with pytest.raises(ValidationFailed) as exc:
        draft_save(data=draft(phone="12345", id_number="441900199207084568"), channel="online", by=resident)
    messages = {e["field"]: e["message"] for e in exc.value.errors}
    assert messages["applicant.phone"].startswith("12345 is not a mainland mobile number")
    assert "check character does not match" in messages["applicant.id_number"]
    with pytest.raises(ValidationFailed):  # an organisation's code is checked as one
        draft_save(data=draft(kind="organisation", id_number=PERSON_ID), channel="online", by=resident)
    assert draft_save(data=draft(kind="organisation", id_number=COMPANY_CODE), channel="online", by=resident)


def test_an_item_is_applied_for_only_where_it_is_handled_and_by_whom(published, users, clerk):
    with pytest.raises(ValidationFailed) as exc:
        apply(data=draft("GA-1"), channel="kiosk", by=None, now=MON)
    assert exc.value.errors[0]["message"] == "出生登记 is not handled at a kiosk"
    with pytest.raises(Forbidden):
        apply(data=draft(), channel="window", by=users["resident"], now=MON)
    with pytest.raises(Forbidden):
        apply(data=draft(), channel="online", by=clerk, now=MON)
    with pytest.raises(NotFound):
        apply(data=draft("NO-SUCH"), channel="kiosk", by=None, now=MON)
    with pytest.raises(ValidationFailed) as exc:
        apply(data=draft(situations=["外星人代办"]), channel="kiosk", by=None, now=MON)
    assert exc.value.errors[0]["field"] == "situations"


def test_an_application_keeps_the_version_it_was_made_under(published, clerk):
    app = received(clerk, situations=["委托他人代办"])
    item_save_draft(
        code="SCJG-1", department="D-SCJG", guide=guide(promised_days=3, materials=[]), actor_name="t"
    )
    item_publish(code="SCJG-1", actor_name="t")
    app.refresh_from_db()
    assert app.version.number == 1 and app.version.promised_days == 5
    assert app.materials.count() == 2
    later = received(clerk)
    assert later.version.number == 2 and later.materials.count() == 0


def test_the_clerk_takes_checks_accepts_decides_and_delivers(
    published, clerk, django_capture_on_commit_callbacks
):
    concluded = []
    hooks.on_concluded(lambda pk, status: concluded.append((pk, status)))
    try:
        app = received(clerk)
        with pytest.raises(Conflict, match="Take the application first"):
            act(app, "check", clerk, at(2, 11), material=1, finding="ok")
        app = act(app, "take", clerk, at(2, 11))
        app = check_all(app, clerk, at(2, 11))
        app = act(app, "accept", clerk, at(2, 11))
        assert app.status == "accepted" and app.clock_phase == "decision"
        assert app.due_at == at(9, 11) and app.legal_due_at == at(30, 11)
        app = act(app, "start_review", clerk, at(3))
        with django_capture_on_commit_callbacks(execute=True):
            app = act(app, "approve", clerk, at(4))
        assert app.status == "completed" and app.on_time and app.decision == "approved"
        assert app.clock_phase == "delivery" and app.due_at == at(18)
        assert concluded == [(app.pk, "completed")]
        app = act(app, "deliver", clerk, at(5), method="window")
        assert app.status == "delivered" and app.clock_phase == "none"
    finally:
        hooks._listeners.clear()
    steps = list(ApplicationEvent.objects.filter(application=app).values_list("action", flat=True))
    clerk_steps = ["submit", "take", "check", "accept", "start_review", "approve", "deliver"]
    # delivery concludes the application, and the applicant is invited to rate the service (好差评)
    assert steps == [*clerk_steps, "rating.invite"]
    assert AuditRecord.objects.filter(action__startswith="egov.application.").count() == len(clerk_steps)
    assert AuditRecord.objects.filter(action="egov.rating.invite").count() == 1
    kinds = list(app.messages.values_list("kind", flat=True))
    assert kinds == ["submit", "accept", "complete", "deliver"]


def test_accepting_needs_every_material_in_order(published, clerk):
    app = act(received(clerk, situations=["委托他人代办"]), "take", clerk, at(2, 11))
    app = act(app, "check", clerk, at(2, 11), material=1, finding="ok")
    with pytest.raises(ValidationFailed, match="授权委托书"):
        act(app, "accept", clerk, at(2, 11))
    with pytest.raises(ValidationFailed, match="say what is wrong"):
        act(app, "check", clerk, at(2, 11), material=2, finding="defective")
    with pytest.raises(ValidationFailed) as exc:
        act(app, "check", clerk, at(2, 11), material=9, finding="lost")
    assert {e["field"] for e in exc.value.errors} == {"material", "finding"}


def test_not_accepted_and_denied_carry_a_reason(published, clerk):
    app = act(received(clerk), "take", clerk, at(2, 11))
    with pytest.raises(ValidationFailed) as exc:
        act(app, "not_accept", clerk, at(2, 11))
    assert {e["field"] for e in exc.value.errors} == {"reason_code", "note"}
    app = act(app, "not_accept", clerk, at(2, 11), reason_code="not_competent", note="属区级事权")
    assert app.status == "not_accepted" and app.closed_at == at(2, 11) and app.clock_phase == "none"
    other = act(received(clerk), "take", clerk, at(2, 11))
    other = act(check_all(other, clerk, at(2, 11)), "accept", clerk, at(2, 11))
    other = act(other, "deny", clerk, at(3), reason_code="not_eligible", note="经营场所不符合要求")
    assert other.status == "denied" and other.clock_phase == "delivery"
    last = other.messages.last()
    assert last.kind == "deny" and other.number in last.text


def test_an_item_done_on_the_spot_is_decided_at_once(published, clerk):
    app = act(received(clerk, "SCJG-2"), "take", clerk, at(2, 11))
    app = check_all(app, clerk, at(2, 11))
    with pytest.raises(Conflict, match="decide on the spot"):
        act(app, "accept", clerk, at(2, 11))
    app = act(app, "decide_on_the_spot", clerk, at(2, 11), outcome="approve")
    assert app.status == "completed" and app.accepted_at == app.decided_at == at(2, 11) and app.on_time
    assert list(app.events.values_list("action", flat=True))[-2:] == ["accept", "approve"]
    long = act(received(clerk), "take", clerk, at(2, 11))
    with pytest.raises(Conflict, match="Only an item done on the spot"):
        act(long, "decide_on_the_spot", clerk, at(2, 11), outcome="approve")


def test_a_charged_item_waits_for_its_fee(published, clerk):
    app = act(received(clerk, "SCJG-3"), "take", clerk, at(2, 11))
    app = act(check_all(app, clerk, at(2, 11)), "accept", clerk, at(2, 11))
    with pytest.raises(ValidationFailed, match="give the fee in yuan"):
        act(app, "approve", clerk, at(3))
    app = act(app, "approve", clerk, at(3), fee_amount="300")
    assert app.status == "awaiting_fee" and str(app.fee_amount) == "300.00" and app.clock_phase == "none"
    assert "300.00" in app.messages.last().text
    app = act(app, "pay", clerk, at(4), reference="GD-2026-000123")
    assert app.status == "completed" and app.completed_at == at(4)


def test_withdrawal_before_the_decision_only(published, users, clerk):
    resident = users["resident"]
    mine, _made = apply(data=draft(), channel="online", by=resident, now=MON)
    mine = act(mine, "withdraw", resident, at(3))
    assert mine.status == "withdrawn" and mine.clock_phase == "none"
    with pytest.raises(Conflict):
        act(mine, "withdraw", resident, at(3))
    walk_in = act(received(clerk), "take", clerk, at(2, 11))
    with pytest.raises(ValidationFailed, match="say how the applicant asked"):
        act(walk_in, "withdraw", clerk, at(2, 11))
    walk_in = act(check_all(walk_in, clerk, at(2, 11)), "accept", clerk, at(2, 11))
    walk_in = act(walk_in, "approve", clerk, at(3))
    with pytest.raises(Conflict, match="Withdraw needs it to be"):
        act(walk_in, "withdraw", clerk, at(4), note="申请人书面撤回")
    with pytest.raises(Forbidden):  # not the resident's own application
        act(walk_in, "withdraw", resident, at(4))


def test_scope_a_departments_window_and_a_handler_see_their_own(published, users, clerk, approver):
    from tests.conftest import _user

    app = received(clerk)
    ga_clerk = _user("ga_clerk", "window_clerk", departments=["D-GA"])
    with pytest.raises(NotFound):
        act(app, "take", ga_clerk, at(2, 11))
    with pytest.raises(Forbidden):
        act(app, "take", users["dispatcher_v1"], at(2, 11))
    with pytest.raises(Forbidden):  # a handler approves extensions, does not process
        act(app, "take", approver, at(2, 11))
    act(app, "take", clerk, at(2, 11))
    with pytest.raises(Conflict, match="Another clerk"):
        act(app, "check", _user("clerk2", "window_clerk"), at(2, 11), material=1, finding="ok")


def test_a_stale_revision_is_refused(published, clerk):
    app = received(clerk)
    revision = app.revision
    act(app, "take", clerk, at(2, 11))
    with pytest.raises(Conflict, match="changed since you opened it"):
        application_act(application=app, action="release", by=clerk, revision=revision, now=at(2, 12))
