"""The CKAN Action API subset as CKAN clients call it: GET with query strings, POST with JSON bodies,
the envelope, CKAN's error types and statuses, public and private datasets, masking."""

import json

import pytest

from cityops.accounts.services import token_create
from cityops.databrain import datastore
from cityops.databrain.ckan.catalogue import make_id
from cityops.databrain.datastore import RowIn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

A3 = "/ckan/api/3/action/"
A = "/ckan/api/action/"
PEOPLE = [
    ("11010519491231002X", "陈大文", "1949-12-31", "13812345678", "3"),
    ("360426199101010071", "李小明", "1991-01-01", "13987654321", "1"),
    ("440101198001010015", "陈三", "1980-01-01", "", "12"),
]
FIRMS = [
    ("91110000600037341L", "东莞华兴电子有限公司", "500"),
    ("91441900MA4UJ8XX1Q", "华兴五金厂", "80.5"),
    ("91441900MA4W123456", "东城食品店", ""),
]


def _fill(resource, rows):
    fields = list(resource.fields.all())
    datastore.ensure_table(resource, fields)
    names = [f.name for f in fields]
    datastore.write(
        resource,
        fields,
        [RowIn(n + 2, vals[0], 0, dict(zip(names, vals, strict=False))) for n, vals in enumerate(rows)],
        load_id=1,
    )
    resource.record_count, resource.flagged_count = datastore.totals(resource)
    resource.save()
    return resource


@pytest.fixture
def people(rented):  # conditional sharing: private
    return _fill(rented, [(i, n, b, "", p, r) for i, n, b, p, r in PEOPLE])


@pytest.fixture
def firms(enterprises):  # unconditional sharing: public
    return _fill(enterprises, FIRMS)


def get(client, action, prefix=A3, headers=None, **params):
    return client.get(prefix + action, params, headers=headers)


def post(client, action, body, prefix=A, **headers):
    return client.post(prefix + action, json.dumps(body), content_type="application/json", **headers)


def result(response, status=200):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is True and body["help"].endswith(
        "help_show?name=" + response.wsgi_request.path.rsplit("/", 1)[1]
    )
    return body["result"]


def error(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False and "result" not in body
    return body["error"]


# ---- catalogue actions ----------------------------------------------------------------------------


def test_status_show_by_get_and_post(client, categories):
    assert result(get(client, "status_show"))["extensions"] == ["datastore"]
    assert result(post(client, "status_show", {}))["ckan_version"].startswith("2.")


def test_anonymous_callers_see_the_public_dataset_only(client, people, firms):
    assert result(get(client, "package_list")) == ["102-0001"]
    assert result(post(client, "package_list", {"include_private": True})) == ["102-0001"]
    assert error(get(client, "package_show", id="101001-0003"), 404)["__type"] == "Not Found Error"
    assert result(get(client, "organization_list")) == ["d-xf"]


def test_staff_see_private_datasets_by_session(client, users, people, firms):
    client.force_login(users["officer"])
    assert result(get(client, "package_list")) == ["102-0001"]  # as CKAN: private only when asked
    assert result(get(client, "package_list", include_private="true")) == ["101001-0003", "102-0001"]
    pkg = result(post(client, "package_show", {"id": "101001-0003"}))
    assert pkg["private"] is True and pkg["title"] == "出租屋信息"


def test_an_api_token_in_the_authorization_header_authorises_private_datasets(client, users, people):
    _token, raw = token_create(user=users["officer"], name="ckan", by=users["officer"])
    pkg = result(post(client, "package_show", {"id": "101001-0003"}, HTTP_AUTHORIZATION=raw))
    assert pkg["name"] == "101001-0003"
    assert result(get(client, "package_show", id="101001-0003", headers={"Authorization": f"Bearer {raw}"}))


def test_a_bad_key_is_an_authorization_error(client, firms):
    err = error(get(client, "package_list", headers={"Authorization": "cto_nope"}), 403)
    assert err["__type"] == "Authorization Error" and "not valid" in err["message"]


def test_package_show_has_ckans_shape_and_finds_by_name_or_id(client, firms):
    pkg = result(get(client, "package_show", id="102-0001"))
    assert pkg == result(post(client, "package_show", {"id": pkg["id"]}))
    assert pkg["organization"]["name"] == "d-xf" and pkg["organization"]["title"] == "消防救援"
    assert pkg["owner_org"] == pkg["organization"]["id"]
    assert [g["name"] for g in pkg["groups"]] == ["1"]
    assert {t["name"] for t in pkg["tags"]} == {"法人单位信息", "每月"}
    assert pkg["num_resources"] == 1 and pkg["resources"][0]["datastore_active"] is True
    assert pkg["private"] is False and pkg["notes"].startswith("辖区企业")
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert extras["share_type"] == "unconditional" and extras["update_cycle"] == "monthly"
    assert extras["code"] == "102-0001" and extras["record_count"] == "3"
    assert pkg["metadata_created"] and "+" not in pkg["metadata_modified"]


def test_resource_show_by_id(client, firms):
    res = result(get(client, "resource_show", id=make_id("resource", firms.pk)))
    assert res["package_id"] == make_id("package", firms.pk) and res["datastore_active"]
    assert error(post(client, "resource_show", {"id": "nope"}), 404)["__type"] == "Not Found Error"


def test_package_search_q_fq_rows_start_sort(client, users, people, firms):
    client.force_login(users["officer"])
    everything = result(get(client, "package_search", include_private="true", sort="name desc"))
    assert everything["count"] == 2 and [p["name"] for p in everything["results"]] == [
        "102-0001",
        "101001-0003",
    ]
    assert result(get(client, "package_search"))["count"] == 1  # private datasets only when asked
    found = result(post(client, "package_search", {"q": "出租屋", "include_private": True}))
    assert [p["name"] for p in found["results"]] == ["101001-0003"]
    by_org = result(post(client, "package_search", {"fq": "organization:d-cg", "include_private": True}))
    assert [p["name"] for p in by_org["results"]] == ["101001-0003"]
    tagged = result(get(client, "package_search", fq='tags:"法人单位信息"', include_private="true"))
    assert [p["name"] for p in tagged["results"]] == ["102-0001"]
    paged = result(
        post(client, "package_search", {"rows": 1, "start": 1, "sort": "name asc", "include_private": True})
    )
    assert paged["count"] == 2 and [p["name"] for p in paged["results"]] == ["102-0001"]


def test_package_search_terms_facets_and_paging_are_answered_by_the_query(client, users, people, firms):
    client.force_login(users["officer"])
    body = {"include_private": True, "facet.field": ["organization", "groups", "tags", "private"]}
    out = result(post(client, "package_search", body))
    assert out["count"] == 2
    assert out["facets"]["organization"] == {"d-cg": 1, "d-xf": 1}
    assert out["facets"]["groups"] == {"1": 2}
    assert out["facets"]["tags"] == {"人口信息": 1, "户籍与居住": 1, "法人单位信息": 1, "每月": 2}
    assert out["facets"]["private"] == {"false": 1, "true": 1}
    items = out["search_facets"]["organization"]["items"]
    assert {i["name"] for i in items} == {"d-cg", "d-xf"} and all(i["count"] == 1 for i in items)
    assert out["search_facets"]["groups"]["items"] == [
        {"name": "1", "display_name": "基础信息资源", "count": 2}
    ]

    def names(**params):
        return [
            p["name"]
            for p in result(get(client, "package_search", include_private="true", **params))["results"]
        ]

    assert names(fq="groups:1 private:true") == ["101001-0003"]
    assert names(fq='tags:"每月"', sort="name asc") == ["101001-0003", "102-0001"]
    assert names(q="企业 organization:d-xf") == ["102-0001"]
    assert names(q="企业 organization:d-cg") == []
    assert names(fq="res_format:csv") == [] and names(fq="share_type:unconditional") == ["102-0001"]
    assert names(rows=1, start=0, sort="title_string desc") == ["101001-0003"]  # 出租屋… after 企业…
    anonymous = result(post(client.__class__(), "package_search", {"facet.field": ["organization"]}))
    assert anonymous["count"] == 1 and anonymous["facets"]["organization"] == {"d-xf": 1}


def test_package_search_refuses_bad_parameters_naming_them(client, firms):
    err = error(get(client, "package_search", rows="many"), 409)
    assert err == {"__type": "Validation Error", "rows": ["Invalid integer"]}
    assert "fq" in error(post(client, "package_search", {"fq": "colour:red"}), 409)
    assert "sort" in error(post(client, "package_search", {"sort": "size desc"}), 409)
    assert "facet.limit" in error(post(client, "package_search", {"facet.limit": "all"}), 409)
    assert "facet.field" in error(post(client, "package_search", {"facet.field": {"a": 1}}), 409)


def test_organizations_groups_and_tags(client, users, people, firms):
    client.force_login(users["officer"])
    assert result(get(client, "organization_list")) == ["d-cg", "d-xf"]
    orgs = result(post(client, "organization_list", {"all_fields": True}))
    assert [(o["name"], o["package_count"]) for o in orgs] == [("d-cg", 1), ("d-xf", 1)]
    org = result(get(client, "organization_show", id="D-XF", include_datasets="true"))
    assert org["title"] == "消防救援" and [p["name"] for p in org["packages"]] == ["102-0001"]
    assert result(post(client, "organization_show", {"id": org["id"]}))["packages"] == []
    assert error(get(client, "organization_show", id="nobody"), 404)["__type"] == "Not Found Error"
    groups = result(post(client, "group_list", {"all_fields": True}))
    assert [(g["name"], g["title"], g["package_count"]) for g in groups] == [("1", "基础信息资源", 2)]
    assert result(get(client, "group_list")) == ["1"]
    assert result(get(client, "tag_list")) == sorted(["户籍与居住", "人口信息", "法人单位信息", "每月"])
    assert result(post(client, "tag_list", {"query": "人口"})) == ["人口信息"]


# ---- datastore_search -----------------------------------------------------------------------------


def test_datastore_search_gives_fields_records_total_and_links(client, firms):
    rid = make_id("resource", firms.pk)
    out = result(get(client, "datastore_search", resource_id=rid, limit=2))
    assert out["fields"][0] == {"id": "_id", "type": "int"}
    assert [(f["id"], f["type"]) for f in out["fields"][1:]] == [
        ("credit_code", "text"),
        ("name", "text"),
        ("capital", "numeric"),
    ]
    assert out["fields"][2]["info"]["label"] == "企业名称"
    assert out["total"] == 3 and out["limit"] == 2 and out["offset"] == 0
    assert [r["capital"] for r in out["records"]] == [500, 80.5]
    nxt = client.get(out["_links"]["next"])
    assert [r["name"] for r in result(nxt)["records"]] == ["东城食品店"]
    assert result(nxt)["records"][0]["capital"] is None


def test_datastore_search_filters_q_sort_fields_by_post(client, firms):
    body = {"resource_id": "102-0001", "filters": {"name": ["华兴五金厂", "东城食品店"]}, "sort": "name desc"}
    out = result(post(client, "datastore_search", body))
    assert [r["name"] for r in out["records"]] == ["华兴五金厂", "东城食品店"] and out["total"] == 2
    out = result(post(client, "datastore_search", {"id": "102-0001", "q": "华兴", "fields": ["name"]}))
    names = [r["name"] for r in out["records"]]  # inside a name as well as at its beginning
    assert names == ["东莞华兴电子有限公司", "华兴五金厂"] and out["total"] == 2
    assert [f["id"] for f in out["fields"]] == ["name"]
    out = result(post(client, "datastore_search", {"id": "102-0001", "q": "五金"}))
    assert [r["name"] for r in out["records"]] == ["华兴五金厂"] and out["total"] == 1
    out = result(
        post(client, "datastore_search", {"id": "102-0001", "q": {"name": "东"}, "sort": ["capital desc"]})
    )
    assert [r["name"] for r in out["records"]] == ["东莞华兴电子有限公司", "东城食品店"]
    out = result(
        post(
            client,
            "datastore_search",
            {"id": "102-0001", "filters": {"capital": 80.5}, "include_total": False},
        )
    )
    assert [r["name"] for r in out["records"]] == ["华兴五金厂"] and "total" not in out


def test_datastore_search_by_query_string(client, firms):
    rid = make_id("resource", firms.pk)
    out = result(
        get(
            client,
            "datastore_search",
            resource_id=rid,
            filters='{"name": "东城食品店"}',
            fields="_id,name",
            sort="_id desc",
        )
    )
    assert [set(r) for r in out["records"]] == [{"_id", "name"}] and out["total"] == 1
    out = result(get(client, "datastore_search", resource_id=rid, q="9144 东城", offset=0, limit=0))
    assert out["records"] == [] and out["total"] == 1


def test_datastore_search_bad_parameters_are_validation_errors(client, firms):
    def bad(body):
        return error(post(client, "datastore_search", {"resource_id": "102-0001", **body}), 409)

    assert bad({"filters": {"colour": "red"}}) == {
        "__type": "Validation Error",
        "filters": ["field “colour” not in table"],
    }
    assert bad({"sort": "colour asc"})["sort"] == ["field “colour” not in table"]
    assert bad({"sort": "name sideways"})["sort"]
    assert bad({"fields": ["name", "colour"]})["fields"] == ["field “colour” not in table"]
    assert bad({"limit": -1})["limit"] == ["Must be a natural number"]
    assert bad({"offset": "x"})["offset"] == ["Invalid integer"]
    assert bad({"filters": "{not json"})["filters"] == ["Must be a JSON object"]
    assert bad({"colour": "red"})["colour"] == ["The input field colour was not expected."]
    assert error(post(client, "datastore_search", {}), 409)["resource_id"] == ["Missing value"]


def test_datastore_search_on_a_private_resource_needs_a_caller_who_may_see_it(client, users, people):
    assert (
        error(post(client, "datastore_search", {"resource_id": "101001-0003"}), 404)["__type"]
        == "Not Found Error"
    )
    client.force_login(users["officer"])
    assert result(post(client, "datastore_search", {"resource_id": "101001-0003"}))["total"] == 3


def test_personal_fields_are_masked_for_staff_and_not_for_the_steward(client, users, people):
    client.force_login(users["officer"])
    rows = result(post(client, "datastore_search", {"resource_id": "101001-0003", "sort": "_id"}))["records"]
    assert rows[0]["id_number"] == "1101**********002X" and rows[0]["name"] == "陈**"
    assert rows[0]["phone"] == "138****5678" and rows[0]["rooms"] == 3
    # a masked field cannot be searched by its beginning (that would unmask it a character at a time)
    assert result(post(client, "datastore_search", {"resource_id": "101001-0003", "q": "陈"}))["total"] == 0
    assert "q" in error(
        post(client, "datastore_search", {"resource_id": "101001-0003", "q": {"name": "陈"}}), 409
    )
    client.force_login(users["steward"])
    rows = result(post(client, "datastore_search", {"resource_id": "101001-0003", "q": "陈"}))["records"]
    assert [r["name"] for r in rows] == ["陈大文", "陈三"] and rows[0]["id_number"] == "11010519491231002X"


# ---- the envelope's edges -------------------------------------------------------------------------


def test_an_unknown_action_is_a_400_with_ckans_message(client):
    response = client.get(A3 + "package_delete")
    assert (
        response.status_code == 400
        and response.json() == "Bad request - Action name not known: package_delete"
    )


def test_a_body_that_is_not_a_json_object_is_a_400(client, categories):
    response = client.post(A + "package_list", "[1, 2]", content_type="application/json")
    assert response.status_code == 400 and response.json().startswith("Bad request - JSON Error")
    response = client.post(A + "package_list", "{nope", content_type="application/json")
    assert response.status_code == 400


def test_help_show_explains_an_action(client):
    assert "filters" in result(get(client, "help_show", name="datastore_search"))
    assert error(get(client, "help_show", name="nope"), 404)["__type"] == "Not Found Error"
