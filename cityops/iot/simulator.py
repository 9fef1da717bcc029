"""`cityops simulate-iot`: the demo devices report as real ones would, over MQTT or HTTP.

Each device reports at its type's interval (divided by ``speed``) with the values of
``sim_signals``; a few devices are faulty for the run, events (smoke, a gas leak, an opened manhole,
night noise) happen at random, and ``rain_in`` starts a rain event that lifts the water levels
past their warning levels — so alarms, and the cases they open, appear while the demo runs.
"""

import base64
import heapq
import http.client
import json
import logging
import random
import time
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from cityops.iot import sim_signals as sig
from cityops.iot.ingest import telemetry_topic

log = logging.getLogger("cityops.iot.simulator")

FAULT_SHARES = {"silent": 0.004, "out_of_range": 0.002, "flat_battery": 0.01}
LAMP_FAULTS = {"broken_lamp": 0.015, "stuck_on": 0.01}


@dataclass
class Options:
    transport: str = "mqtt"  # or "http"
    host: str = "127.0.0.1"
    port: int = 1883
    username: str = ""
    password: str = ""
    url: str = "http://127.0.0.1:8000"
    speed: float = 1.0
    duration: float = 0.0  # seconds; 0 runs until stopped
    limit: int = 0  # simulate only the first N devices
    types: tuple[str, ...] = ()
    rain_in: float | None = None  # start a rain event this many seconds from now
    haze_area: str | None = None
    backfill_hours: float = 0.0
    seed: int = 7


@dataclass
class Sim:
    device: sig.Device
    interval: float
    secret: str = ""


def load_devices(opts: Options) -> list[Sim]:
    """The active devices to simulate, each with the faults it carries for this run."""
    from cityops.iot.models import Device

    qs = Device.objects.filter(status="active").select_related("device_type", "area").order_by("code")
    if opts.types:
        qs = qs.filter(device_type__code__in=opts.types)
    if opts.limit:
        qs = qs[: opts.limit]
    sims = []
    for row in qs:
        rng = random.Random(f"{opts.seed}:{row.code}")
        d = sig.Device(
            row.code, row.device_type.code, row.area.code, dict(row.properties), rng, fault=_fault(row, rng)
        )
        sims.append(Sim(d, max(1.0, row.device_type.report_interval_s / opts.speed)))
    return sims


def _fault(row, rng: random.Random) -> str:
    shares = dict(FAULT_SHARES)
    if row.device_type.code == "streetlight":
        shares.update(LAMP_FAULTS)
    draw = rng.random()
    for name, share in shares.items():
        if draw < share:
            return name
        draw -= share
    return ""


class MqttSender:
    """One connection publishing every device's topic at QoS 1 (a gateway's view of the town)."""

    def __init__(self, opts: Options):
        import paho.mqtt.client as mqtt

        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"cityops-sim-{random.randrange(1 << 30)}"
        )
        if opts.username:
            self.client.username_pw_set(opts.username, opts.password)
        self.client.max_inflight_messages_set(1000)
        self.client.connect(opts.host, opts.port, keepalive=30)
        self.client.loop_start()
        self.pending = []

    def send(self, sim: Sim, records: list[dict]) -> None:
        body = json.dumps(records[0] if len(records) == 1 else records, separators=(",", ":"))
        self.pending.append(self.client.publish(telemetry_topic(sim.device.code), body, qos=1))
        if len(self.pending) > 5000:
            self.flush()

    def flush(self) -> None:
        for info in self.pending:
            info.wait_for_publish(timeout=30)
        self.pending.clear()

    def close(self) -> None:
        self.flush()
        self.client.loop_stop()
        self.client.disconnect()


class HttpSender:
    """POST /api/v1/iot/telemetry with each device's own credentials (issued at the start)."""

    def __init__(self, opts: Options):
        url = urllib.parse.urlsplit(opts.url)
        self.conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
        self.path = url.path.rstrip("/") + "/api/v1/iot/telemetry"
        self.refused = 0

    def send(self, sim: Sim, records: list[dict]) -> None:
        token = base64.b64encode(f"{sim.device.code}:{sim.secret}".encode()).decode()
        body = json.dumps(records, separators=(",", ":"))
        headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
        try:
            self.conn.request("POST", self.path, body=body, headers=headers)
            resp = self.conn.getresponse()
            resp.read()
        except OSError as exc:  # the server restarted: reconnect and go on with the next reading
            log.warning("telemetry POST failed (%s); reconnecting", exc)
            self.conn.close()
            return
        if resp.status >= 400:
            self.refused += 1

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.conn.close()


def issue_secrets(sims: list[Sim]) -> None:
    """New secrets for the simulated devices (the HTTP transport signs in as each device)."""
    from cityops.audit.services import audit_record
    from cityops.iot.credentials import device_secret_issue
    from cityops.iot.models import Device

    devices = {d.code: d for d in Device.objects.filter(code__in=[s.device.code for s in sims])}
    for sim in sims:
        sim.secret = device_secret_issue(device=devices[sim.device.code])
    audit_record(
        action="iot.simulator.secrets",
        actor_name="simulate-iot",
        object_type="iot.device",
        after={"devices": len(sims)},
    )


class Simulator:
    def __init__(self, opts: Options, sims: list[Sim], sender):
        self.opts, self.sims, self.sender = opts, sims, sender
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.weather = sig.Weather(haze_area=opts.haze_area, speed=opts.speed)
        if opts.rain_in is not None:
            self.weather.rain_start = time.time() + opts.rain_in
        self.sent = 0

    def reading(self, sim: Sim, at: float) -> dict | None:
        d = sim.device
        if d.fault == "silent":
            return None
        hour = datetime.fromtimestamp(at, self.tz)
        hour = hour.hour + hour.minute / 60
        return {"ts": int(at * 1000), "values": sig.values(d, hour, at, self.weather)}

    def backfill(self, hours: float) -> None:
        """Readings of the last ``hours``, one batch message per device and hour."""
        end = time.time()
        for sim in self.sims:
            at = end - hours * 3600
            batch = []
            while at < end:
                rec = self.reading(sim, at)
                if rec is not None:
                    batch.append(rec)
                if len(batch) >= 3600 / sim.interval or (batch and at + sim.interval >= end):
                    self.sender.send(sim, batch)
                    self.sent += len(batch)
                    batch = []
                at += sim.interval
        self.sender.flush()

    def events(self, now: float, elapsed: float) -> None:
        """Start events at random: each type's hourly share of its devices, scaled to ``elapsed``."""
        for sim in self.sims:
            share = sig.EVENTS.get(sim.device.type_code)
            if share and now >= sim.device.event_until:
                rate, minutes = share
                if sim.device.rng.random() < rate * self.opts.speed * elapsed / 3600:
                    sim.device.event_until = now + minutes * 60 / self.opts.speed

    def run(self) -> int:
        start = time.time()
        due = [(start + s.device.rng.uniform(0, s.interval), i) for i, s in enumerate(self.sims)]
        heapq.heapify(due)
        last_events = last_log = start
        while due:
            now = time.time()
            if self.opts.duration and now - start >= self.opts.duration:
                break
            if now - last_events >= 5:
                self.events(now, now - last_events)
                last_events = now
            while due and due[0][0] <= now:
                at, i = heapq.heappop(due)
                sim = self.sims[i]
                rec = self.reading(sim, now)
                if rec is not None:
                    self.sender.send(sim, [rec])
                    self.sent += 1
                heapq.heappush(due, (at + sim.interval, i))
            if now - last_log >= 30:
                log.info("simulator: %d readings sent, rain %.0f%%", self.sent, 100 * self.weather.rain(now))
                last_log = now
            time.sleep(max(0.0, min(0.5, due[0][0] - time.time())) if due else 0.5)
        self.sender.close()
        return self.sent


def simulate(opts: Options) -> int:
    """Run the simulator until ``duration`` ends (or forever); the number of readings sent."""
    sims = load_devices(opts)
    if not sims:
        raise ValueError("there are no active devices to simulate; run 'cityops seed-demo' first")
    if opts.transport == "http":
        issue_secrets(sims)
        sender = HttpSender(opts)
    elif opts.transport == "mqtt":
        sender = MqttSender(opts)
    else:
        raise ValueError(f"transport must be mqtt or http, not {opts.transport!r}")
    sim = Simulator(opts, sims, sender)
    if opts.backfill_hours:
        sim.backfill(opts.backfill_hours)
    return sim.run()
