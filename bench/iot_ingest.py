"""IoT telemetry ingest over MQTT into PostgreSQL, beside the broker's own rate on the same machine.

Run: `.venv/bin/python bench/iot_ingest.py [--duration 20] [--rate 10000] [--batched-values-rate 100000]
[--devices 100] [--workers 2] [--publishers 2] [--sta-mqtt]` (`--duration 300 --burst-seconds 60` for
the full run). It (re)creates the database named by CITYOPS_BENCH_IOT_PG_URL (default
postgres://postgres@127.0.0.1:5432/cityops_bench_iot), seeds the small test town with --devices
air-quality devices (3 quantities each) and their secrets, writes the project's broker files
(`cityops iot-mosquitto-config`) and starts Mosquitto on a free port. The publishers are
--publishers processes in which each device has its own authenticated MQTT 3.1.1 connection and
publishes at QoS 1 (bench/_mqtt_raw.py: lean, so that the load generator leaves the two cores to
what is measured). Then:
1. broker only: publishers flat out → one auto-acknowledging paho subscriber, no database;
2. sustained: --rate messages/s (one record of 3 values each) for --duration → --workers
   `cityops iot-ingest` processes on a shared subscription → readings committed, rules evaluated in
   the same transaction. "kept up" when what was left when the publishers stopped was stored within
   5 s (a rate above capacity leaves a backlog that grows with the run);
3. batched: --batched-values-rate values/s in messages of 50 records (150 values), up to 60 s;
4. burst: 3 × --rate for --burst-seconds; every acknowledged reading must be stored;
5. latency below saturation: with publishers at half of --rate, publish → committed (probe
   messages on one extra device, polled every 10 ms) and publish → alarm (a probe device sends a
   reading over the type's threshold rule, waits for the alarm row, sends one below the clear
   value, and again);
6. bytes per value: two days of 60-s readings of 300 streams compacted into blocks, measured with
   pg_total_relation_size.
Every reading goes through the rules: the device type has a threshold rule on PM2.5 (> 500 µg/m³)
that the publishers' values (0–300) never reach.
Goals (IoT issue): 10,000 msg/s sustained, 100,000 values/s batched, nothing lost in the burst,
publish → alarm p99 < 1 s, ≤ 20 bytes/value.
"""

import argparse
import json
import multiprocessing as mp
import os
import random
import select
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("CITYOPS_BENCH_IOT_PG_URL", "postgres://postgres@127.0.0.1:5432/cityops_bench_iot")
WORKER_PASSWORD = "bench-worker-password"
TOPIC = "cityops/v1/devices/{}/telemetry"
KEPT_UP_S = 5.0  # a sustained rate leaves at most this much backlog when the publishers stop


def _env(var_dir: str, port: int) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": PG_URL,
        "CITYOPS_VAR_DIR": var_dir,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "cityops.settings",
        "CITYOPS_IOT_MQTT_PORT": str(port),
        "CITYOPS_IOT_MQTT_PASSWORD": WORKER_PASSWORD,
        "CITYOPS_IOT_STATUS_SECONDS": "10",
        "CITYOPS_LOG_LEVEL": "INFO",
    }


def prepare(var_dir: str, devices: int) -> dict:
    """A fresh database with the town, one device type, the devices and their secrets; broker files."""
    from bench import _server

    port = _server.free_port()
    os.environ.update(_env(var_dir, port))
    _server.PG_URL = PG_URL
    _server.recreate_database()
    subprocess.run([sys.executable, "-m", "cityops.cli", "migrate", "-v0"], cwd=ROOT, check=True)
    import django

    django.setup()
    import getpass

    from cityops.geo.selectors import locate_point
    from cityops.iot.credentials import BrokerConfig, device_secret_issue, write_broker_files
    from cityops.iot.models import Device, DeviceType, DeviceTypeQuantity, Quantity, Rule
    from tests.builders import build_small_town, grid_centre

    build_small_town()
    air = DeviceType.objects.create(
        code="air", name="空气质量监测仪", report_interval_s=60, offline_after_s=600
    )
    for code in ("pm25", "pm10", "no2"):
        q = Quantity.objects.create(code=code, name=code, unit_symbol="µg/m³")
        DeviceTypeQuantity.objects.create(device_type=air, quantity=q, min_valid=0, max_valid=1000)
    Rule.objects.create(
        code="pm25-high",
        name="PM2.5 high",
        device_type=air,
        quantity=Quantity.objects.get(code="pm25"),
        kind="threshold",
        severity="major",
        params={"op": ">", "value": 500, "clear_value": 400, "quiet_s": 0},
    )
    lon, lat = grid_centre(1)
    where = locate_point(lon, lat)
    secrets = {}
    for n in range(devices + 2):  # the last two are the latency and the alarm probes
        device = Device.objects.create(
            code=f"B{n:05d}",
            name=f"B{n:05d}",
            device_type=air,
            lon=lon,
            lat=lat,
            area_id=where.area_id,
            village_id=where.village_id,
            grid_id=where.grid_id,
        )
        secrets[device.code] = device_secret_issue(device=device)
    out = Path(var_dir) / "broker"
    write_broker_files(
        out=out,
        config=BrokerConfig(port=port, run_as=getpass.getuser()),
        worker_user="cityops-ingest",
        worker_password=WORKER_PASSWORD,
        sta_readers={"bench-sta": WORKER_PASSWORD},
    )
    return {"port": port, "secrets": secrets, "conf": out / "mosquitto.conf"}


def _client(port: int, user: str, password: str, client_id: str) -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
    client.username_pw_set(user, password)
    client.max_inflight_messages_set(200)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def _publisher(args) -> dict:
    """One publisher process: its devices publish round-robin at ``rate`` msg/s for ``seconds``
    (bench/_mqtt_raw.py: real MQTT QoS 1, each device on its own authenticated connection)."""
    from bench._mqtt_raw import Publisher, wait_all

    port, creds, rate, seconds, records = args
    devices = [
        (code.encode(), TOPIC.format(code).encode(), Publisher(port, code, code, secret))
        for code, secret in creds
    ]
    rng = random.Random(os.getpid())
    sent = 0
    # Distinct times per device (a repeated millisecond would be a duplicate, not a lost reading).
    next_ms = {code: int(time.time() * 1000) - 600_000 for code, _, _ in devices}
    start = time.time()
    while (now := time.time()) - start < seconds:
        due = int((now - start) * rate) if rate else sent + 500
        while sent < due:
            code, topic, pub = devices[sent % len(devices)]
            if pub.full:
                pub.flush()
                pub.read_acks()
                if pub.full:
                    select.select([pub.sock], [], [], 0.05)
                    pub.read_acks()
                    if pub.full:
                        break  # the broker is behind: come back to it
            ts = next_ms[code]
            next_ms[code] += records
            body = ",".join(
                f'{{"ts":{ts + k},"values":{{"pm25":{rng.uniform(0, 300):.1f},"pm10":{rng.randrange(500)},"no2":18.5}}}}'
                for k in range(records)
            )
            pub.publish(topic, (body if records == 1 else f"[{body}]").encode())
            sent += 1
        for _, _, pub in devices:
            pub.flush()
            pub.read_acks()
        time.sleep(0.002)
    publishers = [pub for _, _, pub in devices]
    wait_all(publishers, 120)
    acked = sum(pub.acked for pub in publishers)
    for pub in publishers:
        pub.close()
    return {"sent": sent, "acked": acked}


def publish(ctx, rate: float, seconds: float, records: int, processes: int) -> dict:
    codes = sorted(ctx["secrets"])[:-2]
    parts = [[(c, ctx["secrets"][c]) for c in codes[i::processes]] for i in range(processes)]
    with mp.get_context("spawn").Pool(processes) as pool:
        results = pool.map(_publisher, [(ctx["port"], p, rate / processes, seconds, records) for p in parts])
    return {"sent": sum(r["sent"] for r in results), "acked": sum(r["acked"] for r in results)}


def broker_rate(ctx, seconds: float, processes: int) -> float:
    """Messages per second one auto-acknowledging QoS 1 subscriber receives, publishers flat out."""
    got = {"n": 0, "first": None, "last": None}
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-raw", protocol=mqtt.MQTTv311)
    sub.username_pw_set("cityops-ingest", WORKER_PASSWORD)

    def on_message(c, u, msg):
        now = time.time()
        got["first"] = got["first"] or now
        got["last"] = now
        got["n"] += 1

    sub.on_message = on_message
    sub.connect("127.0.0.1", ctx["port"])
    sub.subscribe(TOPIC.format("+"), qos=1)
    sub.loop_start()
    time.sleep(0.5)
    sent = publish(ctx, 0, seconds, 1, processes)
    time.sleep(2)
    sub.disconnect()
    sub.loop_stop()
    return got["n"] / max(got["last"] - got["first"], 1e-9), sent


def values_count() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM iot_reading")
        return cur.fetchone()[0]


class Probe:
    """Publish → committed latency: a probe device sends 20 messages/s; its last_time is polled every 10 ms."""

    def __init__(self, ctx):
        code = sorted(ctx["secrets"])[-1]
        self.code, self.client = code, _client(ctx["port"], code, ctx["secrets"][code], code)
        self.sent: list[int] = []
        self.latencies: list[float] = []
        self.stop = threading.Event()

    def run(self, seconds: float) -> None:
        threads = [threading.Thread(target=self._send, args=(seconds,)), threading.Thread(target=self._poll)]
        for t in threads:
            t.start()
        threads[0].join()
        time.sleep(3)
        self.stop.set()
        threads[1].join()

    def _send(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            ts = int(time.time() * 1000)
            self.sent.append(ts)
            self.client.publish(TOPIC.format(self.code), json.dumps({"ts": ts, "values": {"pm25": 1}}), qos=1)
            time.sleep(0.05)

    def _poll(self):
        import psycopg

        seen = 0
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            while not self.stop.is_set():
                row = conn.execute(
                    "SELECT extract(epoch FROM d.last_time) * 1000 FROM iot_datastream d JOIN iot_device v "
                    "ON v.id = d.device_id JOIN iot_quantity q ON q.id = d.quantity_id "
                    "WHERE v.code = %s AND q.code = 'pm25'",
                    [self.code],
                ).fetchone()
                now = time.time() * 1000
                if row and row[0] is not None:
                    while seen < len(self.sent) and self.sent[seen] <= round(row[0]):
                        self.latencies.append(now - self.sent[seen])
                        seen += 1
                time.sleep(0.01)

    def summary(self) -> dict:
        lat = sorted(self.latencies)
        if not lat:
            return {"p50_ms": None, "p99_ms": None, "probes": 0}
        return {
            "p50_ms": round(lat[len(lat) // 2]),
            "p99_ms": round(lat[int(len(lat) * 0.99)]),
            "probes": len(lat),
        }


class AlarmProbe:
    """Publish → alarm latency: a reading over the threshold, then the time until its alarm row exists."""

    def __init__(self, ctx):
        code = sorted(ctx["secrets"])[-2]
        self.code, self.client = code, _client(ctx["port"], code, ctx["secrets"][code], code)
        self.latencies: list[float] = []
        self.missed = 0
        self.sent = 0
        self.stop = threading.Event()

    def _send(self, value: float) -> None:
        body = json.dumps({"ts": int(time.time() * 1000), "values": {"pm25": value}})
        self.client.publish(TOPIC.format(self.code), body, qos=1)
        self.sent += 1

    def run(self) -> None:
        import psycopg

        count_sql = (
            "SELECT count(*) FROM iot_alarm a JOIN iot_device v ON v.id = a.device_id WHERE v.code = %s"
        )
        active_sql = count_sql + " AND a.status = 'active'"
        with psycopg.connect(PG_URL, autocommit=True) as conn:

            def wait_for(sql, target, timeout=10.0):
                end = time.time() + timeout
                while time.time() < end:
                    if conn.execute(sql, [self.code]).fetchone()[0] == target:
                        return True
                    time.sleep(0.005)
                return False

            raised = conn.execute(count_sql, [self.code]).fetchone()[0]
            while not self.stop.is_set():
                t0 = time.time()
                self._send(900)
                if wait_for(count_sql, raised + 1):
                    self.latencies.append((time.time() - t0) * 1000)
                    raised += 1
                else:
                    self.missed += 1
                    raised = conn.execute(count_sql, [self.code]).fetchone()[0]
                time.sleep(0.01)
                self._send(100)
                wait_for(active_sql, 0)
                time.sleep(0.2)

    def summary(self) -> dict:
        lat = sorted(self.latencies)
        if not lat:
            return {"alarm_p50_ms": None, "alarm_p99_ms": None, "alarms": 0, "missed": self.missed}
        return {
            "alarm_p50_ms": round(lat[len(lat) // 2]),
            "alarm_p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))]),
            "alarms": len(lat),
            "missed": self.missed,
        }


def run_alarm_latency(ctx, args, rate: float, seconds: float) -> dict:
    """Publishers at ``rate`` for ``seconds`` while the alarm probe measures publish → alarm."""
    drain()
    probe = AlarmProbe(ctx)
    thread = threading.Thread(target=probe.run)
    stored = Probe(ctx)  # publish → stored at the same time, below saturation
    stored_thread = threading.Thread(target=stored.run, args=(seconds,))
    thread.start()
    stored_thread.start()
    sent = publish(ctx, rate, seconds, 1, args.publishers)
    probe.stop.set()
    thread.join(30)
    stored_thread.join(60)
    probe.client.disconnect()
    s = stored.summary()
    return {
        "background_msg_per_s": rate,
        "background_acked": sent["acked"],
        **probe.summary(),
        "stored_p50_ms": s["p50_ms"],
        "stored_p99_ms": s["p99_ms"],
    }


def drain(quiet_s: float = 3.0, limit_s: float = 900.0) -> None:
    """Wait until the workers have stored their backlog (no new values for ``quiet_s``), so that one
    phase's backlog is not counted, or waited behind, in the next."""
    last, since, end = values_count(), time.time(), time.time() + limit_s
    while time.time() < end:
        time.sleep(0.5)
        n = values_count()
        if n != last:
            last, since = n, time.time()
        elif time.time() - since >= quiet_s:
            return


def run_ingest(ctx, args, rate: float, seconds: float, records: int) -> dict:
    """Offer ``rate`` messages/s (0: flat out) for ``seconds``, then wait until every acknowledged
    reading is stored. The rate was sustained ("kept up") if the backlog left when the publishers
    stopped was stored within KEPT_UP_S: a rate above capacity leaves a backlog that grows with the run."""
    drain()
    before = values_count()
    probe = Probe(ctx)
    probe_thread = threading.Thread(target=probe.run, args=(seconds,))
    t0 = time.time()
    probe_thread.start()
    sent = publish(ctx, rate, seconds, records, args.publishers)
    published = time.time() - t0
    expected = before + sent["acked"] * 3 * records
    deadline = time.time() + 1800
    while values_count() < expected + len(probe.sent) and time.time() < deadline:
        time.sleep(0.5)  # count(*) over millions of rows: not too often, it loads the database
    elapsed = time.time() - t0
    probe_thread.join()
    stored = values_count() - before - len(probe.sent)
    return {
        "offered_msg_per_s": rate or "flat out",
        "published_msg_per_s": round(sent["acked"] / published),
        "seconds": round(elapsed, 1),
        "drain_seconds": round(elapsed - published, 1),
        "kept_up": elapsed - published <= KEPT_UP_S,
        "messages_acked": sent["acked"],
        "values_stored": stored,
        "lost": sent["acked"] * 3 * records - stored,
        "msg_per_s": round(sent["acked"] / elapsed),
        "values_per_s": round(stored / elapsed),
        **probe.summary(),
    }


def bytes_per_value() -> dict:
    """Two days of 60-s readings (1 decimal, a random walk) of 300 streams, compacted; bytes on disk per value."""
    from datetime import UTC, datetime, timedelta

    from django.db import connection, transaction

    from cityops.iot.compaction import compact_all
    from cityops.iot.models import TIME_BITS, Datastream, Reading, ReadingBlock
    from cityops.iot.readings import to_ms
    from cityops.iot.store import insert_readings

    Reading.objects.all().delete()
    ReadingBlock.objects.all().delete()
    streams = list(Datastream.objects.order_by("id").values_list("id", flat=True)[:300])
    now = datetime.now(UTC)
    start = to_ms(now - timedelta(days=40))
    rng = random.Random(1)
    for ds in streams:
        level, rows = rng.uniform(20, 80), {}
        for i in range(2 * 1440):
            level = max(0.0, level + rng.gauss(0, 1.5))
            rows[(ds << TIME_BITS) | (start + i * 60_000 + rng.randrange(-500, 500))] = (ds, round(level, 1))
        with transaction.atomic():
            insert_readings(rows)
    compact_all(now=now)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE iot_readingblock")
        cur.execute("SELECT pg_total_relation_size('iot_readingblock'), pg_relation_size('iot_readingblock')")
        total, heap = cur.fetchone()
    values = sum(ReadingBlock.objects.values_list("count", flat=True))
    return {
        "values": values,
        "blocks": ReadingBlock.objects.count(),
        "bytes_total": total,
        "bytes_per_value": round(total / values, 2),
        "heap_bytes_per_value": round(heap / values, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument(
        "--rate", type=float, default=10_000, help="messages/s offered in the sustained phase"
    )
    parser.add_argument(
        "--batched-values-rate", type=float, default=100_000, help="values/s offered, batched"
    )
    parser.add_argument("--burst-seconds", type=float, default=15)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument(
        "--sta-mqtt", action="store_true", help="the workers also publish each Observation for SensorThings"
    )
    args = parser.parse_args()
    var_dir = tempfile.mkdtemp(prefix="cityops-bench-iot-")
    ctx = prepare(var_dir, args.devices)
    broker = subprocess.Popen(["mosquitto", "-c", str(ctx["conf"])], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    figures = {"load_before": os.getloadavg()}
    try:
        figures["broker_msg_per_s"], figures["broker_sent"] = broker_rate(
            ctx, min(args.duration, 15), args.publishers
        )
        env = _env(var_dir, ctx["port"])
        env["CITYOPS_STA_MQTT"] = "true" if args.sta_mqtt else "false"
        figures["workers"], figures["sta_mqtt"] = args.workers, args.sta_mqtt
        if args.sta_mqtt:  # one SensorThings client taking every notification (C, so it costs little)
            port = str(ctx["port"])
            sta_sub = [
                "mosquitto_sub",
                "-p",
                port,
                "-u",
                "bench-sta",
                "-P",
                WORKER_PASSWORD,
                "-t",
                "v1.1/Observations",
            ]
            workers_extra = [subprocess.Popen(sta_sub, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        else:
            workers_extra = []
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "cityops.cli", "iot-ingest", "--client-id", f"bench-{i}"]
                + (["--shared"] if args.workers > 1 else []),
                cwd=ROOT,
                env=env,
                stderr=open(Path(var_dir) / f"worker-{i}.log", "w"),  # noqa: SIM115
            )
            for i in range(args.workers)
        ]
        time.sleep(4)
        figures["sustained"] = run_ingest(ctx, args, args.rate, args.duration, 1)
        print("sustained", figures["sustained"], flush=True)
        batched_rate = args.batched_values_rate / (3 * 50)  # messages of 50 records of 3 values
        figures["batched"] = run_ingest(ctx, args, batched_rate, min(args.duration, 60), 50)
        print("batched", figures["batched"], flush=True)
        burst_rate = 3 * args.rate
        figures["burst"] = run_ingest(ctx, args, burst_rate, args.burst_seconds, 1)
        print("burst", figures["burst"], flush=True)
        figures["alarm"] = run_alarm_latency(ctx, args, args.rate / 2, min(args.duration, 60))
        print("alarm", figures["alarm"], flush=True)
        for w in workers + workers_extra:
            w.terminate()
            w.wait(300)
        figures["storage"] = bytes_per_value()
        figures["load_after"] = os.getloadavg()
    finally:
        broker.terminate()
    print(json.dumps(figures, indent=2, default=str))
    print(f"worker logs: {var_dir}")
    s, b = figures["sustained"], figures["batched"]
    a = figures["alarm"]
    met = s["kept_up"] and args.rate >= 10_000 and b["kept_up"] and args.batched_values_rate >= 100_000
    met = met and figures["storage"]["bytes_per_value"] <= 20 and figures["burst"]["lost"] == 0
    met = met and (a["alarm_p99_ms"] or 1e9) < 1000 and not a["missed"]
    print(
        "targets met"
        if met
        else "TARGETS MISSED (goals: 10,000 msg/s and 100,000 values/s kept up with, nothing lost in the "
        "burst, publish -> alarm p99 < 1 s, <= 20 B/value)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
