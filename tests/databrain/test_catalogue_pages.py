"""The catalogue's pages: browse, search, a resource, its versions, edit, export; who may do what."""

import csv
import io

import pytest

from cityops.databrain.models import Resource

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


def test_staff_browse_by_classification_and_provider(client, users, rented, enterprises):
    client.force_login(users["officer"])
    page = client.get("/data/").content.decode()
    assert "101001-0003" in page and "102-0001" in page
    assert 'data-category="101001"' in page and 'data-provider="D-XF"' in page
    by_category = client.get("/data/?category=101").content.decode()
    assert "101001-0003" in by_category and "102-0001" not in by_category
    by_provider = client.get("/data/?provider=D-XF").content.decode()
    assert "102-0001" in by_provider and "101001-0003" not in by_provider
    found = client.get("/data/?q=出租屋", headers={"HX-Request": "true", "HX-Target": "resource-list"})
    assert "101001-0003" in found.content.decode() and "<html" not in found.content.decode()
    assert "Edit metadata" not in client.get("/data/resources/101001-0003/").content.decode()
    assert client.get("/data/resources/101001-0003/edit/").status_code == 403


def test_a_resource_page_shows_the_core_metadata_and_items(client, users, rented):
    client.force_login(users["officer"])
    page = client.get("/data/resources/101001-0003/").content.decode()
    for text in (
        "出租屋信息",
        "城市管理局",
        "Conditional sharing",
        "仅向履行法定职责的部门提供",
        "Monthly",
        'data-field="id_number"',
        "Resident ID (GB 11643)",
        "personal",
    ):
        assert text in page
    assert client.get("/data/resources/nope/").status_code == 404


def test_a_resident_may_not_open_the_catalogue(client, users, rented):
    client.force_login(users["resident"])
    assert client.get("/data/").status_code == 403


def _form(resource, **changes):
    data = {
        "code": resource.code,
        "name": resource.name,
        "category": resource.category.code,
        "provider": resource.provider.code,
        "abstract": resource.abstract,
        "format": resource.format,
        "share_type": resource.share_type,
        "share_condition": resource.share_condition,
        "share_method": resource.share_method,
        "open_type": resource.open_type,
        "open_condition": "",
        "update_cycle": resource.update_cycle,
        "published_on": "",
        "key_fields": ", ".join(resource.key_fields),
    }
    fields = list(resource.fields.all())
    data.update({"fields-TOTAL_FORMS": str(len(fields)), "fields-INITIAL_FORMS": str(len(fields))})
    for n, f in enumerate(fields):
        data.update(
            {
                f"fields-{n}-name": f.name,
                f"fields-{n}-title": f.title,
                f"fields-{n}-type": f.type,
                f"fields-{n}-length": f.length or "",
                f"fields-{n}-description": f.description,
                f"fields-{n}-rule": f.rule,
            }
        )
        if f.personal:
            data[f"fields-{n}-personal"] = "on"
        if f.required:
            data[f"fields-{n}-required"] = "on"
    data.update(changes)
    return data


def test_the_steward_edits_and_the_versions_show_the_difference(client, users, rented):
    client.force_login(users["steward"])
    assert client.get("/data/resources/101001-0003/edit/").status_code == 200
    response = client.post(
        "/data/resources/101001-0003/edit/",
        _form(rented, name="出租屋管理信息", **{"fields-1-title": "业主姓名"}),
    )
    assert response.status_code == 302
    rented.refresh_from_db()
    assert rented.version == 2 and rented.name == "出租屋管理信息"
    versions = client.get("/data/resources/101001-0003/versions/").content.decode()
    assert 'data-version="2"' in versions and "出租屋管理信息" in versions and "业主姓名" in versions


def test_a_bad_edit_names_the_problem_and_changes_nothing(client, users, rented):
    client.force_login(users["steward"])
    response = client.post(
        "/data/resources/101001-0003/edit/", _form(rented, share_condition="", key_fields="nope")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "conditional sharing needs its condition" in page and "nope is not an information item" in page
    assert Resource.objects.get(pk=rented.pk).version == 1


def test_the_steward_catalogues_a_new_resource(client, users, categories):
    client.force_login(users["steward"])
    data = {
        "code": "101-0009",
        "name": "新资源",
        "category": "101",
        "provider": "D-CG",
        "abstract": "摘要",
        "format": "spreadsheet",
        "share_type": "unconditional",
        "share_method": "api",
        "open_type": "open",
        "update_cycle": "yearly",
        "fields-TOTAL_FORMS": "2",
        "fields-INITIAL_FORMS": "0",
        "fields-0-name": "code",
        "fields-0-title": "编码",
        "fields-0-type": "text",
    }
    assert client.post("/data/new/", data).status_code == 302
    assert Resource.objects.get(code="101-0009").fields.count() == 1


def test_the_export_writes_the_core_metadata(client, users, rented, enterprises):
    client.force_login(users["officer"])
    response = client.get("/data/export.csv?provider=D-CG")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["Classification code", "Classification", "Resource name", "Resource code"]
    assert [r[3] for r in rows[1:]] == ["101001-0003"]
    assert "公民身份号码(id_number, Text,18)" in rows[1][8]
    assert client.get("/data/export.xlsx").status_code == 200
