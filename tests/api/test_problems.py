"""One error format (RFC 9457 problem details) and paging on every list."""

import json
import re

import pytest

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def test_unauthenticated_is_a_401_problem(client, town):
    resp = client.get("/api/v1/geo/grids")
    assert resp.status_code == 401 and resp["Content-Type"] == PROBLEM
    body = resp.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized"
    assert body["instance"] == "/api/v1/geo/grids" and body["request_id"] == resp["X-Request-ID"]


def test_bad_query_is_a_422_naming_the_field(client, users):
    client.force_login(users["officer"])
    resp = client.get("/api/v1/geo/locate", {"lon": "east", "lat": 22.9})
    assert resp.status_code == 422 and resp["Content-Type"] == PROBLEM
    assert [e["field"] for e in resp.json()["errors"]] == ["query.lon"]
    resp = client.get("/api/v1/geo/locate", {"lon": 200, "lat": 22.9})
    assert resp.status_code == 422 and "query.lon" in resp.json()["detail"]
    resp = client.get("/api/v1/geo/grids", {"page_size": 10_000})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "query.page_size"
    resp = client.get("/api/v1/geo/places", {"kind": "castle"})
    assert resp.status_code == 422 and resp.json()["errors"] == [
        {"field": "query.kind", "message": "unknown place kind"}
    ]


def test_invalid_json_and_oversized_bodies(client, users, settings):
    client.force_login(users["steward"])
    resp = client.post("/api/v1/geo/import", "{not json", content_type="application/json")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "body"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    from cityops.geo import api as geo_api

    old = geo_api.MAX_IMPORT_BYTES
    geo_api.MAX_IMPORT_BYTES = 1000
    try:
        resp = client.post("/api/v1/geo/import", "[" + "0," * 1000 + "0]", content_type="application/json")
    finally:
        geo_api.MAX_IMPORT_BYTES = old
    assert resp.status_code == 413 and resp["Content-Type"] == PROBLEM


def test_paging_walks_the_whole_list(client, users):
    client.force_login(users["officer"])
    seen, page = [], 1
    while True:
        body = client.get("/api/v1/geo/grids", {"page": page, "page_size": 3}).json()
        seen += [f["properties"]["code"] for f in body["features"]]
        assert body["paging"]["count"] == 8 and body["paging"]["pages"] == 3
        if page == body["paging"]["pages"]:
            break
        page += 1
    assert seen == [f"G{i}" for i in range(1, 9)]
    empty = client.get("/api/v1/geo/grids", {"page": 9, "page_size": 3}).json()
    assert empty["features"] == []


def test_openapi_document_lists_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json()
    for path in [
        "/api/v1/geo/grids",
        "/api/v1/geo/locate",
        "/api/v1/geo/tree",
        "/api/v1/geo/places",
        "/api/v1/accounts/tokens",
        "/api/v1/org/departments",
    ]:
        assert path in doc["paths"], path
    assert client.get("/api/v1/docs").status_code == 200


def test_the_docs_page_uses_the_local_swagger_ui(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/vendor/swagger-ui-dist/swagger-ui.css" in html
    assert "cdn." not in html and "https://" not in html
    settings = re.search(r'<script id="swagger-settings" type="application/json">(.*?)</script>', html, re.S)
    assert json.loads(settings.group(1)) == {
        "layout": "BaseLayout",
        "deepLinking": True,
        "validatorUrl": None,
        "url": "/api/v1/openapi.json",
    }
