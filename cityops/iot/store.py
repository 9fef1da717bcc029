"""Writing telemetry: a batch of messages becomes readings, dead letters and datastream updates in one
transaction; the rules see the new readings in a savepoint of it (docs/iot.md, "Ingest")."""

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from cityops.iot import hooks
from cityops.iot.choices import Connectivity, IngestSource
from cityops.iot.ingest import (
    Limits,
    Parsed,
    Rejection,
    parse_message,
    topic_device_code,
)
from cityops.iot.models import OBSERVATION_EPOCH, TIME_BITS, Datastream, DeadLetter, Device, Reading
from cityops.iot.types import StoredReading

SQLITE_ROWS = 200  # 4 parameters a row under SQLite's 999-parameter limit


@dataclass(slots=True)
class Message:
    """A message as received: from a topic (MQTT) or from an authenticated device (HTTP)."""

    payload: bytes
    topic: str = ""
    device_code: str = ""
    source: str = IngestSource.MQTT
    received_ms: int = 0


@dataclass(slots=True)
class Outcome:
    """What became of one message."""

    stored: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    whole: Rejection | None = None
    device_id: int | None = None


@dataclass(slots=True)
class BatchResult:
    outcomes: list[Outcome]
    stored: int
    duplicates: int
    dead_letters: int
    rules_ok: bool


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def ingest_messages(*, messages: list[Message], now: datetime | None = None) -> BatchResult:
    """Parse and store a batch of messages in one transaction; duplicates are stored once."""
    limits = Limits.from_settings()
    stamp = now_ms()
    parsed = [
        parse_message(
            payload=m.payload,
            topic=m.topic,
            device_code=m.device_code,
            received_ms=m.received_ms or stamp,
            limits=limits,
        )
        for m in messages
    ]
    _ensure_datastreams(p.device for p in parsed if p.readings)
    now = now or datetime.now(UTC)
    with transaction.atomic():
        return _write(messages, parsed, now)


def _ensure_datastreams(devices) -> None:
    """Create the datastreams of a device's type on its first reading (idempotent, own transaction)."""
    for device in {d.id: d for d in devices}.values():
        missing = set(device.quantities) - set(device.datastreams)
        if not missing:
            continue
        Datastream.objects.bulk_create(
            [Datastream(device_id=device.id, quantity_id=device.quantities[q].quantity_id) for q in missing],
            ignore_conflicts=True,
        )
        device.datastreams.update(
            Datastream.objects.filter(device_id=device.id).values_list("quantity__code", "id")
        )


def _write(messages: list[Message], parsed: list[Parsed], now: datetime) -> BatchResult:
    outcomes = [Outcome(whole=p.whole, rejected=p.rejections) for p in parsed]
    rows: dict[int, tuple] = {}  # observation id → (datastream id, value, device id, quantity, message)
    for index, p in enumerate(parsed):
        if p.device is not None:
            outcomes[index].device_id = p.device.id
        for qcode, ms, value in p.readings:
            ds = p.device.datastreams[qcode]
            key = (ds << TIME_BITS) | ms
            if key in rows:
                outcomes[index].duplicates += 1
            else:
                rows[key] = (ds, value, p.device.id, qcode, index)
    inserted = insert_readings(rows) if rows else []
    new = set(inserted)
    stored: list[StoredReading] = []
    for key, (ds, value, device_id, qcode, index) in rows.items():
        if key in new:
            outcomes[index].stored += 1
            time_ = OBSERVATION_EPOCH + timedelta(milliseconds=key & ((1 << TIME_BITS) - 1))
            stored.append(StoredReading(device_id, ds, qcode, time_, value))
        else:
            outcomes[index].duplicates += 1
    dead = _dead_letters(messages, parsed, outcomes)
    rules_ok = hooks.readings_stored(stored, now=now)
    # Last before the commit: these rows are shared with the other workers (every worker's batch
    # holds readings of the same devices), so their locks are held for as short a time as may be.
    _update_datastreams(stored)
    _update_devices({p.device.id for p in parsed if p.readings}, now)
    hooks.readings_committed(stored)
    return BatchResult(
        outcomes=outcomes,
        stored=len(stored),
        duplicates=sum(o.duplicates for o in outcomes),
        dead_letters=dead,
        rules_ok=rules_ok,
    )


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _binary_cursor():
    """A cursor on Django's PostgreSQL connection (so in its transaction) that sends parameters bound
    and binary: Django's client-side binding would spell out a batch's arrays as SQL text, which
    costs three times as long for 15,000 readings (docs/benchmarks.md)."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def insert_readings(rows: dict[int, tuple]) -> list[int]:
    """Insert readings keyed by observation id, skipping ids already stored; the ids inserted."""
    ids = sorted(rows)
    if connection.vendor == "postgresql":
        sql = (
            f"INSERT INTO {_table(Reading)} (id, datastream_id, time, value) "
            f"SELECT u.id, u.id >> {TIME_BITS}, %b::timestamptz + (u.id & {(1 << TIME_BITS) - 1}) "
            "* INTERVAL '1 millisecond', u.v FROM unnest(%b::bigint[], %b::float8[]) AS u(id, v) "
            "ON CONFLICT (id) DO NOTHING RETURNING id"
        )
        # Errors as Django's (the worker retries a batch on OperationalError, for one).
        with connection.wrap_database_errors, _binary_cursor() as cur:
            cur.execute(sql, [OBSERVATION_EPOCH, ids, [rows[i][1] for i in ids]], binary=True)
            return [r[0] for r in cur.fetchall()]
    adapt = connection.ops.adapt_datetimefield_value
    inserted = []
    with connection.cursor() as cur:
        for start in range(0, len(ids), SQLITE_ROWS):
            chunk = ids[start : start + SQLITE_ROWS]
            params = []
            for i in chunk:
                ds, value = rows[i][0], rows[i][1]
                when = OBSERVATION_EPOCH + timedelta(milliseconds=i & ((1 << TIME_BITS) - 1))
                params += [i, ds, adapt(when), value]
            values = ",".join(["(%s,%s,%s,%s)"] * len(chunk))
            cur.execute(
                f"INSERT OR IGNORE INTO {_table(Reading)} (id, datastream_id, time, value) "
                f"VALUES {values} RETURNING id",
                params,
            )
            inserted += [r[0] for r in cur.fetchall()]
    return inserted


def _update_datastreams(stored: list[StoredReading]) -> None:
    """First and last time, last value, and the rollup re-roll mark of each stream: one statement."""
    spans: dict[int, list] = {}
    for r in stored:
        span = spans.get(r.datastream_id)
        if span is None:
            spans[r.datastream_id] = [r.time, r.time, r.value]
        elif r.time < span[0]:
            span[0] = r.time
        elif r.time > span[1]:
            span[1], span[2] = r.time, r.value
    if not spans:
        return
    ids = sorted(spans)
    firsts = [spans[i][0] for i in ids]
    lasts = [spans[i][1] for i in ids]
    values = [spans[i][2] for i in ids]
    assign = (
        "first_time = CASE WHEN d.first_time IS NULL OR d.first_time > u.f THEN u.f ELSE d.first_time END, "
        "last_value = CASE WHEN d.last_time IS NULL OR d.last_time < u.l THEN u.v ELSE d.last_value END, "
        "last_time = CASE WHEN d.last_time IS NULL OR d.last_time < u.l THEN u.l ELSE d.last_time END, "
        # A reading older than what the rollups already cover makes them re-roll from its time on.
        "rollup_dirty_from = CASE WHEN d.rolled_until IS NULL OR u.f >= d.rolled_until "
        "THEN d.rollup_dirty_from WHEN d.rollup_dirty_from IS NULL OR u.f < d.rollup_dirty_from "
        "THEN u.f ELSE d.rollup_dirty_from END"
    )
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"UPDATE {_table(Datastream)} AS d SET {assign} FROM unnest(%s::bigint[], "
                "%s::timestamptz[], %s::timestamptz[], %s::float8[]) AS u(id, f, l, v) WHERE d.id = u.id",
                [ids, firsts, lasts, values],
            )
            return
        adapt = connection.ops.adapt_datetimefield_value
        for start in range(0, len(ids), SQLITE_ROWS):
            chunk = range(start, min(start + SQLITE_ROWS, len(ids)))
            params = [x for k in chunk for x in (ids[k], adapt(firsts[k]), adapt(lasts[k]), values[k])]
            rows_sql = ",".join(["(%s,%s,%s,%s)"] * len(chunk))
            cur.execute(
                f"UPDATE {_table(Datastream)} AS d SET {assign} FROM (SELECT column1 AS id, column2 AS f, "
                f"column3 AS l, column4 AS v FROM (VALUES {rows_sql})) AS u WHERE d.id = u.id",
                params,
            )


def _update_devices(device_ids: set[int], now: datetime) -> None:
    """A device that sent readings is online and was last seen now (once per batch, not per reading)."""
    if not device_ids:
        return
    Device.objects.filter(id__in=sorted(device_ids)).update(
        last_seen_at=now, connectivity=Connectivity.ONLINE
    )


def _dead_letters(messages: list[Message], parsed: list[Parsed], outcomes: list[Outcome]) -> int:
    """One dead letter per refused message, or per refused record of a batch (its index in the detail)."""
    limit = Limits.from_settings().max_bytes
    letters = []
    for message, p in zip(messages, parsed, strict=True):
        client = message.device_code or (
            p.device.code if p.device else topic_device_code(message.topic) or ""
        )
        base = {
            "source": message.source,
            "topic": message.topic[:300],
            "client": client[:100],
            "device_id": p.device.id if p.device else None,
        }
        if p.whole is not None:
            letters.append(_letter(base, p.whole.reason, p.whole.detail, message.payload, limit))
            continue
        by_record: dict[int, list[Rejection]] = {}
        for rejection in p.rejections:
            by_record.setdefault(rejection.index, []).append(rejection)
        for index, rejections in by_record.items():
            detail = f"record {index} of {p.records}: " + "; ".join(r.detail for r in rejections)
            record = json.dumps(rejections[0].record, ensure_ascii=False).encode()
            letters.append(_letter(base, rejections[0].reason, detail, record, limit))
    DeadLetter.objects.bulk_create(letters)
    return len(letters)


def _letter(base: dict, reason: str, detail: str, payload: bytes, limit: int) -> DeadLetter:
    return DeadLetter(
        **base,
        reason=reason,
        detail=detail.replace("\x00", "\\0"),
        payload=payload[:limit],
        payload_size=len(payload),
    )
