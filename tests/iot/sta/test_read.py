"""Reading entity sets, entities, properties, navigation and association links."""

from tests.iot.sta.conftest import BASE


def test_service_root_lists_sets_and_conformance(sta, sta_data):
    body = sta().json("")
    names = {v["name"] for v in body["value"]}
    assert names == {
        "Things",
        "Locations",
        "HistoricalLocations",
        "Datastreams",
        "Sensors",
        "ObservedProperties",
        "Observations",
        "FeaturesOfInterest",
    }
    assert body["value"][0]["url"].startswith("http://testserver/sta/v1.1/")
    conformance = body["serverSettings"]["conformance"]
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data" in conformance
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array" in conformance
    assert not any("mqtt" in c for c in conformance)


def test_every_entity_set_lists(sta, sta_data):
    client = sta()
    counts = {}
    for name in (
        "Things",
        "Locations",
        "HistoricalLocations",
        "Datastreams",
        "Sensors",
        "ObservedProperties",
        "Observations",
        "FeaturesOfInterest",
    ):
        counts[name] = len(client.json(name)["value"])
    assert counts == {
        "Things": 4,
        "Locations": 4,
        "HistoricalLocations": 0,
        "Datastreams": 8,
        "Sensors": 3,
        "ObservedProperties": 4,
        "Observations": 13,
        "FeaturesOfInterest": 4,
    }


def test_thing_by_id_with_links(sta, sta_data):
    device = sta_data["devices"]["AIR-G1"]
    body = sta().json(f"Things({device.id})")
    assert body["@iot.id"] == device.id
    assert body["@iot.selfLink"] == f"http://testserver{BASE}Things({device.id})"
    assert body["name"] == "AIR-G1"
    assert body["properties"] == {"owner": "街道办", "height": 3, "code": "AIR-G1", "deviceType": "air"}
    assert body["Datastreams@iot.navigationLink"].endswith(f"Things({device.id})/Datastreams")


def test_location_is_the_device_point(sta, sta_data):
    device = sta_data["devices"]["AIR-G1"]
    body = sta().json(f"Locations({device.id})")
    assert body["encodingType"] == "application/geo+json"
    assert body["location"] == {"type": "Point", "coordinates": [device.lon, device.lat]}


def test_datastream_maps_quantity_and_times(sta, sta_data):
    ds = sta_data["streams"][("AIR-G1", "pm25")]
    body = sta().json(f"Datastreams({ds.id})")
    assert body["name"] == "AIR-G1 PM2.5"
    assert body["unitOfMeasurement"] == {
        "name": "microgram per cubic metre",
        "symbol": "µg/m³",
        "definition": "",
    }
    assert body["observationType"].endswith("OM_Measurement")
    assert body["phenomenonTime"] == "2026-11-24T01:00:00Z/2026-11-24T01:05:00Z"
    assert body["observedArea"]["type"] == "Point"


def test_property_and_raw_value(sta, sta_data):
    device = sta_data["devices"]["AIR-G1"]
    client = sta()
    assert client.json(f"Things({device.id})/name") == {"name": "AIR-G1"}
    raw = client.get(f"Things({device.id})/name/$value")
    assert raw.status_code == 200 and raw.content.decode() == "AIR-G1"


def test_navigation_paths(sta, sta_data):
    ds = sta_data["streams"][("AIR-G1", "pm25")]
    client = sta()
    obs = client.json(f"Datastreams({ds.id})/Observations")["value"]
    assert [o["result"] for o in obs] == [10.0, 11.5, 12.0, 35.0, 80.0, 15.0]
    first = obs[0]["@iot.id"]
    thing = client.json(f"Observations({first})/Datastream/Thing")
    assert thing["name"] == "AIR-G1"
    sensor = client.json(f"Datastreams({ds.id})/Sensor")
    assert sensor["properties"]["code"] == "air"
    prop = client.json(f"Datastreams({ds.id})/ObservedProperty")
    assert prop["name"] == "PM2.5"
    foi = client.json(f"Observations({first})/FeatureOfInterest")
    assert foi["@iot.id"] == ds.device_id
    foi_obs = client.json(f"FeaturesOfInterest({ds.device_id})/Observations", {"$count": "true"})
    assert foi_obs["@iot.count"] == 9
    nested = client.json(f"Things({ds.device_id})/Datastreams({ds.id})/Observations", {"$top": "2"})
    assert len(nested["value"]) == 2


def test_association_links(sta, sta_data):
    ds = sta_data["streams"][("AIR-G1", "pm25")]
    body = sta().json(f"Datastreams({ds.id})/Observations/$ref", {"$top": "2"})
    assert all(set(v) == {"@iot.selfLink"} for v in body["value"])
    assert body["value"][0]["@iot.selfLink"].startswith(f"http://testserver{BASE}Observations(")
    assert "@iot.nextLink" in body
    one = sta().json(f"Datastreams({ds.id})/Thing/$ref")
    assert one == {"@iot.selfLink": f"http://testserver{BASE}Things({ds.device_id})"}


def test_unknown_entity_and_set_are_404(sta, sta_data):
    client = sta()
    for path in ("Things(999999)", "Gadgets", "Things(1)/Nope", "Observations(12345)"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["message"]
