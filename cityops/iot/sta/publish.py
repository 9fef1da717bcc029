"""The SensorThings MQTT extension (OGC 18-088 §14), for new Observations: after the transaction that
stores readings commits, each is published as its Observation entity, the JSON a GET of it returns, to
``v1.1/Datastreams(<id>)/Observations`` and ``v1.1/Observations`` (docs/sensorthings.md, "MQTT").

Notifications are QoS 0 and never hold up storing: with the broker away they are dropped, as an
MQTT subscriber that is not connected misses them too; the readings stay readable over HTTP. The
ingest worker publishes through its own broker connection; any other process (the web server
taking HTTP telemetry or SensorThings POSTs) opens one connection of its own on first use.
"""

import json
import logging
import os
import socket
import threading
from datetime import timedelta

import paho.mqtt.client as mqtt
from django.conf import settings

from cityops.iot.models import OBSERVATION_EPOCH, TIME_BITS
from cityops.iot.sta.entities import iso
from cityops.iot.types import StoredReading

logger = logging.getLogger(__name__)
VERSION = "v1.1"
MS = timedelta(milliseconds=1)


def datastream_topic(datastream_id: int) -> str:
    return f"{VERSION}/Datastreams({datastream_id})/Observations"


ALL_TOPIC = f"{VERSION}/Observations"


class Notifier:
    """One broker connection per process for notifications; the worker may lend its own."""

    def __init__(self):
        self._lock = threading.Lock()
        self._client: mqtt.Client | None = None
        self._owned = False

    def use(self, client: mqtt.Client | None) -> None:
        """Publish through ``client`` (the ingest worker's, already connected), or None to let go of it."""
        with self._lock:
            if self._owned and self._client is not None:
                self._client.disconnect()
                self._client.loop_stop()
            self._client, self._owned = client, False

    def client(self) -> mqtt.Client:
        with self._lock:
            if self._client is None:
                self._client, self._owned = _connect(), True
            return self._client


def _connect() -> mqtt.Client:
    client_id = f"cityops-sta-{socket.gethostname()}-{os.getpid()}"
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.username_pw_set(settings.CITYOPS_IOT_MQTT_USER, settings.CITYOPS_IOT_MQTT_PASSWORD)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    client.connect_async(settings.CITYOPS_IOT_MQTT_HOST, settings.CITYOPS_IOT_MQTT_PORT, keepalive=60)
    client.loop_start()
    return client


notifier = Notifier()


def observation_payloads(stored: list[StoredReading]) -> list[tuple[int, bytes]]:
    """(datastream id, JSON) of each stored reading, as its Observation entity. Written out here
    rather than through ``reads.entity_json`` (four times slower, and this runs for every reading);
    a test holds it equal to what a GET of the Observation returns."""
    root = f"{settings.CITYOPS_PUBLIC_URL.rstrip('/')}/sta/{VERSION}/Observations("
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    out = []
    for r in stored:
        obs_id = (r.datastream_id << TIME_BITS) | ((r.time - OBSERVATION_EPOCH) // MS)
        link, when = f"{root}{obs_id})", iso(r.time)
        body = {
            "@iot.id": obs_id,
            "@iot.selfLink": link,
            "phenomenonTime": when,
            "resultTime": when,
            "result": r.value,
            "resultQuality": None,
            "validTime": None,
            "parameters": None,
            "Datastream@iot.navigationLink": f"{link}/Datastream",
            "FeatureOfInterest@iot.navigationLink": f"{link}/FeatureOfInterest",
        }
        out.append((r.datastream_id, dumps(body).encode()))
    return out


def readings_stored(stored: list[StoredReading]) -> None:
    """Publish committed readings as Observations; a failure is logged, never raised into the ingest."""
    if not settings.CITYOPS_STA_MQTT or not stored:
        return
    try:
        client = notifier.client()
        if not client.is_connected():
            return
        for datastream_id, payload in observation_payloads(stored):
            client.publish(datastream_topic(datastream_id), payload, qos=0)
            client.publish(ALL_TOPIC, payload, qos=0)
    except Exception:
        logger.exception("publishing %d observations over MQTT failed", len(stored))
