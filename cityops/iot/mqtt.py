"""The MQTT ingest worker: a persistent QoS 1 session whose messages are acknowledged only after the
transaction that stores them commits (docs/iot.md, "Acknowledgement").

paho's network thread only appends messages to a queue; the main thread takes batches, stores each
batch in one transaction and then acknowledges its messages, in the order received. A crash at any
point leaves every unacknowledged message with the broker, which sends it again; a message stored
twice is a duplicate by its observation id, so each reading is stored exactly once.

Several workers share the load through ``$share/cityops/…``. The broker keeps routing a share of the
messages to a member whose persistent session outlives its process (MQTT 5 allows it; Mosquitto does
it), so a worker taken away for good is *retired*: ``IngestWorker(retire=True)`` resumes its session,
leaves the group, stores and acknowledges what the session still holds, and ends the session.
"""

import collections
import logging
import threading
import time
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from cityops.iot.choices import DeadLetterReason, IngestSource
from cityops.iot.ingest import TOPIC_PREFIX, TOPIC_SUFFIX, topic_device_code
from cityops.iot.models import DeadLetter
from cityops.iot.sta import publish as sta_publish
from cityops.iot.store import BatchResult, Message, ingest_messages, now_ms

logger = logging.getLogger("cityops.iot.ingest")
SHARE_GROUP = "cityops"


@dataclass(frozen=True)
class WorkerConfig:
    host: str
    port: int
    user: str
    password: str
    client_id: str
    shared: bool
    session_expiry_s: int
    receive_maximum: int
    batch_messages: int
    batch_ms: int
    status_s: int
    retire: bool = False
    quiet_s: float = 2.0

    @classmethod
    def from_settings(cls, **overrides) -> "WorkerConfig":
        s = settings
        values = {
            "host": s.CITYOPS_IOT_MQTT_HOST,
            "port": s.CITYOPS_IOT_MQTT_PORT,
            "user": s.CITYOPS_IOT_MQTT_USER,
            "password": s.CITYOPS_IOT_MQTT_PASSWORD,
            "client_id": s.CITYOPS_IOT_MQTT_CLIENT_ID,
            "shared": s.CITYOPS_IOT_MQTT_SHARED,
            "session_expiry_s": s.CITYOPS_IOT_MQTT_SESSION_EXPIRY_S,
            "receive_maximum": s.CITYOPS_IOT_MQTT_RECEIVE_MAXIMUM,
            "batch_messages": s.CITYOPS_IOT_BATCH_MESSAGES,
            "batch_ms": s.CITYOPS_IOT_BATCH_MS,
            "status_s": s.CITYOPS_IOT_STATUS_SECONDS,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def topic(self) -> str:
        topic = f"{TOPIC_PREFIX}+{TOPIC_SUFFIX}"
        return f"$share/{SHARE_GROUP}/{topic}" if self.shared else topic


class RetireError(RuntimeError):
    """A session that could not be drained; it is left with the broker, nothing is lost."""


@dataclass(slots=True)
class Received:
    topic: str
    payload: bytes
    mid: int
    qos: int
    generation: int
    received_ms: int


class Counters:
    """Totals since start, and since the last status line."""

    def __init__(self):
        self.messages = self.values = self.duplicates = self.dead = self.retries = 0
        self.mark = (time.monotonic(), 0, 0)

    def add(self, messages: int, result: BatchResult) -> None:
        self.messages += messages
        self.values += result.stored
        self.duplicates += result.duplicates
        self.dead += result.dead_letters

    def line(self, queued: int) -> str:
        now = time.monotonic()
        since, messages, values = self.mark
        elapsed = max(now - since, 1e-9)
        self.mark = (now, self.messages, self.values)
        return (
            f"{(self.messages - messages) / elapsed:,.1f} msg/s, {(self.values - values) / elapsed:,.1f} values/s; "
            f"totals: {self.messages:,} messages, {self.values:,} values, {self.duplicates:,} duplicates, "
            f"{self.dead:,} dead letters, {self.retries:,} database retries; {queued:,} queued"
        )


class IngestWorker:
    """One worker process: connect, subscribe, batch, store, acknowledge; until ``stop`` is set."""

    def __init__(self, config: WorkerConfig):
        self.config = config
        self.stop = threading.Event()
        self.counters = Counters()
        self._queue: collections.deque[Received] = collections.deque()
        self._ready = threading.Condition()
        self._generation = 0
        self._connected_once = threading.Event()
        self._left_group = threading.Event()
        self._last_received = time.monotonic()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=config.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self.client.username_pw_set(config.user, config.password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_unsubscribe = self._on_unsubscribe

    # paho's network thread -------------------------------------------------------------------
    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            logger.error("broker refused the connection: %s", reason_code)
            return
        with self._ready:
            self._generation += 1
        logger.info(
            "connected to %s:%s as %s (session %s)",
            self.config.host,
            self.config.port,
            self.config.client_id,
            "resumed" if flags.session_present else "new",
        )
        self._connected_once.set()
        if self.config.retire:
            # Leaving the group first: the broker routes nothing new here while the session drains.
            client.unsubscribe(self.config.topic)
        else:
            client.subscribe(self.config.topic, qos=1)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        if any(rc.is_failure for rc in reason_codes):
            logger.error("the broker refused the subscription to %s: %s", self.config.topic, reason_codes)
        else:
            logger.info("subscribed to %s", self.config.topic)

    def _on_unsubscribe(self, client, userdata, mid, reason_codes, properties):
        logger.info("left %s: %s", self.config.topic, ", ".join(str(rc) for rc in reason_codes))
        self._last_received = time.monotonic()  # what the session holds follows the UNSUBACK
        self._left_group.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        # Messages received on the old connection are stored but not acknowledged on the new one:
        # the broker sends them again, and their second copy is acknowledged.
        with self._ready:
            self._generation += 1
        if not self.stop.is_set():
            logger.warning("disconnected from the broker (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, msg):
        item = Received(msg.topic, msg.payload, msg.mid, msg.qos, self._generation, now_ms())
        self._last_received = time.monotonic()
        with self._ready:
            self._queue.append(item)
            if len(self._queue) >= self.config.batch_messages:
                self._ready.notify()

    # the main thread ------------------------------------------------------------------------
    def run(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.config.session_expiry_s
        props.ReceiveMaximum = min(self.config.receive_maximum, 65535)
        self.client.connect_async(
            self.config.host, self.config.port, keepalive=30, clean_start=False, properties=props
        )
        self.client.loop_start()
        sta_publish.notifier.use(self.client)  # SensorThings notifications share this connection
        if self.config.retire:
            self._retire()
            return
        next_status = time.monotonic() + self.config.status_s
        try:
            while not self.stop.is_set():
                batch = self._take()
                if batch:
                    self._handle(batch)
                if self.config.status_s and time.monotonic() >= next_status:
                    logger.info("ingest: %s", self.counters.line(len(self._queue)))
                    next_status = time.monotonic() + self.config.status_s
            # What arrived before the stop is stored and acknowledged; anything later stays with the broker.
            left = len(self._queue)
            while left > 0 and self.client.is_connected():
                batch = self._take()
                left -= len(batch)
                self._handle(batch)
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            logger.info("stopped: %s", self.counters.line(len(self._queue)))

    def _retire(self) -> None:
        """Drain the session of a departed worker, then end it so that the group no longer counts it."""
        try:
            if not self._connected_once.wait(30) or not self._left_group.wait(30):
                raise RetireError(
                    f"could not resume the session of {self.config.client_id} at "
                    f"{self.config.host}:{self.config.port} (see the log above)"
                )
            while not self.stop.is_set():
                batch = self._take()
                if batch:
                    self._handle(batch)
                    continue
                quiet = time.monotonic() - self._last_received >= self.config.quiet_s
                if quiet and not self._queue:
                    break
            if self.stop.is_set():
                raise RetireError("stopped before the session was drained; it is kept, run --retire again")
            props = Properties(PacketTypes.DISCONNECT)
            props.SessionExpiryInterval = 0
            self.client.disconnect(properties=props)
            logger.info("retired %s: %s; its session is ended", self.config.client_id, self.counters.line(0))
        finally:
            self.client.loop_stop()

    def _take(self) -> list[Received]:
        """Up to ``batch_messages`` messages, once that many arrived or the oldest waited ``batch_ms``."""
        with self._ready:
            if not self._queue:
                self._ready.wait(timeout=0.5)
                if not self._queue:
                    return []
            deadline = (self._queue[0].received_ms + self.config.batch_ms) / 1000
            while len(self._queue) < self.config.batch_messages and not self.stop.is_set():
                remaining = deadline - time.time()
                if remaining <= 0 or not self._ready.wait(timeout=remaining):
                    break
            count = min(len(self._queue), self.config.batch_messages)
            return [self._queue.popleft() for _ in range(count)]

    def _handle(self, batch: list[Received]) -> None:
        if not self._store(batch):
            return
        with self._ready:
            generation = self._generation
        for item in batch:
            if item.generation == generation:
                self.client.ack(item.mid, item.qos)

    def _store(self, batch: list[Received]) -> bool:
        """Store a batch, retrying while the database is unavailable; False if stopped before it could."""
        delay = 0.5
        while True:
            try:
                result = ingest_messages(messages=[_message(item) for item in batch])
            except (OperationalError, InterfaceError) as exc:
                # Unavailable, restarted, deadlocked: nothing was committed, so try the same batch again.
                self.counters.retries += 1
                logger.warning("storing %d messages failed (%s); retrying in %.1f s", len(batch), exc, delay)
                connection.close()
                if self.stop.wait(delay):
                    return False
                delay = min(delay * 2, 30)
                continue
            except DatabaseError:
                connection.close()
                return self._store_each(batch)
            self.counters.add(len(batch), result)
            return True

    def _store_each(self, batch: list[Received]) -> bool:
        """A batch the database refuses for its content: store its messages one by one, dead-letter the culprit."""
        if len(batch) > 1:
            return all(self._store([item]) for item in batch)
        item = batch[0]
        logger.exception("message on %s could not be stored; dead-lettering it", item.topic)
        try:
            DeadLetter.objects.create(
                source=IngestSource.MQTT,
                topic=item.topic[:300],
                client=(topic_device_code(item.topic) or "")[:100],
                reason=DeadLetterReason.MALFORMED,
                detail="the database refused the message's readings; see the worker's log",
                payload=item.payload[: settings.CITYOPS_IOT_MAX_MESSAGE_BYTES],
                payload_size=len(item.payload),
            )
        except DatabaseError:
            # Not acknowledged: the broker sends it again after a reconnect, and it is tried afresh.
            logger.exception("the dead letter could not be written either")
            connection.close()
            return False
        self.counters.dead += 1
        return True


def _message(item: Received) -> Message:
    return Message(
        payload=item.payload, topic=item.topic, source=IngestSource.MQTT, received_ms=item.received_ms
    )
