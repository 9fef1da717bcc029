"""SensorThings fixtures: readings on the shared IoT devices, API tokens, and a small client."""

import json
from datetime import UTC, datetime, timedelta

import pytest

BASE = "/sta/v1.1/"
T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


@pytest.fixture
def generic_type(iot_types):
    """The 'generic' device type that cityops.iot.profiles installs (a deep-inserted Thing's default)."""
    from cityops.iot.models import DeviceType

    return DeviceType.objects.get_or_create(code="generic", defaults={"name": "通用传感器"})[0]


@pytest.fixture
def sta_data(iot_devices, generic_type):
    """AIR-G1 (properties, 6 PM2.5 and 3 PM10 readings a minute apart), WL-G2 (4 water levels)."""
    from cityops.iot.models import Datastream, Reading, observation_id

    air = iot_devices["AIR-G1"]
    air.properties = {"owner": "街道办", "height": 3}
    air.description = "east gate"
    air.save()
    streams = {
        (ds.device.code, ds.quantity.code): ds
        for ds in Datastream.objects.select_related("device", "quantity")
    }
    series = {
        ("AIR-G1", "pm25"): [10.0, 11.5, 12.0, 35.0, 80.0, 15.0],
        ("AIR-G1", "pm10"): [40.0, 41.0, 42.0],
        ("WL-G2", "water_level"): [1.0, 1.5, 2.25, 3.0],
    }
    for key, values in series.items():
        ds = streams[key]
        for i, value in enumerate(values):
            when = T0 + timedelta(minutes=i)
            Reading.objects.create(id=observation_id(ds.id, when), datastream=ds, time=when, value=value)
        ds.first_time, ds.last_time, ds.last_value = T0, T0 + timedelta(minutes=len(values) - 1), values[-1]
        ds.save()
    return {"devices": iot_devices, "streams": streams}


class Sta:
    """Requests to the API as one user, by API token."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(BASE + path, params or {}, **self.headers)

    def json(self, path: str, params: dict | None = None, status: int = 200):
        response = self.get(path, params)
        assert response.status_code == status, response.content
        return response.json()

    def send(self, method: str, path: str, body):
        call = getattr(self.client, method)
        return call(BASE + path, json.dumps(body), content_type="application/json", **self.headers)


@pytest.fixture
def sta(client, users):
    """``sta(user_key)``: a client authenticated with a fresh API token of that user."""
    from cityops.accounts.services import token_create

    def make(key: str | None = "officer"):
        if key is None:
            return Sta(client, None)
        _token, raw = token_create(user=users[key], name="sta-test")
        return Sta(client, raw)

    return make


@pytest.fixture
def village_steward(sta, users):
    """The data steward narrowed to dispatcher_v1's village: may change IoT data there only.

    No standard role writes IoT data below the town, so the scope is set on the row directly."""
    from cityops.accounts.models import User

    v1 = users["dispatcher_v1"]
    User.objects.filter(pk=users["steward"].pk).update(
        scope_level="village", scope_area_id=v1.scope_area_id, scope_village_id=v1.scope_village_id
    )
    return sta("steward")
