"""The applications' pages: the clerk's queue, an application and its actions, the window intake, the
dashboard, the resident's online application, the public and kiosk lookups, the kiosk's receipt."""

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from cityops.egov.applications.intake import apply
from cityops.egov.applications.rollup import rollup_recent
from cityops.egov.models import Application
from tests.egov.conftest import PERSON_ID, PHONE, draft

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def without_tokens(body: bytes) -> str:
    """The page without its CSRF tokens (64 letters and digits, new on every page)."""
    return re.sub(r"[A-Za-z0-9]{64}", "", body.decode())


@pytest.fixture
def received(published, clerk):
    app, _made = apply(data=draft(situations=["委托他人代办"]), channel="kiosk", by=None)
    return app


def test_the_queue_lists_the_clerks_applications_and_exports_them(client, received, clerk):
    client.force_login(clerk)
    assert client.get("/").headers["Location"] == "/services/applications/"
    page = client.get("/services/applications/").content.decode()
    assert received.number in page and "食品经营许可证核发" in page
    assert PERSON_ID not in page and "陈小梅" not in page  # the queue shows no applicant
    assert received.number not in client.get("/services/applications/", {"view": "done"}).content.decode()
    csv = b"".join(client.get("/services/applications/export.csv").streaming_content).decode("utf-8-sig")
    assert received.number in csv and PHONE not in csv
    xlsx = b"".join(client.get("/services/applications/export.xlsx").streaming_content)
    assert openpyxl.load_workbook(io.BytesIO(xlsx)).active["A2"].value == received.number


def test_the_queue_page_reads_the_same_number_of_queries_for_one_row_or_many(client, received, clerk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(clerk)
    client.post(f"/services/applications/{received.number}/take/")

    def queries(view):
        with CaptureQueriesContext(connection) as ctx:
            page = client.get("/services/applications/", {"view": view})
        assert page.status_code == 200
        return len(ctx), page.content.decode()

    one, _page = queries("open")
    for _ in range(3):
        app, _made = apply(data=draft(), channel="kiosk", by=None)
        client.post(f"/services/applications/{app.number}/take/")
    many, page = queries("open")
    assert many == one and page.count('data-number="') == 4
    assert "clerk" in page and "食品经营许可证核发" in page  # who took it and the item, read with the row


def test_the_queue_tabs_count_what_their_lists_hold(client, received, clerk):
    client.force_login(clerk)
    other, _made = apply(data=draft(), channel="kiosk", by=None)
    client.post(f"/services/applications/{other.number}/take/")
    client.post(f"/services/applications/{other.number}/check/", {"material": 1, "finding": "ok"})
    client.post(f"/services/applications/{other.number}/accept/", {"note": ""})
    page = client.get("/services/applications/")
    counts = {key: n for key, _label, n in page.context["views"]}
    assert (counts["todo"], counts["review"], counts["waiting"], counts["overdue"]) == (1, 1, 0, 0)
    for view in ("todo", "review", "waiting"):
        listed = client.get("/services/applications/", {"view": view}).context["page"]
        assert listed.paginator.count == len(listed.object_list) == counts[view]
    filtered = client.get("/services/applications/", {"view": "review", "q": received.number})
    assert filtered.context["page"].paginator.count == 0  # a filtered list is counted by itself


def test_the_clerk_works_an_application_through_its_page(client, received, clerk):
    client.force_login(clerk)
    url = f"/services/applications/{received.number}/"
    page = client.get(url).content.decode()
    assert "4419**********4567" in page and PERSON_ID not in page and "139****5678" in page
    client.post(url + "take/")
    for position in (1, 2):
        client.post(url + "check/", {"material": position, "finding": "ok"})
    client.post(url + "accept/", {"note": ""})
    received.refresh_from_db()
    assert received.status == "accepted" and received.assignee == clerk
    response = client.post(url + "deny/", {"reason_code": "", "note": ""}, follow=True)
    assert "cannot be done" in response.content.decode()
    received.refresh_from_db()
    assert received.status == "accepted"
    stale = client.post(url + "approve/", {"revision": 1}, follow=True).content.decode()
    assert "changed since you opened it" in stale
    client.post(url + "approve/", {"revision": received.revision})
    received.refresh_from_db()
    assert received.status == "completed"
    assert client.get("/services/applications/NOPE/").status_code == 404


def test_a_role_without_applications_gets_403_and_out_of_scope_404(client, received, users):
    from tests.conftest import _user

    client.force_login(users["dispatcher_v1"])
    assert client.get("/services/applications/").status_code == 403
    client.force_login(_user("ga_clerk", "window_clerk", departments=["D-GA"]))
    assert client.get(f"/services/applications/{received.number}/").status_code == 404
    assert received.number not in client.get("/services/applications/").content.decode()


def test_the_window_intake_receives_takes_and_refuses_bad_details(client, published, clerk):
    client.force_login(clerk)
    assert "食品经营许可证核发" in client.get("/services/applications/new/", {"q": "开餐馆"}).content.decode()
    form = client.get("/services/applications/new/", {"item": "SCJG-1"}).context["form"]
    key = form.initial["submission_key"]
    bad = client.post(
        "/services/applications/new/?item=SCJG-1",
        {
            "kind": "person",
            "name": "陈小梅",
            "id_number": "441900199207084568",
            "phone": PHONE,
            "submission_key": key,
        },
    )
    assert bad.status_code == 200 and "check character does not match" in bad.content.decode()
    assert not Application.objects.exists()
    data = {"kind": "person", "name": "陈小梅", "id_number": PERSON_ID, "phone": PHONE, "submission_key": key}
    first = client.post("/services/applications/new/?item=SCJG-1", data)
    again = client.post("/services/applications/new/?item=SCJG-1", data)  # the same form posted twice
    app = Application.objects.get()
    assert first.headers["Location"] == again.headers["Location"] == f"/services/applications/{app.number}/"
    assert app.channel == "window" and app.assignee == clerk


def test_the_dashboard_shows_now_and_the_period(client, received, clerk, users):
    rollup_recent()
    client.force_login(clerk)
    page = client.get("/services/dashboard/")
    assert page.context["now_figures"]["in_progress"] == 1 and page.context["period"]["received"] == 1
    assert [r["code"] for r in page.context["items"]] == ["SCJG-1"]
    today = timezone.localdate()
    bad = client.get("/services/dashboard/", {"start": today, "end": today - timedelta(days=1)})
    assert "the period starts after it ends" in bad.content.decode()
    xlsx = b"".join(client.get("/services/dashboard/export.xlsx").streaming_content)
    assert openpyxl.load_workbook(io.BytesIO(xlsx)).active["A2"].value == "SCJG-1"
    client.force_login(users["handler"])  # a handler of another department sees none of it
    assert client.get("/services/dashboard/").context["period"]["received"] == 0


def test_a_resident_saves_a_draft_resumes_it_and_submits_online(client, published, users):
    resident = users["resident"]
    client.force_login(resident)
    assert "食品经营许可证核发" in client.get("/apply/", {"q": "开餐馆"}).content.decode()
    saved = client.post("/apply/items/SCJG-1/", {"kind": "person", "name": "陈小梅", "save": "1"})
    draft_app = Application.objects.get(owner=resident)
    assert saved.headers["Location"] == f"/apply/{draft_app.pk}/" and draft_app.status == "draft"
    resumed = client.get(f"/apply/{draft_app.pk}/").content.decode()
    assert 'value="陈小梅"' in resumed
    data = {"kind": "person", "name": "陈小梅", "id_number": PERSON_ID, "phone": PHONE}
    client.post(f"/apply/{draft_app.pk}/", data)
    client.post(f"/apply/{draft_app.pk}/", data)  # posted twice: still one
    draft_app.refresh_from_db()
    assert draft_app.status == "received" and Application.objects.count() == 1
    page = client.get(f"/apply/{draft_app.pk}/").content.decode()
    assert draft_app.number in page and "Received" in page
    client.post(f"/apply/{draft_app.pk}/withdraw/")
    draft_app.refresh_from_db()
    assert draft_app.status == "withdrawn"
    client.force_login(users["officer"])
    assert client.get(f"/apply/{draft_app.pk}/").status_code == 403


def test_the_public_lookup_answers_a_wrong_phone_as_not_found(client, received, settings):
    settings.CITYOPS_APPLICATION_LOOKUPS_PER_HOUR = 3
    right = client.post("/apply/track/", {"number": received.number, "phone": PHONE})
    assert right.status_code == 200
    body = right.content.decode()
    assert (
        "食品经营许可证核发" in body and "陈小梅" not in body and PERSON_ID not in body and PHONE not in body
    )
    wrong = client.post("/apply/track/", {"number": received.number, "phone": "13800000000"})
    unknown = client.post("/apply/track/", {"number": "209900000001", "phone": PHONE})
    assert wrong.status_code == unknown.status_code == 404
    assert without_tokens(wrong.content) == without_tokens(unknown.content)  # the very same page
    assert client.post("/apply/track/", {"number": received.number, "phone": PHONE}).status_code == 429


def test_the_kiosk_applies_prints_a_receipt_and_looks_up(client, published):
    form = client.get("/kiosk/items/SCJG-1/apply/")
    assert form.status_code == 200 and form["Cache-Control"] == "no-store"
    key = form.context["form"].initial["submission_key"]
    data = {"kind": "person", "name": "陈小梅", "id_number": PERSON_ID, "phone": PHONE, "submission_key": key}
    receipt = client.post("/kiosk/items/SCJG-1/apply/", data)
    app = Application.objects.get()
    text = receipt.content.decode()
    assert receipt.status_code == 200 and app.number in text and app.channel == "kiosk"
    assert "陈*" in text and "139****5678" in text and PERSON_ID not in text
    assert client.post("/kiosk/items/SCJG-1/apply/", data).status_code == 200
    assert Application.objects.count() == 1
    missing = client.post("/kiosk/items/SCJG-1/apply/", {"kind": "person", "submission_key": key + "x"})
    assert "name is required" in missing.content.decode()
    assert client.get("/kiosk/items/GA-1/apply/").status_code == 404  # not handled at a kiosk
    found = client.post("/kiosk/track/", {"number": app.number, "phone": PHONE}, HTTP_HX_REQUEST="true")
    assert found.status_code == 200 and "食品经营许可证核发" in found.content.decode()
    assert client.get("/kiosk/").status_code == 200
