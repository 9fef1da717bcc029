"""Deadlines a person sets (hotline tickets, supervision orders) are checked in one place, whichever
page, API or command sends them; a case with a stored out-of-range deadline still renders."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from cityops.cases.models import Case
from cityops.cases.services import MAX_EXTENSION_DAYS
from cityops.core.errors import ValidationFailed
from cityops.core.workcalendar import get_calendar
from tests.builders import grid_centre
from tests.cases.test_lifecycle import act, report

pytestmark = pytest.mark.django_db


# --- deadlines: the hotline and case actions -----------------------------------------------------


def _hotline(client, deadline):
    lon, lat = grid_centre(2)
    body = {"ticket": "T-1", "item": "E-GARBAGE", "lon": lon, "lat": lat, "deadline": deadline}
    return client.post("/api/v1/cases/hotline", body, content_type="application/json")


@pytest.mark.parametrize(
    ("deadline", "says"),
    [
        ("2030-01-01T00:00:00", "has no time zone"),
        ("9999-12-31T23:59:59-14:00", "outside the years 1970–2199"),
        ("9999-12-31T00:00:00+14:00", "outside the years 1970–2199"),
        ("2199-12-31T23:00:00-14:00", "outside the years 1970–2199"),  # 2200 in the town's zone
        ("0001-01-01T00:00:00+14:00", "outside the years 1970–2199"),
    ],
)
def test_a_hotline_deadline_without_zone_or_out_of_range_is_refused(client, catalogue, deadline, says):
    client.force_login(catalogue["officer"])
    resp = _hotline(client, deadline)
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "body.body.deadline" and says in resp.json()["detail"]
    assert Case.objects.count() == 0


def test_a_case_action_with_a_naive_deadline_is_refused(client, catalogue):
    case = report(catalogue).case
    client.force_login(catalogue["officer"])
    resp = client.post(
        f"/api/v1/cases/{case.number}/actions",
        {"action": "supervise", "note": "快", "deadline": "2030-01-01T00:00:00"},
    )
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "form.deadline"
    assert Case.objects.get(pk=case.pk).supervision == 0


def test_a_good_hotline_deadline_still_works(client, catalogue):
    client.force_login(catalogue["officer"])
    resp = _hotline(client, (timezone.now() + timedelta(days=2)).isoformat())
    assert resp.status_code == 201


def _dispatched(users):
    case = report(users).case
    act(users, case, "dispatcher_v1", "register")
    return act(users, case, "dispatcher_v1", "dispatch")


def test_a_supervision_deadline_beyond_the_calendar_is_refused(catalogue):
    case = _dispatched(catalogue)
    far = datetime(9999, 12, 31, tzinfo=UTC)
    with pytest.raises(ValidationFailed, match="outside the years 1970–2199") as exc:
        act(catalogue, case, "officer", "supervise", note="限期", deadline=far)
    assert exc.value.errors == [{"field": "deadline", "message": exc.value.detail}]
    after = Case.objects.get(pk=case.pk)
    assert after.due_at == case.due_at and after.supervision == 0 and after.version == case.version


def test_a_supervision_moves_a_deadline_no_further_than_an_extension(catalogue):
    case = _dispatched(catalogue)
    latest = get_calendar().deadline(case.due_at, MAX_EXTENSION_DAYS, "days")
    with pytest.raises(ValidationFailed, match=f"at most {MAX_EXTENSION_DAYS} working days"):
        act(catalogue, case, "officer", "supervise", note="限期", deadline=latest + timedelta(minutes=1))
    assert Case.objects.get(pk=case.pk).due_at == case.due_at
    # tightening, or moving it as far as an extension could, is allowed
    case = act(catalogue, case, "officer", "supervise", note="限期", deadline=latest)
    assert case.due_at == latest and case.step_deadline == latest


def test_a_supervision_of_an_overdue_case_may_set_a_new_deadline(catalogue):
    case = _dispatched(catalogue)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(days=3))
    soon = timezone.now() + timedelta(days=2)
    case = act(catalogue, case, "officer", "supervise", note="限期", deadline=soon)
    assert case.due_at == soon


def test_only_a_supervision_takes_a_deadline(catalogue):
    case = report(catalogue).case
    with pytest.raises(ValidationFailed, match="register takes no deadline"):
        act(catalogue, case, "dispatcher_v1", "register", deadline=timezone.now() + timedelta(days=1))
    assert Case.objects.get(pk=case.pk).status == "reported"


@pytest.mark.parametrize("field", ["due_at", "step_deadline"])
def test_a_case_with_a_stored_out_of_range_deadline_still_renders(client, catalogue, field):
    """Rows written before deadlines were checked: the page, the API and the actions work on."""
    case = _dispatched(catalogue)
    Case.objects.filter(pk=case.pk).update(**{field: datetime(9999, 12, 30, tzinfo=UTC)})
    for who in ("officer", "dispatcher_v1"):
        client.force_login(catalogue[who])
        assert client.get(f"/cases/{case.number}/").status_code == 200
        assert client.get(f"/api/v1/cases/{case.number}").status_code == 200
        assert client.get("/cases/").status_code == 200
    # the actions that compute from the deadline still work, and a supervision can repair it
    case = act(
        catalogue,
        Case.objects.get(pk=case.pk),
        "officer",
        "supervise",
        note="更正期限",
        deadline=timezone.now() + timedelta(days=3),
    )
    assert case.due_at < datetime(2199, 1, 1, tzinfo=UTC)


def test_the_case_page_refuses_an_out_of_range_deadline_by_field(client, catalogue):
    case = _dispatched(catalogue)
    client.force_login(catalogue["officer"])
    resp = client.post(
        f"/cases/{case.number}/act/",
        {"action": "supervise", "note": "限期", "deadline": "9999-12-31T00:00"},
        HTTP_HX_REQUEST="true",
    )
    assert resp.status_code == 422
    assert Case.objects.get(pk=case.pk).supervision == 0
