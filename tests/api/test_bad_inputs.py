"""Out-of-range numbers, dates and moments are refused with a message naming the parameter, never
a server error — on every list's paging and dates (found from the OpenAPI document, so a new list
is covered when it is added), on every id in a path, and on Open311's parameters."""

import pytest

from cityops.api import api

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
BAD_PAGES = [HUGE, "0", "-1", "1e3", "1000001"]
BAD_DAYS = ["0001-01-01", "9999-12-31", "1969-12-31", "2200-01-01"]


def _get_operations():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        op = operations.get("get")
        if op is not None:
            yield path, op.get("parameters", [])


def _formats(param) -> set:
    s = param.get("schema", {})
    return {s.get("format")} | {a.get("format") for a in s.get("anyOf", [])}


def _types(param) -> set:
    s = param.get("schema", {})
    return {s.get("type")} | {a.get("type") for a in s.get("anyOf", [])}


def _cases():
    for path, params in _get_operations():
        fill = {p["name"]: "X" for p in params if p["in"] == "path"}
        for p in params:
            where, name = p["in"], p["name"]
            if where == "query" and name in ("page", "page_size"):
                values = BAD_PAGES
            elif where == "query" and _formats(p) & {"date", "date-time"}:
                values = BAD_DAYS
            elif where == "path" and "integer" in _types(p):
                values = [HUGE, "9223372036854775808", "0"]
            else:
                continue
            requests = [
                (path.format(**{**fill, name: v}), {})
                if where == "path"
                else (path.format(**fill), {name: v})
                for v in values
            ]
            yield pytest.param(requests, f"{where}.{name}", id=f"{path}:{name}")


CASES = list(_cases())


def test_the_lists_are_found():
    ids = {c.id for c in CASES}
    assert {"/api/v1/cases:page", "/api/v1/kpis:start", "/api/v1/patrols/coverage:day"} <= ids
    assert "/api/v1/iot/alarms/{alarm_id}:alarm_id" in ids  # an id in a path


@pytest.mark.parametrize(("requests", "field"), CASES)
def test_bad_paging_dates_and_ids_are_422_naming_the_parameter(client, users, requests, field):
    client.force_login(users["officer"])
    for url, query in requests:
        resp = client.get(url, query)
        assert resp.status_code == 422, (url, query, resp.content[:300])
        assert resp["Content-Type"] == "application/problem+json"
        assert [e["field"] for e in resp.json()["errors"]] == [field], (url, query)


def test_the_issue_s_requests(client, users):
    client.force_login(users["officer"])
    resp = client.get("/api/v1/cases", {"page": HUGE})
    assert resp.status_code == 422 and "less than or equal to 1000000" in resp.json()["detail"]
    resp = client.get("/api/v1/kpis", {"period": "year", "start": "9990-01-01", "end": "9999-12-31"})
    assert resp.status_code == 422
    assert [e["field"] for e in resp.json()["errors"]] == ["query.start", "query.end"]
    assert "outside the years 1970–2199" in resp.json()["detail"]
    # the last page that can exist still answers
    assert client.get("/api/v1/cases", {"page": 1_000_000}).json()["results"] == []
