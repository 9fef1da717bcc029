"""The applications API: a clerk makes and works an application, drafts and their one submission,
the figures, the public lookup with its one answer for a wrong phone and its limit, problems."""

import pytest

from cityops.egov.applications.rollup import rollup_recent
from tests.egov.conftest import PERSON_ID, PHONE

pytestmark = pytest.mark.django_db
APPLICANT = {"kind": "person", "name": "陈小梅", "id_number": PERSON_ID, "phone": PHONE}


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_a_clerk_makes_and_works_an_application(client, published, clerk):
    client.force_login(clerk)
    body = {
        "item": "SCJG-1",
        "applicant": APPLICANT,
        "submit": True,
        "submission_key": "api-key-0123456789abcd",
    }
    made = post(client, "/api/v1/egov/applications", body)
    again = post(client, "/api/v1/egov/applications", body)
    assert made.status_code == 201 and again.status_code == 200
    app = made.json()
    assert again.json()["number"] == app["number"] and app["status"] == "received"
    assert app["id_number"] == "4419**********4567" and app["clock"]["phase"] == "intake"
    assert app["actions"] == ["take", "withdraw", "comment"]
    url = f"/api/v1/egov/applications/{app['number']}/actions/"
    assert post(client, url + "take", {}).json()["actions"][:2] == ["release", "check"]
    checked = post(client, url + "check", {"material": 1, "finding": "ok"}).json()
    assert checked["materials"][0]["finding"] == "ok"
    stale = post(client, url + "accept", {"revision": 1})
    assert stale.status_code == 409 and stale["Content-Type"] == "application/problem+json"
    accepted = post(client, url + "accept", {})
    assert accepted.json()["status"] == "accepted"
    wrong = post(client, url + "deny", {})
    assert wrong.status_code == 422 and {e["field"] for e in wrong.json()["errors"]} == {
        "reason_code",
        "note",
    }
    assert post(client, url + "fly", {}).status_code == 422
    listed = client.get("/api/v1/egov/applications", {"view": "review"}).json()
    assert [a["number"] for a in listed["items"]] == [app["number"]]
    assert client.get("/api/v1/egov/applications/209900000000").status_code == 404


def test_drafts_are_saved_and_submitted_once(client, published, users):
    client.force_login(users["resident"])
    saved = post(
        client,
        "/api/v1/egov/applications",
        {"item": "SCJG-1", "channel": "online", "applicant": {"name": "陈"}},
    )
    assert saved.status_code == 202
    draft_id = saved.json()["id"]
    put = client.put(
        f"/api/v1/egov/applications/drafts/{draft_id}",
        {"applicant": APPLICANT, "situations": ["委托他人代办"]},
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["situations"] == ["委托他人代办"]
    first = post(client, f"/api/v1/egov/applications/drafts/{draft_id}/submit", {})
    second = post(client, f"/api/v1/egov/applications/drafts/{draft_id}/submit", {})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["number"] == second.json()["number"]
    number = first.json()["number"]
    assert client.get(f"/api/v1/egov/applications/{number}").json()["actions"] == ["withdraw"]
    client.force_login(users["officer"])  # reads applications, takes no step
    assert post(client, f"/api/v1/egov/applications/{number}/actions/take", {}).status_code == 403


def test_figures_and_their_period(client, published, clerk):
    client.force_login(clerk)
    post(client, "/api/v1/egov/applications", {"item": "SCJG-1", "applicant": APPLICANT, "submit": True})
    rollup_recent()
    figures = client.get("/api/v1/egov/applications/figures").json()
    assert figures["now"]["in_progress"] == 1 and figures["period"]["received"] == 1
    bad = client.get("/api/v1/egov/applications/figures", {"start": "2026-03-02", "end": "2026-03-01"})
    assert bad.status_code == 422


def test_the_public_lookup(client, published, clerk, settings):
    settings.CITYOPS_APPLICATION_LOOKUPS_PER_HOUR = 3
    client.force_login(clerk)
    number = post(
        client, "/api/v1/egov/applications", {"item": "SCJG-1", "applicant": APPLICANT, "submit": True}
    ).json()["number"]
    client.logout()
    found = post(client, "/api/v1/egov/applications/track", {"number": number, "phone": PHONE})
    assert found.status_code == 200 and found.json()["status"] == "received"
    assert "陈小梅" not in found.content.decode() and PHONE not in found.content.decode()
    wrong = post(client, "/api/v1/egov/applications/track", {"number": number, "phone": "13800000000"})
    unknown = post(client, "/api/v1/egov/applications/track", {"number": "209900000001", "phone": PHONE})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json()["detail"] == unknown.json()["detail"]
    refused = post(client, "/api/v1/egov/applications/track", {"number": number, "phone": PHONE})
    assert refused.status_code == 429 and refused["Content-Type"] == "application/problem+json"


def test_the_openapi_document_lists_every_applications_route(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/egov/applications",
        "/api/v1/egov/applications/{number}",
        "/api/v1/egov/applications/{number}/actions/{action}",
        "/api/v1/egov/applications/track",
        "/api/v1/egov/applications/figures",
        "/api/v1/egov/applications/drafts/{draft_id}/submit",
    } <= set(paths)
    assert "429" in paths["/api/v1/egov/applications/track"]["post"]["responses"]
