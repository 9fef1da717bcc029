"""Against a real Mosquitto with the project's generated configuration: the broker's ACL, ingest over
MQTT end to end, and no acknowledged reading lost or doubled when the worker is killed mid-stream."""

import json
import signal
import threading
import time

import paho.mqtt.client as mqtt
import pytest

from tests.iot.ingest.broker import WORKER_PASSWORD, Env, require_mosquitto, stop

TOPIC = "cityops/v1/devices/{}/telemetry"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    require_mosquitto()
    environment = Env(tmp_path_factory.mktemp("mqtt"))
    environment.start_broker()
    yield environment
    environment.close()


def _connect(env, user, password, client_id, *, clean=True) -> tuple[mqtt.Client, dict]:
    seen = {"connect": None, "puback": {}, "messages": []}
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.username_pw_set(user, password)
    done = threading.Event()

    def on_connect(c, u, flags, reason_code, props):
        seen["connect"] = reason_code
        done.set()

    client.on_connect = on_connect
    client.on_publish = lambda c, u, mid, reason_code, props: seen["puback"].__setitem__(mid, reason_code)
    client.on_message = lambda c, u, msg: seen["messages"].append((msg.topic, msg.payload))
    client.connect("127.0.0.1", env.port, clean_start=clean)
    client.loop_start()
    assert done.wait(10)
    return client, seen


def _readings(env, code) -> tuple[int, int]:
    return env.query(
        "SELECT count(*), count(DISTINCT r.id) FROM iot_reading r JOIN iot_datastream d ON d.id = r.datastream_id "
        f"JOIN iot_device v ON v.id = d.device_id WHERE v.code = '{code}'"
    )[0]


def _wait(condition, timeout=60.0, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def test_broker_refuses_anonymous_and_wrong_secrets(env):
    for user, password in [(None, None), ("AIR-1", "wrong"), ("AIR-1", env.secrets["AIR-2"])]:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        if user:
            client.username_pw_set(user, password)
        result = {}
        client.on_connect = lambda c, u, f, rc, p, result=result: result.setdefault("rc", rc)
        client.connect("127.0.0.1", env.port)
        client.loop_start()
        assert _wait(lambda result=result: "rc" in result, 10)
        client.loop_stop()
        assert result["rc"].is_failure, (user, result["rc"])


def test_device_cannot_publish_for_another_device(env):
    spy, spied = _connect(env, "cityops-ingest", WORKER_PASSWORD, "spy")
    spy.subscribe(TOPIC.format("+"), qos=1)
    time.sleep(0.3)
    device, seen = _connect(env, "AIR-1", env.secrets["AIR-1"], "AIR-1")
    forged = device.publish(TOPIC.format("AIR-2"), json.dumps({"values": {"pm25": 1}}), qos=1)
    own = device.publish(TOPIC.format("AIR-1"), json.dumps({"values": {"pm25": 2}}), qos=1)
    forged.wait_for_publish(10)
    own.wait_for_publish(10)
    assert _wait(lambda: len(spied["messages"]) >= 1, 10)
    time.sleep(0.5)
    assert [t for t, _ in spied["messages"]] == [TOPIC.format("AIR-1")]
    assert seen["puback"][forged.mid] == mqtt.ReasonCode(mqtt.PacketTypes.PUBACK, "Not authorized")
    assert not seen["puback"][own.mid].is_failure
    # nor may a device read other devices' telemetry
    result, mid = device.subscribe(TOPIC.format("AIR-2"), qos=1)
    time.sleep(0.5)
    for client in (device, spy):
        client.disconnect()
        client.loop_stop()


def test_a_gateway_publishes_for_the_devices_behind_it_but_reads_nothing(env):
    spy, spied = _connect(env, "cityops-ingest", WORKER_PASSWORD, "spy-gw")
    spy.subscribe(TOPIC.format("+"), qos=1)
    time.sleep(0.3)
    gateway, seen = _connect(env, "gw-test", "gateway-test-password", "gw-test")
    infos = [
        gateway.publish(TOPIC.format(code), json.dumps({"values": {"pm25": 5}}), qos=1)
        for code in ("AIR-1", "AIR-2")
    ]
    for info in infos:
        info.wait_for_publish(10)
    assert _wait(lambda: len(spied["messages"]) >= 2, 10)
    assert sorted(t for t, _ in spied["messages"]) == [TOPIC.format("AIR-1"), TOPIC.format("AIR-2")]
    assert not any(seen["puback"][info.mid].is_failure for info in infos)
    gateway.subscribe(TOPIC.format("+"), qos=1)  # the ACL grants a gateway no read
    probe = spy.publish(TOPIC.format("AIR-1"), b"{}", qos=1)  # the worker may not write either
    time.sleep(0.5)
    assert seen["messages"] == []
    assert spied["puback"][probe.mid].is_failure
    for client in (gateway, spy):
        client.disconnect()
        client.loop_stop()


def test_ingest_end_to_end(env):
    worker = env.worker("cityops-ingest-e2e")
    env.worker_ready("cityops-ingest-e2e")
    try:
        device, _ = _connect(env, "AIR-2", env.secrets["AIR-2"], "AIR-2")
        now = int(time.time() * 1000)
        infos = [
            device.publish(
                TOPIC.format("AIR-2"),
                json.dumps({"ts": now - 1000 * i, "values": {"pm25": i, "pm10": 2 * i, "no2": 3}}),
                qos=1,
            )
            for i in range(50)
        ]
        bad = device.publish(TOPIC.format("AIR-2"), b"{not json", qos=1)
        for info in [*infos, bad]:
            info.wait_for_publish(10)
        assert _wait(lambda: _readings(env, "AIR-2")[0] == 150)
        assert _wait(
            lambda: env.query("SELECT count(*) FROM iot_deadletter WHERE client = 'AIR-2'")[0][0] == 1
        )
        [(reason, payload)] = env.query("SELECT reason, payload FROM iot_deadletter WHERE client = 'AIR-2'")
        assert reason == "malformed" and bytes(payload) == b"{not json"
        [(connectivity, last_value)] = env.query(
            "SELECT v.connectivity, d.last_value FROM iot_datastream d JOIN iot_device v ON v.id = d.device_id "
            "JOIN iot_quantity q ON q.id = d.quantity_id WHERE v.code = 'AIR-2' AND q.code = 'pm10'"
        )
        assert connectivity == "online" and last_value == 0.0
        device.disconnect()
        device.loop_stop()
    finally:
        assert stop(worker) == 0  # SIGTERM: a clean stop


def test_worker_killed_mid_stream_loses_and_doubles_nothing(env):
    count = 3000
    first = _connect(env, "AIR-3", env.secrets["AIR-3"], "AIR-3")
    device = first[0]
    worker = env.worker("cityops-ingest-crash")
    env.worker_ready("cityops-ingest-crash")
    base = int(time.time() * 1000) - 600_000
    infos = []

    def publish():
        for i in range(count):
            body = json.dumps({"ts": base + 7 * i, "values": {"pm25": i % 997}})
            infos.append(device.publish(TOPIC.format("AIR-3"), body, qos=1))
            if i % 50 == 49:
                time.sleep(0.05)  # about 1,000 messages a second: the kill lands mid-stream

    publisher = threading.Thread(target=publish)
    publisher.start()
    try:
        assert _wait(lambda: _readings(env, "AIR-3")[0] >= 300, 60, 0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        at_kill = _readings(env, "AIR-3")[0]
        assert at_kill < count
        worker = env.worker("cityops-ingest-crash")  # the same client id: the same broker session
        publisher.join(60)
        for info in infos:
            info.wait_for_publish(30)
        assert all(info.is_published() for info in infos) and len(infos) == count
        assert _wait(lambda: _readings(env, "AIR-3")[0] >= count, 90)
        assert "session resumed" in (env.tmp / "cityops-ingest-crash.log").read_text()
        time.sleep(1.0)  # anything redelivered late would show up as an extra row
        assert _readings(env, "AIR-3") == (count, count)
        values = env.query(
            "SELECT r.value FROM iot_reading r JOIN iot_datastream d ON d.id = r.datastream_id "
            "JOIN iot_device v ON v.id = d.device_id WHERE v.code = 'AIR-3' ORDER BY r.id"
        )
        assert [v for (v,) in values] == [float(i % 997) for i in range(count)]
    finally:
        device.disconnect()
        device.loop_stop()
        stop(worker)


def test_retiring_a_shared_worker_hands_back_what_its_session_held(env):
    """The broker keeps routing a share to a stopped member's session; --retire stores it and ends it."""
    device, _ = _connect(env, "AIR-4", env.secrets["AIR-4"], "AIR-4")
    staying = env.worker("share-1", "--shared")
    leaving = env.worker("share-2", "--shared")
    env.worker_ready("share-1")
    env.worker_ready("share-2")
    base = int(time.time() * 1000) - 600_000

    def publish(start, count):
        infos = [
            device.publish(TOPIC.format("AIR-4"), json.dumps({"ts": base + i, "values": {"pm25": 1}}), qos=1)
            for i in range(start, start + count)
        ]
        for info in infos:
            info.wait_for_publish(30)
        assert all(info.is_published() for info in infos)

    try:
        assert stop(leaving) == 0  # a clean stop keeps the session, and with it the group membership
        publish(0, 400)
        assert _wait(lambda: _readings(env, "AIR-4")[0] >= 150, 30)
        time.sleep(2)
        parked = 400 - _readings(env, "AIR-4")[0]
        assert parked > 0, "the stopped member's session held nothing: the broker changed its routing"

        retired = env.run("-m", "cityops.cli", "iot-ingest", "--retire", "--client-id", "share-2")
        assert "retired share-2" in retired.stderr
        assert _readings(env, "AIR-4") == (400, 400)

        publish(400, 100)  # the group is one member now: nothing more is parked
        assert _wait(lambda: _readings(env, "AIR-4")[0] >= 500, 30)
        time.sleep(1)
        assert _readings(env, "AIR-4") == (500, 500)
    finally:
        device.disconnect()
        device.loop_stop()
        stop(staying)


def test_retire_names_the_worker_it_needs(env):
    with pytest.raises(Exception) as refused:
        env.run("-m", "cityops.cli", "iot-ingest", "--retire")
    assert "--client-id" in refused.value.stderr


def test_new_observations_are_published_for_sensorthings_subscribers(env):
    """OGC SensorThings MQTT extension: a reader account subscribes to v1.1/… and gets each Observation."""
    reader, seen = _connect(env, "sta-test", "sta-reader-password", "sta-reader")
    device, _ = _connect(env, "AIR-1", env.secrets["AIR-1"], "AIR-1")
    nosy, nosy_seen = _connect(env, "AIR-2", env.secrets["AIR-2"], "AIR-2-nosy")
    worker = env.worker("cityops-ingest-sta")
    env.worker_ready("cityops-ingest-sta")
    try:
        reader.subscribe("v1.1/Observations", qos=0)
        nosy.subscribe("v1.1/#", qos=0)  # a device account may read nothing
        time.sleep(0.5)
        ts = int(time.time() * 1000) - 5_000
        device.publish(TOPIC.format("AIR-1"), json.dumps({"ts": ts, "values": {"pm25": 42.5}}), qos=1)
        assert _wait(lambda: any(t == "v1.1/Observations" for t, _ in seen["messages"]), 30)
        body = json.loads(next(p for t, p in seen["messages"] if t == "v1.1/Observations"))
        assert body["result"] == 42.5
        assert body["phenomenonTime"].startswith(time.strftime("%Y-%m-%dT", time.gmtime(ts / 1000)))
        assert body["@iot.selfLink"] == f"http://cityops.test/sta/v1.1/Observations({body['@iot.id']})"
        assert body["Datastream@iot.navigationLink"] == body["@iot.selfLink"] + "/Datastream"
        stream = f"Datastreams({body['@iot.id'] >> 41})"  # an observation id holds its stream's

        seen["messages"].clear()
        reader.subscribe(f"v1.1/{stream}/Observations", qos=0)
        time.sleep(0.5)
        device.publish(TOPIC.format("AIR-1"), json.dumps({"ts": ts + 1, "values": {"pm25": 7}}), qos=1)
        topic = f"v1.1/{stream}/Observations"
        assert _wait(lambda: any(t == topic for t, _ in seen["messages"]), 30)
        assert json.loads(next(p for t, p in seen["messages"] if t == topic))["result"] == 7.0
        assert nosy_seen["messages"] == []

        denied = reader.publish(TOPIC.format("AIR-1"), json.dumps({"values": {"pm25": 1}}), qos=1)
        denied.wait_for_publish(10)
        assert _wait(lambda: denied.mid in seen["puback"])
        assert seen["puback"][denied.mid].is_failure  # a reader may not publish telemetry
    finally:
        for client in (reader, device, nosy):
            client.disconnect()
            client.loop_stop()
        stop(worker)
