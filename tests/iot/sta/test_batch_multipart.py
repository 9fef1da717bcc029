"""$batch in OData 4.0's multipart/mixed format (what STA 1.1 §11 specifies): plain requests, change
sets as atomicity groups, Content-ID references; and a change set rolled back for real."""

import json

from cityops.iot.models import Datastream, Device, DeviceType, Quantity
from tests.builders import grid_centre
from tests.iot.sta.conftest import BASE

BATCH, CHANGESET = "batch_36522ad7-fc75", "changeset_77162fcd-b8da"


def _thing_json(code: str) -> str:
    lon, lat = grid_centre(2)
    return json.dumps(
        {
            "name": code,
            "description": "",
            "properties": {"code": code, "deviceType": "water"},
            "Locations": [
                {"name": "x", "description": "", "location": {"type": "Point", "coordinates": [lon, lat]}}
            ],
        }
    )


def _http(request_line: str, body: str = "", content_id: str = "") -> str:
    head = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
    if content_id:
        head += f"Content-ID: {content_id}\r\n"
    inner = f"{request_line} HTTP/1.1\r\nHost: testserver\r\n"
    if body:
        inner += f"Content-Type: application/json\r\nContent-Length: {len(body.encode())}\r\n"
    return f"{head}\r\n{inner}\r\n{body}"


def _multipart(boundary: str, parts: list[str]) -> str:
    return "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"


def _changeset(parts: list[str]) -> str:
    return f"Content-Type: multipart/mixed; boundary={CHANGESET}\r\n\r\n" + _multipart(CHANGESET, parts)


def _post(client, parts: list[str]):
    return client.client.post(
        BASE + "$batch",
        _multipart(BATCH, parts),
        content_type=f"multipart/mixed; boundary={BATCH}",
        **client.headers,
    )


def _statuses(text: str) -> list[int]:
    return [int(line.split()[1]) for line in text.splitlines() if line.startswith("HTTP/1.1 ")]


def test_multipart_batch_with_a_change_set(sta, sta_data):
    client = sta("steward")
    air = sta_data["devices"]["AIR-G1"]
    water = Quantity.objects.get(code="water_level")
    datastream = json.dumps({"unitOfMeasurement": {"symbol": "m"}, "ObservedProperty": {"@iot.id": water.id}})
    response = _post(
        client,
        [
            _http(f"GET /sta/v1.1/Things({air.id})?$select=name"),
            _changeset(
                [
                    _http("POST Things", _thing_json("WL-M1"), content_id="1"),
                    _http("POST $1/Datastreams", datastream, content_id="2"),
                ]
            ),
            _http("GET Things?$filter=name%20eq%20'WL-M1'&$expand=Datastreams($select=name)"),
        ],
    )
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("multipart/mixed; boundary=batchresponse_")
    text = response.content.decode()
    assert _statuses(text) == [200, 201, 201, 200]
    assert '{"name": "AIR-G1"}' in text
    assert "Content-ID: 2" in text and "Location: http://testserver/sta/v1.1/Datastreams(" in text
    assert '"name": "WL-M1 水位"' in text
    device = Device.objects.get(code="WL-M1")
    assert Datastream.objects.filter(device=device).count() == 1


def test_failed_change_set_answers_once_and_writes_nothing(transactional_db, sta, sta_data):
    client = sta("steward")
    before = (Device.objects.count(), Datastream.objects.count())
    bad = json.dumps({"unitOfMeasurement": {}, "ObservedProperty": {"@iot.id": 999999}})
    response = _post(
        client,
        [
            _changeset(
                [
                    _http("POST Things", _thing_json("WL-M2"), content_id="1"),
                    _http("POST $1/Datastreams", bad, content_id="2"),
                ]
            ),
            _http("POST Sensors", json.dumps({"name": "multipart", "description": ""})),
        ],
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert _statuses(text) == [400, 201]  # one answer for the whole change set: the failure
    assert "ObservedProperty 999999" in text
    assert (Device.objects.count(), Datastream.objects.count()) == before
    assert DeviceType.objects.filter(name="multipart").exists()


def test_malformed_multipart_is_400(sta, sta_data, client):
    steward = sta("steward")
    no_boundary = client.post(BASE + "$batch", "x", content_type="multipart/mixed", **steward.headers)
    assert no_boundary.status_code == 400 and "boundary" in no_boundary.json()["message"]
    unclosed = client.post(
        BASE + "$batch",
        f"--{BATCH}\r\n" + _http("GET Things"),
        content_type=f"multipart/mixed; boundary={BATCH}",
        **steward.headers,
    )
    assert unclosed.status_code == 400 and f"--{BATCH}--" in unclosed.json()["message"]
    bad_line = _post(steward, [_http("GET")])
    assert bad_line.status_code == 400 and "part 1: the request line" in bad_line.json()["message"]
    bad_body = _post(steward, [_http("POST Sensors", "{not json")])
    assert bad_body.status_code == 400 and "part 1: the body is not valid JSON." in bad_body.json()["message"]
