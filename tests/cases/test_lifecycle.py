"""The lifecycle through the transition table: every step, side flows, refusals and history."""

import pytest

from cityops.audit.models import AuditRecord
from cityops.cases.choices import Channel, Status
from cityops.cases.intake import IntakeIn, Reporter, case_intake
from cityops.cases.models import Case, CaseEvent, Notification
from cityops.cases.photos import read_photo
from cityops.cases.services import ActionIn, case_transition
from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.builders import grid_centre
from tests.cases.conftest import jpeg

pytestmark = pytest.mark.django_db


def photo():
    return [read_photo("p.jpg", jpeg())]


def report(users, item="E-GARBAGE", grid=1, channel=Channel.PATROL, by=None, **kw):
    lon, lat = grid_centre(grid)
    if by is None and channel == Channel.PATROL:
        # the inspector of G1 reports in their own grid; elsewhere the town's duty officer does
        by = "inspector_g1" if grid == 1 else "officer"
    user = users[by] if by else None
    data = IntakeIn(
        channel=channel,
        item_code=item,
        lon=lon,
        lat=lat,
        description="路边有垃圾",
        reporter=Reporter(user=user),
        **kw,
    )
    return case_intake(data, by=user)


def act(users, case, who, action, **kw):
    return case_transition(case_id=case.pk, by=users[who], data=ActionIn(action=action, **kw))


def test_a_patrol_report_walks_to_closure(catalogue):
    users = catalogue
    result = report(users)
    case = result.case
    assert not result.duplicate and case.status == Status.REPORTED
    assert (case.grid.code, case.village.code, case.area.code) == ("G1", "V1", "A1")
    assert case.department.code == "D-CG" and case.workstation.code == "WV1"
    assert case.step_deadline is not None and case.step_warn_at < case.step_deadline
    assert Notification.objects.filter(user=users["dispatcher_v1"], case=case).exists()

    case = act(users, case, "dispatcher_v1", "register")
    assert case.status == Status.REGISTERED and case.registered_at
    case = act(users, case, "dispatcher_v1", "dispatch")
    assert case.status == Status.DISPATCHED and case.due_at and case.dispatched_at
    case = act(users, case, "handler", "accept")
    case = act(users, case, "handler", "dispose", note="已清理", photos=photo())
    assert case.status == Status.DISPOSED and case.assignee == users["inspector_g1"]
    assert case.disposed_on_time is True
    case = act(users, case, "inspector_g1", "recheck_pass", note="现场已干净")
    assert case.status == Status.CLOSED and case.closed_on_time is True

    actions = list(CaseEvent.objects.filter(case=case).values_list("action", "from_status", "to_status"))
    assert actions == [
        ("report", "", "reported"),
        ("register", "reported", "registered"),
        ("dispatch", "registered", "dispatched"),
        ("accept", "dispatched", "accepted"),
        ("dispose", "accepted", "disposed"),
        ("recheck_pass", "disposed", "closed"),
    ]
    assert case.attachments.count() == 1 and case.version == 6
    assert AuditRecord.objects.filter(object_type="cases.case", object_id=str(case.pk)).count() == 6


def test_resident_reports_are_verified_before_registration(catalogue):
    users = catalogue
    case = report(users, channel=Channel.RESIDENT, by=None).case
    with pytest.raises(Conflict, match="verified on site before it is registered"):
        act(users, case, "dispatcher_v1", "register")
    case = act(users, case, "dispatcher_v1", "send_to_verify")
    assert case.status == Status.VERIFYING and case.assignee == users["inspector_g1"]
    case = act(users, case, "inspector_g1", "verify", note="属实", result="confirmed")
    case = act(users, case, "dispatcher_v1", "register")
    assert case.status == Status.REGISTERED


def test_cancel_needs_a_reason(catalogue):
    users = catalogue
    case = report(users).case
    with pytest.raises(ValidationFailed) as exc:
        act(users, case, "dispatcher_v1", "cancel")
    assert exc.value.errors == [{"field": "note", "message": "cancel needs a note saying why"}]
    case = act(users, case, "dispatcher_v1", "cancel", note="重复上报")
    assert case.status == Status.CANCELLED and case.cancel_reason == "重复上报"


def test_rework_returns_the_case_to_the_department(catalogue):
    users = catalogue
    case = report(users).case
    for who, action, kw in [
        ("dispatcher_v1", "register", {}),
        ("dispatcher_v1", "dispatch", {}),
        ("handler", "accept", {}),
        ("handler", "dispose", {"note": "done", "photos": photo()}),
    ]:
        case = act(users, case, who, action, **kw)
    case = act(users, case, "inspector_g1", "recheck_fail", note="仍有垃圾")
    assert case.status == Status.ACCEPTED and case.rework_count == 1 and case.disposed_at is None
    case = act(users, case, "handler", "dispose", note="again", photos=photo())
    case = act(users, case, "inspector_g1", "recheck_pass", note="ok")
    assert case.status == Status.CLOSED and case.rework_count == 1


def test_return_to_dispatcher_and_redispatch_elsewhere(catalogue):
    users = catalogue
    case = report(users).case
    case = act(users, case, "dispatcher_v1", "register")
    case = act(users, case, "dispatcher_v1", "dispatch")
    case = act(users, case, "handler", "return", note="不属于城管")
    assert case.status == Status.REGISTERED and case.return_count == 1
    case = act(users, case, "dispatcher_v1", "dispatch", department="D-XF")
    assert case.department.code == "D-XF"
    # the city-management handler no longer sees it
    with pytest.raises(NotFound):
        act(users, case, "handler", "accept")


def test_extension_request_and_approval(catalogue):
    users = catalogue
    case = report(users).case
    for who, action in [("dispatcher_v1", "register"), ("dispatcher_v1", "dispatch"), ("handler", "accept")]:
        case = act(users, case, who, action)
    due = case.due_at
    with pytest.raises(ValidationFailed, match="1 to 30 working days"):
        act(users, case, "handler", "request_extension", note="等材料", days=0)
    case = act(users, case, "handler", "request_extension", note="等材料", days=3)
    with pytest.raises(Conflict, match="already waiting"):
        act(users, case, "handler", "request_extension", note="again", days=2)
    case = act(users, case, "dispatcher_v1", "approve_extension")
    assert case.due_at > due and case.extension_requested is None
    with pytest.raises(Conflict, match="no extension has been asked for"):
        act(users, case, "dispatcher_v1", "approve_extension")


def test_hold_stops_the_clock_and_resume_restores_it(catalogue):
    users = catalogue
    case = report(users).case
    for who, action in [("dispatcher_v1", "register"), ("dispatcher_v1", "dispatch"), ("handler", "accept")]:
        case = act(users, case, who, action)
    case = act(users, case, "dispatcher_v1", "hold", note="需规划部门审批")
    assert case.status == Status.ON_HOLD and case.step_deadline is None
    case = act(users, case, "dispatcher_v1", "resume")
    assert case.status == Status.ACCEPTED and case.step_deadline is not None and case.held_from == ""


def test_supervision_orders_from_area_and_town(catalogue):
    users = catalogue
    case = report(users).case
    with pytest.raises(Forbidden, match="needs a scope of area or above"):
        act(users, case, "dispatcher_v1", "supervise", note="加快")
    case = act(users, case, "area_dispatcher", "supervise", note="请加快处置")
    assert case.supervision == 1
    with pytest.raises(Conflict, match="already in force"):
        act(users, case, "area_dispatcher", "supervise", note="again")
    case = act(users, case, "officer", "supervise", note="镇督办")
    assert case.supervision == 2


def test_on_the_spot_disposal_needs_photos_and_approval(catalogue):
    users = catalogue
    with pytest.raises(ValidationFailed, match="needs at least one photo"):
        report(users, on_the_spot=True)
    with pytest.raises(ValidationFailed, match="may not be disposed on the spot"):
        report(users, item="E-FIRE", on_the_spot=True, photos=photo())
    case = report(users, on_the_spot=True, photos=photo()).case
    assert case.status == Status.SELF_DISPOSED
    case = act(users, case, "dispatcher_v1", "approve_on_the_spot")
    assert case.status == Status.CLOSED and case.registered_at and case.disposed_at


def test_roles_and_states_are_enforced(catalogue):
    users = catalogue
    case = report(users).case
    with pytest.raises(Forbidden, match="a inspector may not dispatch"):
        act(users, case, "inspector_g1", "dispatch")
    with pytest.raises(Conflict, match="the case is reported; dispatch needs registered"):
        act(users, case, "dispatcher_v1", "dispatch")
    with pytest.raises(ValidationFailed, match="unknown action 'close_now'"):
        act(users, case, "dispatcher_v1", "close_now")
    with pytest.raises(NotFound):
        act(users, case, "dispatcher_v4", "register")  # another village: as if it did not exist
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED


def test_a_stale_version_is_a_conflict(catalogue):
    users = catalogue
    case = report(users).case
    with pytest.raises(Conflict, match="changed since you loaded it"):
        act(users, case, "dispatcher_v1", "register", version=case.version + 1)
    case = act(users, case, "dispatcher_v1", "register", version=case.version)
    assert case.status == Status.REGISTERED


def test_a_deadline_in_the_past_is_refused(catalogue):
    from datetime import timedelta

    from django.utils import timezone

    users = catalogue
    case = report(users).case
    with pytest.raises(ValidationFailed, match="is in the past"):
        act(users, case, "officer", "supervise", note="x", deadline=timezone.now() - timedelta(hours=1))
    assert Case.objects.get(pk=case.pk).supervision == 0
