"""The cases API: intake, scope on every list and detail, actions with their status codes."""

import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone

from cityops.cases.models import Case, CaseEvent
from tests.builders import grid_centre
from tests.cases.conftest import jpeg

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def post_report(client, user, grid=1, **extra):
    client.force_login(user)
    lon, lat = grid_centre(grid)
    data = {"item": "E-GARBAGE", "lon": lon, "lat": lat, "description": "垃圾", **extra}
    return client.post("/api/v1/cases", data)


def action(client, user, number, **data):
    client.force_login(user)
    return client.post(f"/api/v1/cases/{number}/actions", data)


def test_an_inspector_reports_with_a_photo(client, catalogue):
    photo = SimpleUploadedFile("p.jpg", jpeg(), content_type="image/jpeg")
    resp = post_report(client, catalogue["inspector_g1"], photos=[photo])
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["duplicate"] is False and body["status"] == "reported"
    case = Case.objects.get(number=body["number"])
    assert case.attachments.count() == 1 and case.reporter == catalogue["inspector_g1"]
    again = post_report(client, catalogue["inspector_g1"])
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["number"] == body["number"]


def test_bad_reports_name_the_field(client, catalogue):
    resp = post_report(client, catalogue["inspector_g1"], item="NOPE")
    assert resp.status_code == 422 and resp["Content-Type"] == PROBLEM
    assert resp.json()["errors"] == [
        {"field": "item", "message": "there is no active patrol item with code 'NOPE'"}
    ]
    resp = post_report(
        client, catalogue["inspector_g1"], photos=[SimpleUploadedFile("x.txt", b"not an image")]
    )
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "photos"
    client.force_login(catalogue["inspector_g1"])
    resp = client.post("/api/v1/cases", {"item": "E-GARBAGE", "lon": 114.9, "lat": 23.9})
    assert resp.status_code == 422 and "outside the town" in resp.json()["detail"]
    assert Case.objects.count() == 0


def test_lists_and_details_are_scoped(client, catalogue):
    mine = post_report(client, catalogue["inspector_g1"]).json()["number"]
    client.force_login(catalogue["officer"])
    other = client.post(
        "/api/v1/cases", {"item": "E-GARBAGE", "lon": grid_centre(7)[0], "lat": grid_centre(7)[1]}
    ).json()["number"]
    client.force_login(catalogue["dispatcher_v1"])
    numbers = [c["number"] for c in client.get("/api/v1/cases").json()["results"]]
    assert numbers == [mine]
    assert client.get(f"/api/v1/cases/{other}").status_code == 404
    assert action(client, catalogue["dispatcher_v1"], other, action="register").status_code == 404
    client.force_login(catalogue["dispatcher_v4"])
    assert [c["number"] for c in client.get("/api/v1/cases").json()["results"]] == [other]
    client.force_login(catalogue["handler"])  # 城管: both cases are city-management items
    assert client.get("/api/v1/cases").json()["count"] == 2
    client.force_login(catalogue["resident"])
    assert client.get("/api/v1/cases").status_code == 403


def test_the_list_filters(client, catalogue):
    garbage = post_report(client, catalogue["inspector_g1"]).json()["number"]
    manhole = post_report(client, catalogue["officer"], grid=2, item="C-MANHOLE").json()["number"]
    action(client, catalogue["dispatcher_v1"], manhole, action="cancel", note="不是问题")
    client.force_login(catalogue["officer"])

    def numbers(query):
        resp = client.get(f"/api/v1/cases?{query}")
        assert resp.status_code == 200, resp.content
        return {c["number"] for c in resp.json()["results"]}

    assert numbers("") == {garbage, manhole}
    assert numbers("open=true") == {garbage}
    assert numbers("item=C-MANHOLE") == {manhole}
    assert numbers("grid=G2") == {manhole}
    assert numbers("status=reported&status=cancelled") == {garbage, manhole}
    assert numbers("mine=true") == set()


def test_the_detail_lists_the_actions_you_may_take(client, catalogue):
    number = post_report(client, catalogue["inspector_g1"]).json()["number"]
    client.force_login(catalogue["dispatcher_v1"])
    detail = client.get(f"/api/v1/cases/{number}").json()
    assert {"register", "cancel", "send_to_verify", "comment"} <= set(detail["actions"])
    assert "dispatch" not in detail["actions"]
    assert detail["history"][0]["action"] == "report"


def test_status_codes_of_refused_actions(client, catalogue):
    number = post_report(client, catalogue["inspector_g1"]).json()["number"]
    resp = action(client, catalogue["dispatcher_v1"], number, action="dispatch")
    assert resp.status_code == 409 and "is reported" in resp.json()["detail"]
    resp = action(client, catalogue["inspector_g1"], number, action="register")
    assert resp.status_code == 403
    resp = action(client, catalogue["dispatcher_v1"], number, action="cancel")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "note"
    resp = action(client, catalogue["dispatcher_v1"], number, action="frobnicate")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "action"
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    resp = action(client, catalogue["officer"], number, action="supervise", note="x", deadline=past)
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "deadline"
    resp = action(client, catalogue["dispatcher_v1"], number, action="register", version=99)
    assert resp.status_code == 409 and "changed since you loaded it" in resp.json()["detail"]
    assert Case.objects.get(number=number).status == "reported"


def test_hotline_transfer(client, catalogue):
    client.force_login(catalogue["officer"])
    lon, lat = grid_centre(2)
    body = {
        "ticket": "12345-2026-0001",
        "item": "E-GARBAGE",
        "lon": lon,
        "lat": lat,
        "caller_phone": "13900001111",
        "deadline": (timezone.now() + timedelta(days=2)).isoformat(),
    }
    resp = client.post("/api/v1/cases/hotline", body, content_type="application/json")
    assert resp.status_code == 201
    case = Case.objects.get(number=resp.json()["number"])
    assert case.channel == "hotline" and case.due_at is not None
    assert case.report_set.get().external_ref == "12345-2026-0001"


def test_inbox(client, catalogue):
    post_report(client, catalogue["inspector_g1"])
    client.force_login(catalogue["dispatcher_v1"])
    inbox = client.get("/api/v1/cases/inbox?unread=true").json()
    assert len(inbox) == 1 and inbox[0]["kind"] == "report"
    assert client.post("/api/v1/cases/inbox/read").json() == {"marked": 1}
    assert client.get("/api/v1/cases/inbox?unread=true").json() == []


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_actions_one_wins(catalogue, monkeypatch):
    """Two dispatchers act on one case at the same moment: exactly one succeeds, the other gets 409."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises the two transactions before they can race")
    from django.test import Client

    from cityops.cases import services

    number = post_report(Client(), catalogue["inspector_g1"]).json()["number"]
    # Both requests have read the case before either writes: the race the version check must settle.
    loaded = threading.Barrier(2, timeout=30)
    real_load = services._load

    def load_then_wait(case_id, by):
        case = real_load(case_id, by)
        loaded.wait()
        return case

    monkeypatch.setattr(services, "_load", load_then_wait)
    codes = []

    def act(user, what):
        client = Client()
        client.force_login(user)
        codes.append(client.post(f"/api/v1/cases/{number}/actions", what).status_code)
        connections.close_all()

    threads = [
        threading.Thread(target=act, args=(catalogue["dispatcher_v1"], {"action": "register"})),
        threading.Thread(target=act, args=(catalogue["officer"], {"action": "cancel", "note": "重复"})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409]
    case = Case.objects.get(number=number)
    assert case.status in ("registered", "cancelled") and case.version == 2
    assert CaseEvent.objects.filter(case=case).exclude(action="report").count() == 1
