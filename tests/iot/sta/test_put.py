"""PUT (replace): mandatory properties, defaults for what is left out, read-only values echoed back,
links as in PATCH, scope and all-or-nothing."""

from cityops.audit.models import AuditRecord
from cityops.iot.models import Datastream, Device, DeviceLocation, DeviceType, Quantity, Reading
from tests.builders import grid_centre


def _point(grid: int) -> dict:
    lon, lat = grid_centre(grid)
    return {"type": "Point", "coordinates": [lon, lat]}


def test_put_thing_replaces_and_resets_properties(sta, sta_data):
    client = sta("steward")
    device = sta_data["devices"]["AIR-G1"]
    response = client.send("put", f"Things({device.id})", {"name": "东门站", "description": "moved"})
    assert response.status_code == 200, response.content
    device.refresh_from_db()
    assert (device.name, device.description, device.properties) == ("东门站", "moved", {})
    assert device.code == "AIR-G1"  # the code and type travel in properties but are not replaced
    assert AuditRecord.objects.filter(action="iot.sta.thing.update").count() == 1


def test_put_round_trips_what_get_answers(sta, sta_data):
    client = sta("steward")
    device = sta_data["devices"]["AIR-G1"]
    body = client.json(f"Things({device.id})")
    body["properties"]["owner"] = "镇政府"
    response = client.send("put", f"Things({device.id})", body)
    assert response.status_code == 200, response.content
    device.refresh_from_db()
    assert device.properties == {"owner": "镇政府", "height": 3}
    assert device.description == "east gate"


def test_put_missing_mandatory_property_is_400_and_changes_nothing(sta, sta_data):
    client = sta("steward")
    device = sta_data["devices"]["AIR-G1"]
    response = client.send("put", f"Things({device.id})", {"name": "x", "properties": {}})
    assert response.status_code == 400
    assert response.json()["message"] == "PUT replaces the whole Thing: description is mandatory and missing."
    sensor = DeviceType.objects.get(code="air")
    response = client.send("put", f"Sensors({sensor.id})", {"name": "x"})
    assert response.status_code == 400
    assert "description, encodingType, metadata are mandatory" in response.json()["message"]
    device.refresh_from_db()
    assert (device.name, device.properties) == ("AIR-G1", {"owner": "街道办", "height": 3})
    assert not AuditRecord.objects.filter(action__startswith="iot.sta.").exists()


def test_put_read_only_property_must_keep_its_value(sta, sta_data):
    client = sta("steward")
    sensor = DeviceType.objects.get(code="air")
    body = client.json(f"Sensors({sensor.id})")
    body["name"] = "空气站"
    assert client.send("put", f"Sensors({sensor.id})", body).status_code == 200
    sensor.refresh_from_db()
    assert sensor.name == "空气站"
    body["metadata"] = "https://example.com/datasheet.pdf"
    body["name"] = "not saved"
    response = client.send("put", f"Sensors({sensor.id})", body)
    assert response.status_code == 400
    assert response.json()["message"] == "Sensor.metadata cannot be changed through this API."
    sensor.refresh_from_db()
    assert sensor.name == "空气站"


def test_put_datastream_computed_properties_stay_read_only(sta, sta_data):
    client = sta("steward")
    ds = sta_data["streams"][("AIR-G1", "pm25")]
    body = client.json(f"Datastreams({ds.id})")
    assert client.send("put", f"Datastreams({ds.id})", body).status_code == 200  # nothing changes
    body["name"] = "renamed"
    response = client.send("put", f"Datastreams({ds.id})", body)
    assert response.status_code == 400
    assert response.json()["message"] == "Datastream.name cannot be changed through this API."


def test_put_thing_with_location_link_moves_it_all_or_nothing(sta, sta_data):
    client = sta("steward")
    device = sta_data["devices"]["AIR-G1"]
    other = sta_data["devices"]["WL-G2"]
    body = {"name": "x", "description": "", "Locations": [{"@iot.id": other.id}], "nosuch": 1}
    response = client.send("put", f"Things({device.id})", body)
    assert response.status_code == 400 and "Thing.nosuch" in response.json()["message"]
    device.refresh_from_db()
    assert (device.name, device.grid.code) == ("AIR-G1", "G1")
    assert DeviceLocation.objects.filter(device=device).count() == 0
    del body["nosuch"]
    assert client.send("put", f"Things({device.id})", body).status_code == 200
    device.refresh_from_db()
    assert (device.name, device.grid.code) == ("x", "G2")


def test_put_location_observed_property_and_observation(sta, sta_data):
    client = sta("steward")
    device = sta_data["devices"]["AIR-G1"]
    location = client.json(f"Locations({device.id})")
    location.update(description="北门", location=_point(2))
    assert client.send("put", f"Locations({device.id})", location).status_code == 200
    device.refresh_from_db()
    assert (device.address, device.grid.code) == ("北门", "G2")

    quantity = Quantity.objects.get(code="pm25")
    body = {"name": "细颗粒物", "definition": "https://example.com/pm25", "description": "PM2.5"}
    assert client.send("put", f"ObservedProperties({quantity.id})", body).status_code == 200
    quantity.refresh_from_db()
    assert (quantity.name, quantity.definition) == ("细颗粒物", "https://example.com/pm25")

    ds = sta_data["streams"][("AIR-G1", "pm25")]
    reading = Reading.objects.filter(datastream=ds).order_by("id").first()
    when = "2026-11-24T09:00:00+08:00"  # the same instant as the stored 01:00Z, another offset
    put = client.send("put", f"Observations({reading.id})", {"phenomenonTime": when, "result": 9.5})
    assert put.status_code == 200, put.content
    assert Reading.objects.get(pk=reading.id).value == 9.5
    moved = client.send(
        "put", f"Observations({reading.id})", {"phenomenonTime": "2026-11-24T02:00:00Z", "result": 1}
    )
    assert moved.status_code == 400 and "part of the Observation's id" in moved.json()["message"]
    assert Reading.objects.get(pk=reading.id).value == 9.5


def test_put_scope_role_and_target(sta, sta_data, village_steward):
    device = sta_data["devices"]["AIR-G5"]  # outside village V1
    body = {"name": "x", "description": ""}
    assert village_steward.send("put", f"Things({device.id})", body).status_code == 404
    assert sta("officer").send("put", f"Things({device.id})", body).status_code == 403
    assert sta("steward").send("put", "Things", body).status_code == 405
    device.refresh_from_db()
    assert device.name == "AIR-G5"
    assert Device.objects.count() == 4 and Datastream.objects.count() == 8
