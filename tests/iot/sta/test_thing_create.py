"""One service writes devices: a SensorThings Thing is registered by ``device_create``, which can
open every datastream of the type (the registry's default), only some, or none (the API's)."""

import pytest

from cityops.audit.models import AuditRecord
from cityops.core.errors import ValidationFailed
from cityops.iot.models import Datastream, Device, DeviceLocation, DeviceType
from cityops.iot.services import DeviceIn, device_create
from tests.builders import grid_centre


def _data(code: str, type_code: str = "air", grid: int = 1, **properties) -> DeviceIn:
    lon, lat = grid_centre(grid)
    return DeviceIn(code=code, name=code, device_type=type_code, lon=lon, lat=lat, properties=properties)


def _streams(device) -> list[str]:
    return sorted(Datastream.objects.filter(device=device).values_list("quantity__code", flat=True))


def test_device_create_opens_all_some_or_no_datastreams(iot_types, users):
    steward = users["steward"]
    assert _streams(device_create(data=_data("A-ALL"), by=steward)) == ["no2", "pm10", "pm25"]
    assert _streams(device_create(data=_data("A-SOME"), by=steward, datastreams=["pm25", "no2"])) == [
        "no2",
        "pm25",
    ]
    none = device_create(data=_data("A-NONE"), by=steward, datastreams=[])
    assert _streams(none) == [] and DeviceLocation.objects.filter(device=none).count() == 1


def test_device_create_refuses_a_quantity_of_another_type(iot_types, users):
    with pytest.raises(ValidationFailed) as exc:
        device_create(data=_data("A-BAD"), by=users["steward"], datastreams=["pm25", "water_level"])
    assert exc.value.errors == [
        {"field": "datastreams", "message": "'water_level' is not a quantity of device type air"}
    ]
    with pytest.raises(ValidationFailed):
        device_create(data=_data("A-STR"), by=users["steward"], datastreams="pm25")
    assert not Device.objects.filter(code__startswith="A-").exists()


def _thing(grid: int, **extra) -> dict:
    lon, lat = grid_centre(grid)
    location = {"name": "x", "description": "", "location": {"type": "Point", "coordinates": [lon, lat]}}
    return {"name": "新站", "description": "d", "Locations": [location], **extra}


def test_a_thing_is_registered_by_device_create(sta, sta_data):
    client = sta("steward")
    response = client.send("post", "Things", _thing(2, properties={"code": "AIR-NEW", "deviceType": "air"}))
    assert response.status_code == 201, response.content
    device = Device.objects.get(code="AIR-NEW")
    assert (device.device_type.code, device.grid.code, device.status) == ("air", "G2", "active")
    assert _streams(device) == []  # the Thing's Datastreams are those it is posted with
    assert DeviceLocation.objects.filter(device=device).count() == 1
    audit = AuditRecord.objects.get(action="iot.device.create", object_id=str(device.pk))
    assert audit.after["type"] == "air"


def test_registry_rules_answer_as_sensorthings_errors(sta, sta_data, village_steward):
    DeviceType.objects.create(code="noise", name="噪声")
    client = sta("steward")
    noise = client.send("post", "Things", _thing(2, properties={"deviceType": "noise"}))
    assert noise.status_code == 400 and "properties.zone_class" in noise.json()["message"]
    code = client.send("post", "Things", _thing(2, properties={"code": "AIR-G1"}))
    assert code.status_code == 409 and "AIR-G1" in code.json()["message"]
    outside = village_steward.send("post", "Things", _thing(5, properties={"code": "OUT-1"}))
    assert outside.status_code == 403 and "leave your scope" in outside.json()["message"]
    assert Device.objects.count() == 4
    assert not AuditRecord.objects.filter(action="iot.device.create").exists()
