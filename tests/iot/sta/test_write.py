"""Create (deep insert, links), PATCH, DELETE, Observations through the ingest, CreateObservations."""

from datetime import UTC, datetime, timedelta

from cityops.iot.models import Datastream, Device, DeviceLocation, Quantity, Reading, observation_id
from tests.builders import grid_centre
from tests.iot.sta.conftest import BASE


def _id(response):
    location = response["Location"]
    return int(location[location.rindex("(") + 1 : -1])


def _thing(grid=2, **extra):
    lon, lat = grid_centre(grid)
    return {
        "name": "新水位计",
        "description": "by the bridge",
        "Locations": [
            {
                "name": "bridge",
                "description": "",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [lon, lat]},
            }
        ],
        **extra,
    }


def test_deep_insert_thing_with_datastreams(sta, sta_data, iot_types):
    client = sta("steward")
    water = iot_types["quantities"]["water_level"]
    body = _thing(
        properties={"code": "WL-NEW", "deviceType": "water"},
        Datastreams=[
            {
                "name": "level",
                "description": "",
                "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": ""},
                "ObservedProperty": {"@iot.id": water.id},
                "Sensor": {"@iot.id": iot_types["water"].id},
            }
        ],
    )
    response = client.send("post", "Things", body)
    assert response.status_code == 201, response.content
    assert response["Location"].startswith(f"http://testserver{BASE}Things(")
    device = Device.objects.get(pk=_id(response))
    assert (device.code, device.device_type.code, device.grid.code) == ("WL-NEW", "water", "G2")
    assert DeviceLocation.objects.filter(device=device).count() == 1
    assert list(Datastream.objects.filter(device=device).values_list("quantity__code", flat=True)) == [
        "water_level"
    ]
    thing = client.json(f"Things({device.id})", {"$expand": "Datastreams,HistoricalLocations,Locations"})
    assert thing["Datastreams"][0]["name"] == "新水位计 水位"
    assert len(thing["HistoricalLocations"]) == 1


def test_deep_insert_is_all_or_nothing(sta, sta_data):
    client = sta("steward")
    before = (Device.objects.count(), Datastream.objects.count(), Quantity.objects.count())
    body = _thing(
        Datastreams=[
            {
                "unitOfMeasurement": {"symbol": "x"},
                "ObservedProperty": {"name": "新量", "definition": "", "description": ""},
            },
            {"unitOfMeasurement": {}, "ObservedProperty": {"@iot.id": 999999}},
        ]
    )
    response = client.send("post", "Things", body)
    assert response.status_code == 400
    assert "ObservedProperty 999999" in response.json()["message"]
    assert (Device.objects.count(), Datastream.objects.count(), Quantity.objects.count()) == before


def test_thing_defaults_to_generic_type_and_outside_town_is_400(sta, sta_data):
    client = sta("steward")
    response = client.send("post", "Things", _thing())
    assert response.status_code == 201
    assert Device.objects.get(pk=_id(response)).device_type.code == "generic"
    far = _thing()
    far["Locations"][0]["location"]["coordinates"] = [100.0, 10.0]
    response = client.send("post", "Things", far)
    assert response.status_code == 400 and "outside the town" in response.json()["message"]


def test_create_observation_through_ingest(sta, sta_data):
    client = sta("steward")
    ds = sta_data["streams"][("AIR-G1", "pm25")]
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    response = client.send(
        "post",
        "Observations",
        {
            "phenomenonTime": when.isoformat(),
            "result": 42.5,
            "Datastream": {"@iot.id": ds.id},
        },
    )
    assert response.status_code == 201, response.content
    obs_id = _id(response)
    assert obs_id == observation_id(ds.id, when)
    assert Reading.objects.get(pk=obs_id).value == 42.5
    ds.refresh_from_db()
    assert ds.last_value == 42.5
    via_nav = client.send(
        "post", f"Datastreams({ds.id})/Observations", {"phenomenonTime": when.isoformat(), "result": 1}
    )
    assert via_nav.status_code == 409  # the same stream and millisecond: a duplicate by its id
    out_of_range = client.send("post", f"Datastreams({ds.id})/Observations", {"result": 5000})
    assert out_of_range.status_code == 400 and "above the highest valid" in out_of_range.json()["message"]


def test_create_observations_data_array(sta, sta_data):
    client = sta("steward")
    ds = sta_data["streams"][("WL-G2", "water_level")]
    now = datetime.now(UTC).replace(microsecond=0)
    rows = [[(now - timedelta(minutes=i)).isoformat(), 1.0 + i, ds.device_id] for i in range(3)]
    rows.append(["not a time", 1.0, ds.device_id])
    rows.append([(now - timedelta(minutes=9)).isoformat(), 99.0, ds.device_id])  # out of range
    response = client.client.post(
        BASE + "CreateObservations",
        [
            {
                "Datastream": {"@iot.id": ds.id},
                "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
                "dataArray": rows,
            }
        ],
        content_type="application/json",
        **client.headers,
    )
    assert response.status_code == 201, response.content
    links = response.json()
    assert links[3:] == ["error", "error"]
    assert all(link.startswith(f"http://testserver{BASE}Observations(") for link in links[:3])
    assert Reading.objects.filter(datastream=ds).count() == 4 + 3


def test_patch_thing_and_location(sta, sta_data):
    client = sta("steward")
    device = sta_data["devices"]["AIR-G1"]
    response = client.send(
        "patch", f"Things({device.id})", {"name": "东门空气站", "properties": {"owner": "镇政府"}}
    )
    assert response.status_code == 200
    device.refresh_from_db()
    assert (device.name, device.properties) == ("东门空气站", {"owner": "镇政府"})
    lon, lat = grid_centre(2)
    moved = client.send(
        "patch", f"Locations({device.id})", {"location": {"type": "Point", "coordinates": [lon, lat]}}
    )
    assert moved.status_code == 200
    device.refresh_from_db()
    assert device.grid.code == "G2" and DeviceLocation.objects.filter(device=device).count() == 1
    refused = client.send("patch", f"Things({device.id})", {"name": "x", "nosuch": 1})
    assert refused.status_code == 400
    device.refresh_from_db()
    assert device.name == "东门空气站"


def test_patch_and_delete_observation(sta, sta_data):
    client = sta("steward")
    ds = sta_data["streams"][("AIR-G1", "pm25")]
    reading = Reading.objects.filter(datastream=ds).order_by("id").first()
    assert client.send("patch", f"Observations({reading.id})", {"result": 13.0}).status_code == 200
    assert Reading.objects.get(pk=reading.id).value == 13.0
    assert client.send("delete", f"Observations({reading.id})", None).status_code == 200
    assert not Reading.objects.filter(pk=reading.id).exists()


def test_delete_thing_and_protected_sensor(sta, sta_data, iot_types):
    client = sta("steward")
    device = sta_data["devices"]["WL-G6"]
    assert client.send("delete", f"Things({device.id})", None).status_code == 200
    assert not Device.objects.filter(pk=device.id).exists()
    response = client.send("delete", f"Sensors({iot_types['air'].id})", None)
    assert response.status_code == 409 and "still used" in response.json()["message"]


def test_create_sensor_observed_property_and_link_datastream(sta, sta_data):
    client = sta("steward")
    sensor = client.send(
        "post",
        "Sensors",
        {"name": "Rain gauge", "description": "tipping bucket", "encodingType": "text/html", "metadata": "x"},
    )
    assert sensor.status_code == 201
    prop = client.send(
        "post", "ObservedProperties", {"name": "Rainfall", "definition": "", "description": "mm"}
    )
    assert prop.status_code == 201
    device = sta_data["devices"]["AIR-G1"]
    ds = client.send(
        "post",
        f"Things({device.id})/Datastreams",
        {
            "unitOfMeasurement": {"name": "millimetre", "symbol": "mm"},
            "ObservedProperty": {"@iot.id": _id(prop)},
        },
    )
    assert ds.status_code == 201, ds.content
    created = Datastream.objects.get(pk=_id(ds))
    assert created.device_id == device.id and created.quantity.unit_symbol == "mm"
    mismatch = client.send(
        "post",
        f"Things({device.id})/Datastreams",
        {
            "unitOfMeasurement": {"symbol": "mm"},
            "ObservedProperty": {"@iot.id": _id(prop)},
            "Sensor": {"@iot.id": _id(sensor)},
        },
    )
    assert mismatch.status_code == 400 and "device type" in mismatch.json()["message"]
