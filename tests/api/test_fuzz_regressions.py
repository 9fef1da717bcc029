"""What fuzzing the API found, each kept fixed by a plain test: numbers read as dates, problem
responses missing from the OpenAPI document, and success codes documented wrong."""

import pytest

from cityops.api import api

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _responses(path: str, method: str) -> dict:
    return {
        str(k): v for k, v in api.get_openapi_schema()["paths"][f"/api/v1{path}"][method]["responses"].items()
    }


def _documented(resp, path: str, method: str = "get") -> bool:
    return str(resp.status_code) in _responses(path, method)


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/kpis", {"end": "0"}, "query.end"),
        ("/kpis", {"start": "1700000000"}, "query.start"),
        ("/patrols/coverage", {"day": "0"}, "query.day"),
        ("/patrols/sessions", {"day": "20250301"}, "query.day"),
    ],
)
def test_a_number_is_not_read_as_a_date(client, users, path, query, field):
    """pydantic reads a number as seconds since 1970: ?end=0 answered the KPIs of 1 January 1970."""
    client.force_login(users["officer"])
    resp = client.get(f"/api/v1{path}", query)
    assert resp.status_code == 422 and resp["Content-Type"] == PROBLEM
    assert [e["field"] for e in resp.json()["errors"]] == [field]
    assert "is a number, not an ISO 8601 date" in resp.json()["detail"]


def test_a_number_is_not_read_as_a_date_in_a_body(client, users):
    client.force_login(users["admin"])
    body = {"code": "AIR-X", "name": "AIR-X", "device_type": "air", "install_date": 0}
    resp = client.post("/api/v1/iot/devices", body, content_type="application/json")
    assert resp.status_code == 422
    assert any(e["field"].endswith("install_date") for e in resp.json()["errors"]), resp.json()


def test_iso_dates_are_still_read(client, users):
    client.force_login(users["officer"])
    assert client.get("/api/v1/patrols/coverage", {"day": "2026-03-02"}).json()["day"] == "2026-03-02"
    assert client.get("/api/v1/kpis", {"start": "2026-01-01", "end": "2026-03-01"}).status_code == 200


def test_every_operation_documents_its_problem_responses():
    """Every operation declares 400, 401 and 403, and 404 and 422 when it takes anything, as problem
    details; one that changes something also 409 and 413."""
    schema = api.get_openapi_schema()
    assert set(schema["components"]["schemas"]["Problem"]["required"]) >= {
        "type",
        "title",
        "status",
        "detail",
    }
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            codes = {str(k) for k in op["responses"]}
            expected = {"400", "401", "403"}
            if op.get("parameters") or op.get("requestBody") or method != "get":
                expected |= {"404", "422"}
            if method != "get":
                expected |= {"409", "413"}
            assert codes >= expected, (method, path)
            for code in expected:
                content = op["responses"][int(code)]["content"]
                assert content == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_a_filter_naming_an_unknown_object_is_a_documented_404(client, users):
    client.force_login(users["officer"])
    resp = client.get("/api/v1/iot/rules", {"device": "null"})
    assert resp.status_code == 404 and _documented(resp, "/iot/rules")


def test_a_body_naming_an_unknown_grid_is_a_documented_404(client, users):
    client.force_login(users["officer"])
    body = {"grid": "", "inspector": "", "visits_per_week": 5, "min_minutes": 30}
    resp = client.post("/api/v1/patrols/plans", body, content_type="application/json")
    assert resp.status_code == 404 and _documented(resp, "/patrols/plans", "post")


def test_an_empty_import_is_a_documented_422(client, users):
    client.force_login(users["steward"])
    resp = client.post("/api/v1/geo/import", "", content_type="application/json")
    assert resp.status_code == 422 and _documented(resp, "/geo/import", "post")


def test_the_video_webhook_documents_its_answers(client, settings):
    """201 for a new alert and 200 for a repeat (documented as 200 alone), 503 without a key."""
    responses = _responses("/video/alerts", "post")
    assert {"200", "201", "401", "413", "422", "503"} <= set(responses)
    assert responses["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AlertOut"
    }
    settings.CITYOPS_VIDEO_WEBHOOK_KEY = ""
    assert client.post("/api/v1/video/alerts", "{}", content_type="application/json").status_code == 503


def test_telemetry_documents_its_202():
    """The device door answers 202 with counts; the document said 200 with no body."""
    responses = _responses("/iot/telemetry", "post")
    assert "200" not in responses and "202" in responses
    ref = responses["202"]["content"]["application/json"]["schema"]["$ref"]
    model = api.get_openapi_schema()["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(model["required"]) == {"stored", "duplicates", "rejected"}


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/cases", {"status": "\x00"}, "query.status"),
        ("/iot/alarms", {"area": "GT\x00p"}, "query.area"),
        ("/databrain/resources", {"category": "a\x00"}, "query.category"),
        ("/video/sites", {"q": "\x00"}, "query.q"),
    ],
)
def test_a_nul_character_in_a_query_is_a_400_naming_it(client, users, path, query, field):
    """PostgreSQL cannot hold U+0000: these filters were server errors there (SQLite took them)."""
    client.force_login(users["officer"])
    resp = client.get(f"/api/v1{path}", query)
    assert resp.status_code == 400 and resp["Content-Type"] == PROBLEM
    assert [e["field"] for e in resp.json()["errors"]] == [field]
    assert _documented(resp, path)


def test_a_nul_character_in_a_path_or_a_json_body_is_a_400(client, users):
    client.force_login(users["admin"])
    assert client.get("/api/v1/geo/grids/G%00").status_code == 400
    body = '{"code": "A\\u0000", "name": "x", "device_type": "air"}'
    resp = client.post("/api/v1/iot/devices", body, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["errors"] == [
        {"field": "body", "message": "NUL character"}
    ]
    # an escaped backslash before "u0000" is no NUL
    body = '{"code": "A\\\\u0000", "name": "x", "device_type": "none"}'
    resp = client.post("/api/v1/iot/devices", body, content_type="application/json")
    assert resp.status_code != 400


def test_a_nul_character_in_a_page_s_filter_is_a_400(client, users):
    client.force_login(users["officer"])
    resp = client.get("/cases/", {"q": "\x00"})
    assert resp.status_code == 400 and b"query.q" in resp.content


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/video/sites", "project=a&project=b", "query.project"),
        ("/accounts/users", "grid=G1&grid=G2", "query.grid"),
    ],
)
def test_a_parameter_given_twice_where_one_is_expected_is_a_422(client, users, path, query, field):
    """It was read silently as its last value."""
    client.force_login(users["officer"])
    resp = client.get(f"/api/v1{path}?{query}")
    assert resp.status_code == 422 and [e["field"] for e in resp.json()["errors"]] == [field]


def test_a_list_parameter_still_takes_many_values(client, users):
    client.force_login(users["officer"])
    assert client.get("/api/v1/cases?status=reported&status=closed").status_code == 200


@pytest.mark.parametrize("path", ["/patrols/plans", "/patrols/sessions"])
def test_an_inspector_filter_that_can_name_no_account_is_a_422(client, users, path):
    """A value no user name can take (here a structure written out, as a fuzzer's client sends an
    object) was searched for and answered with an empty page; it is refused, naming the filter."""
    client.force_login(users["officer"])
    resp = client.get(f"/api/v1{path}", {"inspector": "{'': [1, 'false']}"})
    assert resp.status_code == 422 and resp["Content-Type"] == PROBLEM
    assert [e["field"] for e in resp.json()["errors"]] == ["query.inspector"]
    assert client.get(f"/api/v1{path}", {"inspector": "inspector_g1"}).status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": ""}, "query.q.status.0"),
        ({"status": "bogus"}, "query.q.status.0"),
        ({"channel": "null"}, "query.channel"),
    ],
)
def test_a_case_status_or_channel_that_does_not_exist_is_a_422(client, users, query, field):
    """An unknown status or channel (a typo, an empty value) answered an empty page, as if no case
    had it; it is refused, naming the parameter, and the document lists the values."""
    client.force_login(users["officer"])
    resp = client.get("/api/v1/cases", query)
    assert resp.status_code == 422 and resp["Content-Type"] == PROBLEM
    assert [e["field"] for e in resp.json()["errors"]] == [field]
    assert (
        client.get("/api/v1/cases", {"status": ["reported", "closed"], "channel": "patrol"}).status_code
        == 200
    )
