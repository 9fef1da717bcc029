"""The SensorThings MQTT notifications, in process: what is published after a commit, and when not."""

import json

import pytest

from tests.iot.ingest.conftest import NOW, ms

pytestmark = pytest.mark.django_db


class Recorder:
    """Stands in for the broker connection."""

    def __init__(self, connected=True):
        self.connected = connected
        self.sent = []

    def is_connected(self):
        return self.connected

    def publish(self, topic, payload, qos):
        self.sent.append((topic, json.loads(payload), qos))


@pytest.fixture
def recorder(settings):
    from cityops.iot.sta import publish

    settings.CITYOPS_STA_MQTT = True
    settings.CITYOPS_PUBLIC_URL = "http://testserver"
    recorder = Recorder()
    publish.notifier.use(recorder)
    yield recorder
    publish.notifier.use(None)


def test_each_committed_reading_is_published_as_the_observation_a_get_returns(
    send, recorder, iot_devices, client, users, django_capture_on_commit_callbacks
):
    from cityops.accounts.services import token_create

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send("AIR-G1", {"ts": ms(NOW), "values": {"pm25": 35.5, "pm10": 50}})
    assert recorder.sent == []  # nothing before the commit
    for callback in callbacks:
        callback()
    topics = [t for t, _, _ in recorder.sent]
    assert topics.count("v1.1/Observations") == 2 and len(topics) == 4
    assert {qos for _, _, qos in recorder.sent} == {0}
    _token, raw = token_create(user=users["officer"], name="notify-test")
    for topic, body, _ in recorder.sent:
        if topic == "v1.1/Observations":
            continue
        assert topic == f"v1.1/Datastreams({body['@iot.id'] >> 41})/Observations"
        got = client.get(f"/sta/v1.1/Observations({body['@iot.id']})", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert got.status_code == 200
        assert got.json() == body


def test_nothing_is_published_for_duplicates_refusals_or_when_switched_off(
    send, recorder, iot_devices, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send("AIR-G1", {"ts": ms(NOW), "values": {"pm25": 1}})
    recorder.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send("AIR-G1", {"ts": ms(NOW), "values": {"pm25": 1}})  # a duplicate
        send("AIR-G1", {"ts": ms(NOW), "values": {"pm25": -5}})  # below the valid range
    assert recorder.sent == []
    settings.CITYOPS_STA_MQTT = False
    with django_capture_on_commit_callbacks(execute=True):
        send("AIR-G1", {"ts": ms(NOW) + 1000, "values": {"pm25": 2}})
    assert recorder.sent == []


def test_a_broker_away_drops_notifications_and_stores_everything(
    send, recorder, iot_devices, django_capture_on_commit_callbacks
):
    from cityops.iot.models import Reading

    recorder.connected = False
    with django_capture_on_commit_callbacks(execute=True):
        result = send("AIR-G1", {"ts": ms(NOW), "values": {"pm25": 3}})
    assert result.stored == 1 and Reading.objects.count() == 1
    assert recorder.sent == []


def test_the_service_root_names_the_broker_only_when_an_endpoint_is_set(client, users, settings):
    from cityops.accounts.services import token_create

    _token, raw = token_create(user=users["officer"], name="notify-test")
    receive = "http://www.opengis.net/spec/iot_sensing/1.1/req/receive-updates-via-mqtt/receive-updates"
    settings.CITYOPS_STA_MQTT_ENDPOINT = ""
    body = client.get("/sta/v1.1/", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert receive not in body["serverSettings"]["conformance"] and receive not in body["serverSettings"]
    settings.CITYOPS_STA_MQTT_ENDPOINT = "mqtt://broker.town.example:1883"
    body = client.get("/sta/v1.1/", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert receive in body["serverSettings"]["conformance"]
    assert body["serverSettings"][receive] == {"endpoints": ["mqtt://broker.town.example:1883"]}
