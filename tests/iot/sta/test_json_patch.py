"""JSON-Patch (RFC 6902) on PATCH: the six operations, malformed documents (400 naming the
operation), failed tests and missing paths (409), and the PATCH path's validation after it."""

import json

import pytest

from cityops.audit.models import AuditRecord
from cityops.iot.models import DeviceType, Reading
from cityops.iot.sta import json_patch
from cityops.iot.sta.errors import StaError
from tests.builders import grid_centre
from tests.iot.sta.conftest import BASE

MEDIA = "application/json-patch+json"


def _send(client, path: str, ops):
    return client.client.patch(BASE + path, json.dumps(ops), content_type=MEDIA, **client.headers)


def _run(document, ops):
    """The RFC's semantics on a plain document (no entity), as ``patch`` applies them."""
    checked = [json_patch._checked(i, op) for i, op in enumerate(ops)]
    for op, path, arg in checked:
        document = json_patch._apply(document, op, path, arg)
    return document


def test_rfc_6902_operations_on_a_document():
    doc = {"foo": ["bar", "baz"], "a/b": 1, "m~n": 2, "q": {"x": True}}
    out = _run(
        doc,
        [
            {"op": "add", "path": "/foo/1", "value": "qux"},
            {"op": "add", "path": "/foo/-", "value": "end"},
            {"op": "remove", "path": "/foo/0"},
            {"op": "replace", "path": "/a~1b", "value": 10},
            {"op": "copy", "from": "/m~0n", "path": "/copied"},
            {"op": "move", "from": "/q/x", "path": "/moved"},
            {"op": "test", "path": "/foo", "value": ["qux", "baz", "end"]},
            {"op": "test", "path": "/a~1b", "value": 10.0},
        ],
    )
    assert out == {"foo": ["qux", "baz", "end"], "a/b": 10, "m~n": 2, "q": {}, "copied": 2, "moved": True}


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ([{"op": "test", "path": "/n", "value": True}], "test failed: /n is 1, not True."),
        ([{"op": "remove", "path": "/nosuch"}], "/nosuch does not exist."),
        ([{"op": "replace", "path": "/list/5", "value": 0}], "/list/5 does not exist."),
        ([{"op": "add", "path": "/list/01", "value": 0}], "/list/01 is not a position in the array."),
        ([{"op": "add", "path": "/n/x", "value": 0}], "/n is neither an object nor an array."),
        # an index of 5,000 digits (Python's int() refuses over 4,300) or a non-ASCII digit
        (
            [{"op": "replace", "path": "/list/" + "9" * 5000, "value": 0}],
            f"/list/{'9' * 5000} does not exist.",
        ),
        ([{"op": "add", "path": "/list/²", "value": 0}], "/list/² is not a position in the array."),
    ],
)
def test_conflicting_operations(ops, message):
    with pytest.raises(json_patch._Conflict) as exc:
        _run({"n": 1, "list": [1, 2]}, ops)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ({"op": "add"}, "A JSON-Patch document is a JSON array of operations."),
        (
            [{"op": "test", "path": "/a", "value": 1}, {"op": "merge", "path": "/a"}],
            "operations[1]: op 'merge'",
        ),
        ([{"op": "add", "path": "/a"}], "operations[0] (add): 'value' is missing."),
        ([{"op": "copy", "path": "/a"}], "operations[0] (copy): 'from' is missing."),
        ([{"op": "remove", "path": "name"}], "operations[0] (remove): path must be a JSON Pointer"),
        ([{"op": "remove", "path": "/a~2"}], "has an invalid '~' escape."),
        ([{"op": "move", "from": "/a", "path": "/a/b"}], "cannot move into one of its own children"),
        (["add"], "operations[0] is not a JSON object."),
    ],
)
def test_malformed_documents_are_400(ops, message):
    with pytest.raises(StaError) as exc:
        _run({"a": {}}, json_patch._listed(ops))
    assert exc.value.status == 400 and message in exc.value.message


def test_patch_thing_properties_and_name(sta, sta_data):
    client = sta("steward")
    device = sta_data["devices"]["AIR-G1"]
    ops = [
        {"op": "test", "path": "/properties/owner", "value": "街道办"},
        {"op": "replace", "path": "/name", "value": "东门空气站"},
        {"op": "add", "path": "/properties/tags", "value": ["air"]},
        {"op": "add", "path": "/properties/tags/-", "value": "east"},
        {"op": "copy", "from": "/properties/owner", "path": "/properties/former_owner"},
        {"op": "move", "from": "/properties/height", "path": "/properties/height_m"},
        {"op": "remove", "path": "/properties/owner"},
    ]
    response = _send(client, f"Things({device.id})", ops)
    assert response.status_code == 200, response.content
    device.refresh_from_db()
    assert device.name == "东门空气站"
    assert device.properties == {"tags": ["air", "east"], "former_owner": "街道办", "height_m": 3}
    assert AuditRecord.objects.filter(action="iot.sta.thing.update").count() == 1


def test_failed_test_is_409_and_changes_nothing(sta, sta_data):
    client = sta("steward")
    device = sta_data["devices"]["AIR-G1"]
    ops = [
        {"op": "replace", "path": "/name", "value": "x"},
        {"op": "test", "path": "/properties/owner", "value": "镇政府"},
    ]
    response = _send(client, f"Things({device.id})", ops)
    assert response.status_code == 409
    assert response.json()["message"] == (
        "JSON-Patch operations[1] (test): test failed: /properties/owner is '街道办', not '镇政府'. "
        "Nothing was changed."
    )
    missing = _send(client, f"Things({device.id})", [{"op": "remove", "path": "/properties/nosuch"}])
    assert missing.status_code == 409 and "/properties/nosuch does not exist" in missing.json()["message"]
    device.refresh_from_db()
    assert (device.name, device.properties) == ("AIR-G1", {"owner": "街道办", "height": 3})
    assert not AuditRecord.objects.filter(action__startswith="iot.sta.").exists()


def test_invalid_operation_is_400_naming_it(sta, sta_data):
    client = sta("steward")
    device = sta_data["devices"]["AIR-G1"]
    ops = [{"op": "replace", "path": "/name", "value": "x"}, {"op": "add", "path": "/description"}]
    response = _send(client, f"Things({device.id})", ops)
    assert response.status_code == 400
    assert response.json()["message"] == "JSON-Patch operations[1] (add): 'value' is missing."
    device.refresh_from_db()
    assert device.name == "AIR-G1"


def test_result_goes_through_patch_validation(sta, sta_data):
    client = sta("steward")
    device = sta_data["devices"]["AIR-G1"]
    removed = _send(client, f"Things({device.id})", [{"op": "remove", "path": "/description"}])
    assert removed.status_code == 400
    assert removed.json()["message"] == "Thing.description is mandatory: a JSON-Patch cannot remove it."
    code = _send(
        client, f"Things({device.id})", [{"op": "replace", "path": "/properties/code", "value": "X"}]
    )
    assert code.status_code == 400 and "properties.code" in code.json()["message"]
    ident = _send(
        client, f"Things({device.id})", [{"op": "replace", "path": "/@iot.id", "value": device.id + 1000}]
    )
    assert ident.status_code == 400 and ident.json()["message"] == "@iot.id cannot be changed."
    ds = sta_data["streams"][("AIR-G1", "pm25")]
    computed = _send(client, f"Datastreams({ds.id})", [{"op": "replace", "path": "/name", "value": "n"}])
    assert computed.status_code == 400
    assert computed.json()["message"] == "Datastream.name cannot be changed through this API."
    assert _send(client, f"Things({device.id})", [{"op": "remove", "path": "/properties"}]).status_code == 200
    device.refresh_from_db()
    assert device.properties == {} and device.description == "east gate"


def test_patch_location_observation_and_sensor(sta, sta_data):
    client = sta("steward")
    device = sta_data["devices"]["AIR-G1"]
    lon, lat = grid_centre(2)
    ops = [{"op": "replace", "path": "/location/coordinates", "value": [lon, lat]}]
    assert _send(client, f"Locations({device.id})", ops).status_code == 200
    device.refresh_from_db()
    assert device.grid.code == "G2"
    reading = Reading.objects.filter(datastream__device=device).order_by("id").first()
    ops = [{"op": "replace", "path": "/result", "value": 7.25}]
    assert _send(client, f"Observations({reading.id})", ops).status_code == 200
    assert Reading.objects.get(pk=reading.id).value == 7.25
    sensor = DeviceType.objects.get(code="air")
    ops = [{"op": "add", "path": "/properties/vendor", "value": "ACME"}]
    assert _send(client, f"Sensors({sensor.id})", ops).status_code == 200
    sensor.refresh_from_db()
    assert sensor.properties == {"vendor": "ACME"}


def test_json_patch_scope_and_role(sta, sta_data, village_steward):
    device = sta_data["devices"]["AIR-G5"]
    ops = [{"op": "replace", "path": "/name", "value": "x"}]
    assert _send(village_steward, f"Things({device.id})", ops).status_code == 404
    assert _send(sta("officer"), f"Things({device.id})", ops).status_code == 403
    device.refresh_from_db()
    assert device.name == "AIR-G5"
