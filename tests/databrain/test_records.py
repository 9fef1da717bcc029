"""A resource's records on the page and in the API: filters, sort, keyset paging, masking."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


def test_the_steward_sees_the_records_unmasked_filtered_and_sorted(client, users, people):
    client.force_login(users["steward"])
    page = client.get("/data/resources/101001-0003/records/?sort=-rooms").content.decode()
    assert page.index("黄三") < page.index("陈大文") < page.index("李小明")  # 12, 3, 1: numeric, not text
    assert "13812345678" in page and "3 records match" in page
    only = client.get(
        "/data/resources/101001-0003/records/?birth_date__gte=1980-01-01&flagged=0"
    ).content.decode()
    assert "李小明" in only and "黄三" not in only and "陈大文" not in only


def test_staff_see_personal_fields_masked(client, users, people):
    client.force_login(users["officer"])
    page = client.get("/data/resources/101001-0003/records/").content.decode()
    assert "13812345678" not in page and "138****5678" in page
    assert "1101**********002X" in page and "陈**" in page
    assert "personal data masked" in page


def test_a_bad_filter_is_named_on_the_page(client, users, people):
    client.force_login(users["steward"])
    page = client.get("/data/resources/101001-0003/records/?rooms__gte=many").content.decode()
    assert "rooms: &#x27;many&#x27; is not a number" in page


def test_the_page_walks_with_its_next_link(client, users, people):
    client.force_login(users["steward"])
    first = client.get("/data/resources/101001-0003/records/?limit=2&sort=name")
    assert first.context["page"].next_cursor
    second = client.get(
        f"/data/resources/101001-0003/records/?limit=2&sort=name&after={first.context['page'].next_cursor}"
    )
    names = [r["name"] for r in first.context["page"].rows + second.context["page"].rows]
    assert sorted(names) == names and len(set(names)) == 3


def test_the_api_pages_with_a_cursor_and_selects_fields(api_client, users, people):
    client = api_client.login_as(users["officer"])
    body = client.get(
        "/api/v1/databrain/resources/101001-0003/records?limit=2&fields=name,rooms&sort=rooms&total=1"
    ).json()
    assert [f["name"] for f in body["fields"]] == ["name", "rooms"]
    assert body["total"] == 3 and [r["rooms"] for r in body["records"]] == ["1", "3"]
    assert set(body["records"][0]) == {"_id", "_flags", "name", "rooms"}
    assert body["records"][0]["name"] == "李**"  # masked for staff
    rest = client.get(body["next_url"]).json()
    assert [r["rooms"] for r in rest["records"]] == ["12"] and rest["next"] is None


def test_the_api_refuses_an_unknown_field_with_a_problem(api_client, users, people):
    client = api_client.login_as(users["steward"])
    response = client.get("/api/v1/databrain/resources/101001-0003/records?colour=red")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "colour"
    assert client.get("/api/v1/databrain/resources/nope/records").status_code == 404


def test_the_api_lists_and_searches_the_catalogue(api_client, users, people, enterprises):
    client = api_client.login_as(users["officer"])
    body = client.get("/api/v1/databrain/resources?q=出租屋").json()
    assert [r["code"] for r in body["items"]] == ["101001-0003"] and body["items"][0]["record_count"] == 3
    detail = client.get("/api/v1/databrain/resources/102-0001").json()
    assert [f["name"] for f in detail["fields"]] == ["credit_code", "name", "capital"]
    resident = api_client.login_as(users["resident"])
    assert resident.get("/api/v1/databrain/resources").status_code == 403
