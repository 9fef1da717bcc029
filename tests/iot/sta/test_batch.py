"""$batch in the JSON format: each request as if sent alone, references to created entities,
atomicity groups, dependsOn, limits, and scope per request."""

import json

import pytest

from cityops.audit.models import AuditRecord
from cityops.iot.models import Datastream, Device, DeviceType, Quantity, Reading
from tests.builders import grid_centre
from tests.iot.sta.conftest import BASE


def _batch(client, requests, status: int = 200):
    response = client.client.post(
        BASE + "$batch", json.dumps({"requests": requests}), content_type="application/json", **client.headers
    )
    assert response.status_code == status, response.content
    return response.json()


def _statuses(body) -> dict:
    return {r["id"]: r["status"] for r in body["responses"]}


def _thing(grid: int = 2, code: str = "WL-B1") -> dict:
    lon, lat = grid_centre(grid)
    return {
        "name": code,
        "description": "",
        "properties": {"code": code, "deviceType": "water"},
        "Locations": [
            {"name": "here", "description": "", "location": {"type": "Point", "coordinates": [lon, lat]}}
        ],
    }


def _counts():
    return (
        Device.objects.count(),
        Datastream.objects.count(),
        Quantity.objects.count(),
        Reading.objects.count(),
    )


def test_requests_run_in_order_with_references(sta, sta_data):
    client = sta("steward")
    air = sta_data["devices"]["AIR-G1"]
    body = _batch(
        client,
        [
            {"id": "read", "method": "get", "url": f"Things({air.id})?$select=name"},
            {
                "id": "op",
                "method": "post",
                "url": "ObservedProperties",
                "body": {"name": "噪声", "definition": "", "description": ""},
            },
            {
                "id": "ds",
                "method": "post",
                "url": f"Things({air.id})/Datastreams",
                "body": {"unitOfMeasurement": {"symbol": "dB"}, "ObservedProperty": {"@iot.id": "$op"}},
            },
            {"id": "obs", "method": "post", "url": "$ds/Observations", "body": {"result": 55.5}},
            {"id": "back", "method": "get", "url": "$ds/ObservedProperty"},
            {"id": "count", "method": "get", "url": "/sta/v1.1/Things?$count=true&$top=1"},
            {
                "id": "value",
                "method": "get",
                "url": f"http://testserver/sta/v1.1/Things({air.id})/name/$value",
            },
        ],
    )
    responses = {r["id"]: r for r in body["responses"]}
    assert [r["id"] for r in body["responses"]] == ["read", "op", "ds", "obs", "back", "count", "value"]
    assert responses["read"] == {"id": "read", "status": 200, "body": {"name": "AIR-G1"}}
    assert all(responses[k]["status"] == 201 for k in ("op", "ds", "obs"))
    ds_link = responses["ds"]["headers"]["location"]
    created = Datastream.objects.get(pk=int(ds_link[ds_link.rindex("(") + 1 : -1]))
    assert (created.device_id, created.quantity.name) == (air.id, "噪声")
    assert Reading.objects.get(datastream=created).value == 55.5
    assert responses["back"]["body"]["name"] == "噪声"
    assert responses["count"]["body"]["@iot.count"] == 4
    assert responses["value"]["body"] == "AIR-G1"


def test_service_root_lists_batch_and_create_observations_runs_in_a_batch(sta, sta_data):
    client = sta("steward")
    conformance = client.json("")["serverSettings"]["conformance"]
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/batch-request/batch-request" in conformance
    ds = sta_data["streams"][("WL-G2", "water_level")]
    rows = {"Datastream": {"@iot.id": ds.id}, "components": ["result"], "dataArray": [[2.5], ["x"]]}
    body = _batch(client, [{"id": "many", "method": "post", "url": "CreateObservations", "body": [rows]}])
    links = body["responses"][0]["body"]
    assert body["responses"][0]["status"] == 201 and links[1] == "error"
    assert links[0].startswith("http://testserver/sta/v1.1/Observations(")


def test_updates_in_a_batch_use_their_content_type(sta, sta_data):
    client = sta("steward")
    air = sta_data["devices"]["AIR-G1"]
    body = _batch(
        client,
        [
            {"id": "merge", "method": "patch", "url": f"Things({air.id})", "body": {"description": "d1"}},
            {
                "id": "json-patch",
                "method": "patch",
                "url": f"Things({air.id})",
                "headers": {"Content-Type": "application/json-patch+json"},
                "body": [{"op": "add", "path": "/properties/zone", "value": "east"}],
            },
            {"id": "put", "method": "put", "url": f"Sensors({air.device_type_id})", "body": {"name": "x"}},
        ],
    )
    assert _statuses(body) == {"merge": 200, "json-patch": 200, "put": 400}
    assert "mandatory and missing" in body["responses"][2]["body"]["message"]
    air.refresh_from_db()
    assert air.description == "d1" and air.properties["zone"] == "east"


def test_failure_in_an_atomicity_group_leaves_nothing_written(sta, sta_data):
    client = sta("steward")
    before = _counts()
    audits = AuditRecord.objects.count()
    body = _batch(
        client,
        [
            {"id": "thing", "atomicityGroup": "g1", "method": "post", "url": "Things", "body": _thing()},
            {
                "id": "ds",
                "atomicityGroup": "g1",
                "method": "post",
                "url": "$thing/Datastreams",
                "body": {"unitOfMeasurement": {}, "ObservedProperty": {"@iot.id": 999999}},
            },
            {"id": "late", "atomicityGroup": "g1", "method": "get", "url": "Things"},
            {"id": "after", "method": "get", "url": "$thing"},
            {"id": "needs-g1", "method": "get", "url": "Sensors", "dependsOn": ["g1"]},
            {"id": "free", "method": "post", "url": "Sensors", "body": {"name": "独立", "description": ""}},
        ],
    )
    assert _statuses(body) == {
        "thing": 424,
        "ds": 400,
        "late": 424,
        "after": 424,
        "needs-g1": 424,
        "free": 201,
    }
    responses = {r["id"]: r for r in body["responses"]}
    assert responses["thing"]["atomicityGroup"] == "g1"
    assert responses["thing"]["body"]["message"] == (
        "Not applied: request 'ds' of atomicity group 'g1' failed, so the whole group was rolled back."
    )
    assert "ObservedProperty 999999" in responses["ds"]["body"]["message"]
    assert "rolled back" in responses["after"]["body"]["message"]
    assert responses["needs-g1"]["body"]["message"] == "Not run: it depends on 'g1', which failed."
    assert _counts() == before
    assert not Device.objects.filter(code="WL-B1").exists()
    assert DeviceType.objects.filter(name="独立").exists()
    assert AuditRecord.objects.count() == audits + 1  # only the independent Sensor


def test_a_group_that_succeeds_is_written(sta, sta_data):
    client = sta("steward")
    body = _batch(
        client,
        [
            {"id": "thing", "atomicityGroup": "g", "method": "post", "url": "Things", "body": _thing()},
            {
                "id": "ds",
                "atomicityGroup": "g",
                "method": "post",
                "url": "Datastreams",
                "body": {
                    "Thing": {"@iot.id": "$thing"},
                    "unitOfMeasurement": {"symbol": "m"},
                    "ObservedProperty": {"@iot.id": Quantity.objects.get(code="water_level").id},
                },
            },
            {"id": "after", "method": "get", "url": "$thing/Datastreams", "dependsOn": ["g"]},
        ],
    )
    assert _statuses(body) == {"thing": 201, "ds": 201, "after": 200}
    assert [d["name"] for d in body["responses"][2]["body"]["value"]] == ["WL-B1 水位"]


def test_unknown_reference_is_400_for_that_request(sta, sta_data):
    client = sta("steward")
    before = _counts()
    body = _batch(
        client,
        [
            {"id": "a", "method": "get", "url": "$nosuch/Datastreams"},
            {
                "id": "b",
                "method": "post",
                "url": "Observations",
                "body": {"result": 1, "Datastream": {"@iot.id": "$a"}},
            },
            {"id": "c", "method": "get", "url": "Sensors"},
        ],
    )
    assert _statuses(body) == {"a": 400, "b": 424, "c": 200}
    assert body["responses"][0]["body"]["message"] == (
        "$nosuch names no earlier request of this batch that created an entity."
    )
    assert body["responses"][1]["body"]["message"] == "$a refers to a request that failed or was rolled back."
    assert _counts() == before


def test_scope_applies_to_each_request(sta, sta_data, village_steward):
    inside, outside = sta_data["devices"]["AIR-G1"], sta_data["devices"]["AIR-G5"]
    body = _batch(
        village_steward,
        [
            {"id": "1", "method": "patch", "url": f"Things({outside.id})", "body": {"name": "x"}},
            {"id": "2", "method": "patch", "url": f"Things({inside.id})", "body": {"name": "内"}},
            {"id": "3", "method": "get", "url": f"Things({outside.id})"},
        ],
    )
    assert _statuses(body) == {"1": 404, "2": 200, "3": 404}
    outside.refresh_from_db()
    inside.refresh_from_db()
    assert (outside.name, inside.name) == ("AIR-G5", "内")
    reader = _batch(
        sta("dispatcher_v1"),
        [
            {"id": "r", "method": "get", "url": f"Things({inside.id})"},
            {"id": "w", "method": "post", "url": "Sensors", "body": {"name": "x", "description": ""}},
        ],
    )
    assert _statuses(reader) == {"r": 200, "w": 403}
    assert "iot.change" in reader["responses"][1]["body"]["message"]


def test_too_many_requests_is_413(sta, sta_data, settings):
    settings.CITYOPS_STA_MAX_BATCH = 2
    requests = [
        {"id": str(i), "method": "post", "url": "Sensors", "body": {"name": f"s{i}"}} for i in range(3)
    ]
    body = _batch(sta("steward"), requests, status=413)
    assert body["message"] == "A batch holds at most 2 requests; this one has 3. Split it."
    assert not DeviceType.objects.filter(name__in=["s0", "s1", "s2"]).exists()


@pytest.mark.parametrize(
    ("requests", "message"),
    [
        ({"id": "1"}, "A JSON batch is"),
        (
            [{"id": "1", "method": "get", "url": "Things"}, {"id": "1", "method": "get", "url": "Things"}],
            "requests[1]: id '1' is used twice.",
        ),
        ([{"id": "1", "method": "fetch", "url": "Things"}], "requests[0]: method must be one of"),
        ([{"id": "1", "method": "get"}], "requests[0]: url must be a string"),
        ([{"id": 1, "method": "get", "url": "Things"}], "requests[0]: id must be a string"),
        ([{"id": "1", "method": "get", "url": "Things", "extra": 1}], "requests[0]: unknown member 'extra'"),
        (
            [
                {"id": "1", "method": "get", "url": "Things", "dependsOn": ["2"]},
                {"id": "2", "method": "get", "url": "Things"},
            ],
            "requests[0]: dependsOn '2' is not an earlier request or group.",
        ),
        (
            [
                {"id": "1", "atomicityGroup": "g", "method": "get", "url": "Things"},
                {"id": "2", "method": "get", "url": "Things"},
                {"id": "3", "atomicityGroup": "g", "method": "get", "url": "Things"},
            ],
            "requests[2]: the requests of atomicity group 'g' must be adjacent.",
        ),
        (
            [{"id": "g", "atomicityGroup": "g", "method": "get", "url": "Things"}],
            "atomicityGroup 'g' is also a request id.",
        ),
        (
            [{"id": "1", "method": "get", "url": "Things", "headers": {"a": 1}}],
            "headers must be a JSON object of strings.",
        ),
    ],
)
def test_malformed_batch_is_400_and_runs_nothing(sta, sta_data, requests, message):
    client = sta("steward")
    document = {"requests": requests} if isinstance(requests, list) else requests
    response = client.client.post(
        BASE + "$batch", json.dumps(document), content_type="application/json", **client.headers
    )
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_batch_endpoint_errors(sta, sta_data, client):
    steward = sta("steward")
    assert steward.get("$batch").status_code == 405
    text = client.post(BASE + "$batch", "x", content_type="text/plain", **steward.headers)
    assert text.status_code == 415 and "application/json" in text.json()["message"]
    assert client.post(BASE + "$batch", "{}", content_type="application/json").status_code == 401
    bad_json = client.post(BASE + "$batch", "{", content_type="application/json", **steward.headers)
    assert bad_json.status_code == 400
    body = _batch(
        steward,
        [
            {"id": "nested", "method": "post", "url": "$batch", "body": {"requests": []}},
            {"id": "elsewhere", "method": "get", "url": "/api/v1/devices"},
            {"id": "root", "method": "get", "url": "Nothing"},
        ],
    )
    assert _statuses(body) == {"nested": 400, "elsewhere": 404, "root": 404}
