"""The security pages and API: who sees what, the forms' refusals (a forged post, a stale form), the
exports and the incident report, and the operations centre's panel (counts only, no names)."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone
from pypdf import PdfReader

from cityops.audit.models import AuditRecord
from cityops.core import screen
from cityops.security.models import Incident
from tests.security.conftest import register_incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    """The pages in English (Chinese is the default; the screenshots look at it)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


PAGES = [
    "/security/",
    "/security/systems/",
    "/security/systems/SYS-OPS/",
    "/security/terminals/",
]


@pytest.mark.parametrize("who", ["security", "auditor"])
def test_the_pages_open_for_the_security_officer_and_the_auditor(client, people, incident, who):
    client.force_login(people[who])
    for url in [*PAGES, f"/security/incidents/{incident.number}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(f"/security/incidents/{incident.number}/").content.decode()
    assert incident.title in page
    # only the officer gets the response's forms
    assert ('data-testid="step-done-report"' in page) == (who == "security")


@pytest.mark.parametrize("who", ["officer", "admin", "steward", "handler"])
def test_other_roles_get_403(client, people, incident, who):
    client.force_login(people[who])
    for url in [*PAGES, f"/security/incidents/{incident.number}/", "/security/incidents/new/"]:
        assert client.get(url).status_code == 403, url
    assert "/security/" not in client.get("/accounts/profile/").content.decode()


def test_the_auditor_may_not_open_the_forms(client, people, system):
    client.force_login(people["auditor"])
    for url in (
        "/security/incidents/new/",
        "/security/systems/new/",
        f"/security/systems/{system.code}/edit/",
        "/security/terminals/import/",
    ):
        assert client.get(url).status_code == 403, url


def test_registering_on_the_page(client, people, system):
    client.force_login(people["security"])
    response = client.post(
        "/security/incidents/new/",
        {
            "title": "OA 系统勒索病毒",
            "kind": "malware.ransomware",
            "grade": "grave",
            "discovered_at": (timezone.localtime() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
            "systems": [system.code],
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/security/incidents/{incident.number}/"
    assert (incident.category, incident.subcategory, incident.grade) == ("malware", "ransomware", "grave")


def test_a_forged_post_by_another_role_is_403_changes_nothing_and_is_audited(client, people, incident):
    client.force_login(people["officer"])
    url = f"/security/incidents/{incident.number}/steps/report/done/"
    response = client.post(
        url, {"done_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "owner": "x", "version": 1}
    )
    assert response.status_code == 403
    assert incident.steps.get(kind="report").done_at is None
    refusal = AuditRecord.objects.get(action="security.incident.refused")
    assert refusal.actor == "officer" and refusal.after["attempted"] == "step"


def test_a_stale_form_on_the_page_is_refused_with_a_message(client, people, incident):
    client.force_login(people["security"])
    url = f"/security/incidents/{incident.number}/steps/report/owner/"
    assert client.post(url, {"owner": "甲", "version": 1}).status_code == 302
    response = client.post(url, {"owner": "乙", "version": 1}, follow=True)
    assert "changed by someone else" in response.content.decode()
    assert incident.steps.get(kind="report").owner == "甲"
    assert (
        AuditRecord.objects.filter(action="security.incident.refused", after__attempted="owner").count() == 1
    )


def test_a_form_without_its_version_is_refused_and_audited(client, people, incident):
    client.force_login(people["security"])
    response = client.post(
        f"/security/incidents/{incident.number}/grade/", {"grade": "grave", "reason": "x"}, follow=True
    )
    assert "The form was incomplete" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).grade == "major"
    assert AuditRecord.objects.get(action="security.incident.refused").after["fields"] == ["version"]


def test_the_incident_report_as_xlsx_and_pdf(client, people, incident):
    client.force_login(people["auditor"])
    response = client.get(f"/security/incidents/{incident.number}/report.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Incident", "Response steps", "Report timers", "Affected systems", "Timeline"]
    facts = {row[0].value: row[1].value for row in book["Incident"].iter_rows()}
    assert facts["Title"] == incident.title and facts["Grade"] == "Major (较大)"
    assert [r[0].value for r in book["Response steps"].iter_rows(min_row=2)] == [
        "Detect",
        "Report",
        "Contain",
        "Eradicate",
        "Recover",
        "Review",
    ]
    response = client.get(f"/security/incidents/{incident.number}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert incident.number in text and "门户网站首页被篡改" in text


def test_the_exports(client, people, system, incident):
    client.force_login(people["auditor"])
    for url in (
        "/security/systems/export.xlsx",
        "/security/incidents/export.xlsx",
        "/security/terminals/export.xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        assert book.active.max_row >= 1
    csv = b"".join(client.get("/security/systems/export.csv").streaming_content).decode("utf-8-sig")
    assert "SYS-OPS" in csv and "44190099001-21001" in csv


def test_the_screen_panel_counts_real_open_incidents_by_grade_without_names(people, incident):
    register_incident(people["security"], grade="grave", drill=True, title="演练标题")
    (panel,) = screen.figures(people["officer"], keys={"security.incidents"})
    data = panel["data"]
    assert data["open"] == 1
    assert {b["grade"]: b["count"] for b in data["by_grade"]}["major"] == 1
    assert (
        incident.title not in str(data) and incident.number not in str(data) and "演练标题" not in str(data)
    )
    area = screen.Unit("area", id=1)
    assert screen.figures(people["officer"], area, keys={"security.incidents"}) == []
    # a role without the operations centre does not get the panel
    assert screen.figures(people["steward"], keys={"security.incidents"}) == []


# ---- the API ---------------------------------------------------------------------------------------


def token_client(client, user):
    client.force_login(user)
    return client


def test_the_api_registers_and_walks_an_incident(client, people, system):
    api = token_client(client, people["security"])
    body = {
        "title": "数据库被拖库",
        "category": "data",
        "subcategory": "leak",
        "grade": "grave",
        "discovered_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "systems": [system.code],
    }
    created = api.post("/api/v1/security/incidents", body, content_type="application/json")
    assert created.status_code == 201, created.content
    number, version = created.json()["number"], created.json()["version"]
    assert created.json()["timers"][0]["state"] == "running"
    out_of_order = api.post(
        f"/api/v1/security/incidents/{number}/steps/contain/done",
        {"done_at": timezone.now().isoformat(), "owner": "甲", "version": version},
        content_type="application/json",
    )
    assert out_of_order.status_code == 409 and out_of_order["Content-Type"] == "application/problem+json"
    reported = api.post(
        f"/api/v1/security/incidents/{number}/steps/report/done",
        {"done_at": timezone.now().isoformat(), "owner": "甲", "version": version},
        content_type="application/json",
    )
    assert reported.status_code == 200 and reported.json()["timers"][0]["state"] == "met"
    stale = api.post(
        f"/api/v1/security/incidents/{number}/grade",
        {"grade": "major", "reason": "x", "version": version},
        content_type="application/json",
    )
    assert stale.status_code == 409
    figures = api.get("/api/v1/security/incidents/figures").json()
    assert figures["open"] == 1
    assert AuditRecord.objects.filter(action="security.incident.refused").count() == 2


def test_the_api_refuses_other_roles(client, people, incident):
    api = token_client(client, people["officer"])
    assert api.get("/api/v1/security/incidents").status_code == 403
    assert api.get("/api/v1/security/systems").status_code == 403
    response = api.post(
        f"/api/v1/security/incidents/{incident.number}/notes", {"text": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert AuditRecord.objects.filter(action="security.incident.refused", actor="officer").count() == 1
    auditor = token_client(client, people["auditor"])
    assert auditor.get(f"/api/v1/security/incidents/{incident.number}").json()["number"] == incident.number
    assert (
        auditor.post(
            "/api/v1/security/incidents/x/notes", {"text": "x"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_the_api_register_of_systems(client, people):
    api = token_client(client, people["security"])
    body = {
        "code": "SYS-WEB",
        "name": "镇政府门户网站",
        "owner": "D-CG",
        "level": 2,
        "exposure": "internet",
        "filing_number": "44190099001-22007",
        "contacts": [{"role": "responsible", "name": "陈", "phone": "0769-85551234"}],
    }
    created = api.post("/api/v1/security/systems", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["due_state"] == "not_set"
    assessed = api.post(
        "/api/v1/security/systems/SYS-WEB/assessments",
        {
            "assessed_on": "2025-03-01",
            "result": "good",
            "assessor": "测评中心",
            "next_due_on": "2027-03-01",
            "version": 1,
        },
        content_type="application/json",
    )
    assert assessed.status_code == 200 and assessed.json()["next_due_on"] == "2027-03-01"
    listed = api.get("/api/v1/security/systems?exposure=internet").json()
    assert [s["code"] for s in listed["items"]] == ["SYS-WEB"]
    bad = api.post(
        "/api/v1/security/systems",
        {**body, "code": "SYS-2", "level": 3, "filing_number": ""},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "filing_number"


def test_editing_keeps_the_owners_date_and_the_contacts(client, people):
    from cityops.security.register import services
    from tests.security.conftest import system_in

    due = timezone.localdate() + timedelta(days=200)
    system = services.system_create(
        by=people["security"], data=system_in(code="SYS-2", level=2, next_due_on=due)
    )
    client.force_login(people["security"])
    page = client.get(f"/security/systems/{system.code}/edit/").content.decode()
    assert f'value="{due.isoformat()}"' in page
    form = {
        "name": "新名称",
        "owner": "D-CG",
        "level": "2",
        "filing_number": system.filing_number,
        "status": "in_service",
        "exposure": "extranet",
        "personal_data": "on",
        "next_due_on": due.isoformat(),
        "version": "1",
        "contact_0_role": "responsible",
        "contact_0_name": "李建华",
        "contact_0_phone": "13800138000",
    }
    assert client.post(f"/security/systems/{system.code}/edit/", form).status_code == 302
    system.refresh_from_db()
    assert (system.name, system.next_due_on, system.version) == ("新名称", due, 2)
    stale = client.post(f"/security/systems/{system.code}/edit/", {**form, "name": "旧表单"})
    assert stale.status_code == 422 and "changed by someone else" in stale.content.decode()
