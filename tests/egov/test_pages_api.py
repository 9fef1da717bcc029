"""The catalogue's staff pages and API: who sees what, exports, editing and publishing; the kiosk
and the public API read published guides without a sign-in."""

import io

import openpyxl
import pytest

from cityops.egov.models import ServiceItem
from cityops.egov.services import item_publish, item_save_draft
from tests.egov.conftest import guide

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(departments, users):
    item_save_draft(code="SCJG-1", department="D-SCJG", guide=guide(), actor_name="t")
    item_publish(code="SCJG-1", actor_name="t")
    item_save_draft(
        code="GA-1", department="D-GA", guide=guide(name="出生登记", item_type="confirmation"), actor_name="t"
    )
    return users


def test_the_list_filters_and_exports(client, items):
    client.force_login(items["admin"])
    page = client.get("/services/", {"item_type": "confirmation"})
    assert page.status_code == 200
    assert b"GA-1" in page.content and b"SCJG-1" not in page.content
    csv = b"".join(client.get("/services/export.csv", {"department": "D-SCJG"}).streaming_content).decode(
        "utf-8-sig"
    )
    assert "SCJG-1" in csv and "GA-1" not in csv
    xlsx = b"".join(client.get("/services/catalogue.xlsx").streaming_content)
    assert openpyxl.load_workbook(io.BytesIO(xlsx)).sheetnames == ["事项", "办理情形", "申请材料"]


def test_a_department_bound_user_sees_only_their_departments_items(client, items):
    client.force_login(items["handler"])  # bound to D-CG, which has no items
    assert b"SCJG-1" not in client.get("/services/").content
    assert client.get("/services/items/SCJG-1/").status_code == 404


def test_a_role_without_the_catalogue_gets_403_and_a_stranger_signs_in(client, items):
    client.force_login(items["resident"])
    assert client.get("/services/").status_code == 403
    client.logout()
    assert client.get("/services/").status_code == 302


def test_edit_makes_a_draft_and_publish_shows_it(client, items):
    client.force_login(items["admin"])
    page = client.get("/services/items/SCJG-1/edit/")
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data.update(promised_days=2, delivery=["window"], department="D-SCJG")
    response = client.post("/services/items/SCJG-1/edit/", data)
    assert response.status_code == 302
    item = ServiceItem.objects.get(code="SCJG-1")
    assert item.draft.promised_days == 2 and item.published.promised_days == 5
    # posted without the rows, the guide keeps its situations and materials
    assert [m.name for m in item.draft.materials.all()] == ["食品经营许可申请书", "授权委托书"]
    client.post("/services/items/SCJG-1/publish/")
    item.refresh_from_db()
    assert item.published.promised_days == 2 and item.draft is None


def test_a_bad_edit_shows_the_problem_and_saves_nothing(client, items, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(items["admin"])
    form = client.get("/services/items/SCJG-1/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data.update(promised_days=30, department="D-SCJG")
    page = client.post("/services/items/SCJG-1/edit/", data)
    assert page.status_code == 200
    assert "the promised limit (30) exceeds the legal limit (20)" in page.content.decode()
    assert ServiceItem.objects.get(code="SCJG-1").draft is None


def test_a_dispatcher_may_view_but_not_publish(client, items):
    client.force_login(items["dispatcher_v1"])
    assert client.get("/services/items/SCJG-1/").status_code == 200
    assert client.post("/services/items/GA-1/publish/").status_code == 403


def test_the_api_lists_in_scope_and_the_public_api_reads_published_guides_only(client, items):
    client.force_login(items["officer"])
    body = client.get("/api/v1/egov/items", {"q": "GA-1"}).json()
    assert [i["code"] for i in body["items"]] == ["GA-1"] and body["items"][0]["published"] is None
    detail = client.get("/api/v1/egov/items/SCJG-1").json()
    assert [m["situation"] for m in detail["published"]["materials"]] == ["", "委托他人代办"]
    client.logout()
    assert client.get("/api/v1/egov/items").status_code == 401
    found = client.get("/api/v1/egov/public/search", {"q": "开餐馆"}).json()
    assert [i["code"] for i in found] == ["SCJG-1"]
    assert client.get("/api/v1/egov/public/items/GA-1").status_code == 404  # a draft only


def test_the_kiosk_is_public_and_posts_its_search(client, items):
    start = client.get("/kiosk/")
    assert start.status_code == 200 and start["Cache-Control"] == "no-store"
    assert "data-idle-seconds" in start.content.decode()
    results = client.post("/kiosk/search/", {"q": "开餐馆"}, HTTP_HX_REQUEST="true")
    assert "食品经营许可证核发" in results.content.decode()
    assert client.get("/kiosk/search/").status_code == 405  # a search never goes in an address
    guide_page = client.get("/kiosk/items/SCJG-1/").content.decode()
    assert "食品经营许可申请书" in guide_page and "授权委托书" in guide_page
    assert client.get("/kiosk/items/GA-1/").status_code == 404


def test_the_openapi_document_lists_the_egov_routes(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/egov/items", "/api/v1/egov/items/{code}", "/api/v1/egov/public/search"} <= set(paths)


def test_a_window_clerk_lands_on_the_queue_and_reads_the_catalogue(client, departments):
    from tests.conftest import _user

    client.force_login(_user("clerk", "window_clerk"))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/services/applications/"
    assert client.get("/services/").status_code == 200
    assert client.post("/services/import/").status_code == 403  # reads the catalogue, keeps none of it


def _posted(page, **changes) -> dict:
    """What the edit page posts as it shows the guide, its rows in columns, with ``changes``."""
    data = {k: v for k, v in page.context["form"].initial.items() if v not in (None, False)}
    parts = page.context["parts"]
    data.update(
        department="D-SCJG",
        parts="1",
        s_key=[s.key for s in parts.situations],
        s_name=[s.name for s in parts.situations],
        s_description=[s.description for s in parts.situations],
        m_name=[m.name for m in parts.materials],
        m_form=[m.form for m in parts.materials],
        m_copies=[m.copies for m in parts.materials],
        m_required=["1" if m.required else "0" for m in parts.materials],
        m_source=[m.source for m in parts.materials],
        m_situation=[m.situation for m in parts.materials],
        m_resource=[m.resource for m in parts.materials],
        m_note=[m.note for m in parts.materials],
    )
    data.update(changes)
    return data


def test_the_edit_page_adds_moves_and_removes_rows_without_saving(client, items):
    client.force_login(items["admin"])
    page = client.get("/services/items/SCJG-1/edit/")
    assert [m.name for m in page.context["parts"].materials] == ["食品经营许可申请书", "授权委托书"]
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "guide-parts"}
    added = client.post("/services/items/SCJG-1/edit/", _posted(page, op="add:s"), **htmx)
    assert added.status_code == 200 and added.templates[0].name == "egov/partials/guide_parts.html"
    assert [(s.key, s.name) for s in added.context["parts"].situations] == [
        ("k1", "委托他人代办"),
        ("k2", ""),
    ]
    moved = client.post("/services/items/SCJG-1/edit/", _posted(page, op="up:m:1"), **htmx)
    assert [m.name for m in moved.context["parts"].materials] == ["授权委托书", "食品经营许可申请书"]
    assert moved.context["parts"].materials[0].situation == "k1"
    removed = client.post("/services/items/SCJG-1/edit/", _posted(page, op="remove:m:0"), **htmx)
    assert [m.name for m in removed.context["parts"].materials] == ["授权委托书"]
    assert ServiceItem.objects.get(code="SCJG-1").draft is None


def test_the_edit_page_saves_situations_and_materials_as_a_new_audited_version(client, items):
    from cityops.audit.models import AuditRecord

    client.force_login(items["admin"])
    page = client.get("/services/items/SCJG-1/edit/")
    data = _posted(
        page,
        s_key=["k1", "k2"],
        s_name=["由他人代为办理", "申请人为企业"],  # the first renamed: its material stays with it
        s_description=["", "以单位名义申请"],
        m_name=["营业执照", "食品经营许可申请书", "授权委托书"],
        m_form=["copy", "original", "original"],
        m_copies=["2", "1", "1"],
        m_required=["1", "1", "0"],
        m_source=["elicence", "applicant", "applicant"],
        m_situation=["k2", "", "k1"],
        m_resource=["", "", ""],
        m_note=["可用电子证照", "", ""],
    )
    response = client.post("/services/items/SCJG-1/edit/", data)
    assert response.status_code == 302
    item = ServiceItem.objects.get(code="SCJG-1")
    assert item.draft.number == 2 and item.published.number == 1
    assert [(s.name, s.description) for s in item.draft.situations.all()] == [
        ("由他人代为办理", ""),
        ("申请人为企业", "以单位名义申请"),
    ]
    got = [
        (m.name, m.form, m.copies, m.required, m.situation.name if m.situation else "", m.note)
        for m in item.draft.materials.all()
    ]
    assert got == [
        ("营业执照", "copy", 2, True, "申请人为企业", "可用电子证照"),
        ("食品经营许可申请书", "original", 1, True, "", ""),
        ("授权委托书", "original", 1, False, "由他人代为办理", ""),
    ]
    assert [m.name for m in item.published.materials.all()] == ["食品经营许可申请书", "授权委托书"]
    record = AuditRecord.objects.filter(action="egov.item.draft").order_by("-id").first()
    assert [s["name"] for s in record.before["situations"]] == ["委托他人代办"]
    assert [m["name"] for m in record.after["materials"]] == ["营业执照", "食品经营许可申请书", "授权委托书"]


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({"m_copies": ["0", "1"]}, "Material 1: copies from 1 to 99"),
        ({"m_copies": ["一", "1"]}, "Material 1: copies are a whole number from 1 to 99"),
        ({"m_name": ["授权委托书", "授权委托书"], "m_situation": ["k1", "k1"]}, "Material 2: the material"),
        (
            {"s_key": ["k1", "k2"], "s_name": ["委托他人代办", "委托他人代办"], "s_description": ["", ""]},
            "Situation 2",
        ),
        (
            {"s_key": [], "s_name": [], "s_description": []},
            "Material 2: its situation was removed; choose another or none",
        ),
    ],
)
def test_a_bad_row_is_named_on_the_page_and_nothing_is_saved(client, items, settings, changes, shown):
    from cityops.audit.models import AuditRecord

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(items["admin"])
    page = client.get("/services/items/SCJG-1/edit/")
    audited = AuditRecord.objects.count()
    response = client.post("/services/items/SCJG-1/edit/", _posted(page, **changes))
    assert response.status_code == 200
    assert shown in response.content.decode()
    assert ServiceItem.objects.get(code="SCJG-1").draft is None and AuditRecord.objects.count() == audited
    # the rows come back as they were typed, to be corrected
    assert len(response.context["parts"].materials) == 2
