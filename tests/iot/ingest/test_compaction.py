"""Compaction, rollups and retention: every query answers the same before and after."""

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from cityops.iot.choices import Grain
from cityops.iot.compaction import compact_all
from cityops.iot.models import Datastream, DeviceType, Reading, ReadingBlock, Rollup, observation_id
from cityops.iot.readings import aggregate, observations, series
from cityops.iot.store import Message, ingest_messages
from tests.iot.ingest.conftest import NOW, ms, payload

START = NOW - timedelta(days=3)
LATER = NOW + timedelta(days=10)  # raw_days is 7: everything sent before NOW is then compacted


def _feed(code, readings, received):
    """Send (time, {quantity: value}) readings as one batch received at ``received``."""
    body = [{"ts": ms(t), "values": values} for t, values in readings]
    message = Message(
        payload=payload(body), topic=f"cityops/v1/devices/{code}/telemetry", received_ms=ms(received)
    )
    result = ingest_messages(messages=[message], now=received)
    assert result.dead_letters == 0
    return result


@pytest.fixture
def history(iot_devices, rules_calls):
    """Three days of irregular water levels (2 decimals, some arbitrary floats) and of PM2.5."""
    rng = random.Random(3)
    water, air, t = [], [], START
    while t < NOW:
        level = round(rng.uniform(-4.99, 29.99), 2) if rng.random() < 0.8 else rng.uniform(-5, 30)
        water.append((t, {"water_level": level}))
        air.append((t + timedelta(milliseconds=rng.randrange(1000)), {"pm25": round(rng.uniform(0, 300), 1)}))
        t += timedelta(seconds=rng.choice([30, 60, 61, 300, 419]))
    _feed("WL-G2", water, NOW)
    _feed("AIR-G1", air, NOW)
    return {
        "water": Datastream.objects.get(device__code="WL-G2"),
        "air": Datastream.objects.get(device__code="AIR-G1", quantity__code="pm25"),
        "count": len(water),
    }


def _answers(streams):
    ids = [s.id for s in streams]
    windows = [(START, NOW), (START + timedelta(hours=5, minutes=7), START + timedelta(hours=29, seconds=1))]
    pages, after = [], None
    while True:
        page = list(observations(ids, start=START + timedelta(hours=1), limit=500, after_id=after))
        if not page:
            break
        pages.extend(page)
        after = page[-1][0]
    return {
        "series": [series(s, a, b) for s in streams for a, b in windows],
        "aggregates": [aggregate(s, a, b, g) for s in streams for a, b in windows for g in Grain],
        "observations": list(observations(ids)),
        "descending": list(observations(ids, descending=True, limit=1000)),
        "paged": pages,
    }


def test_answers_identical_after_compaction(history):
    streams = [history["water"], history["air"]]
    before = _answers(streams)
    assert len(before["observations"]) == 2 * history["count"]
    assert before["paged"] == [o for o in before["observations"] if o[2] >= START + timedelta(hours=1)]
    assert before["descending"] == before["observations"][::-1][:1000]
    stats = compact_all(now=LATER)
    assert stats.readings_moved == 2 * history["count"] and Reading.objects.count() == 0
    assert ReadingBlock.objects.filter(datastream=history["water"]).count() == 72
    assert stats.rollups_written == Rollup.objects.count() > 0
    after = _answers(streams)
    for key in before:
        assert after[key] == before[key], key
    again = compact_all(now=LATER)
    assert again.readings_moved == 0 and _answers(streams) == before


def test_rollups_hold_min_max_sum_count_per_local_day(history):
    compact_all(now=LATER)
    water = history["water"]
    rows = Rollup.objects.filter(datastream=water, grain=Grain.DAY).order_by("start")
    assert [r.start.astimezone(ZoneInfo("Asia/Shanghai")).hour for r in rows] == [0] * len(rows)
    values = [v for _, v in series(water, START, NOW)]
    assert sum(r.count for r in Rollup.objects.filter(datastream=water, grain=Grain.MINUTE)) == len(values)
    assert sum(r.count for r in rows) == len(values)
    assert min(r.min for r in rows) == min(values) and max(r.max for r in rows) == max(values)
    hours = aggregate(water, START, NOW, Grain.HOUR)
    assert [(b.start, b.count, b.sum) for b in hours] == [
        (r.start, r.count, r.sum)
        for r in Rollup.objects.filter(datastream=water, grain=Grain.HOUR).order_by("start")
    ]


def test_late_reading_is_merged_into_its_block_and_re_rolled(history):
    water = history["water"]
    compact_all(now=LATER)
    late_time = START + timedelta(hours=10, minutes=0, seconds=0, milliseconds=123)
    day = (late_time - timedelta(hours=1), late_time + timedelta(hours=1))
    before_hours = aggregate(water, *day, Grain.HOUR)
    _feed("WL-G2", [(late_time, {"water_level": 29.5})], LATER)
    water.refresh_from_db()
    assert water.rollup_dirty_from == late_time
    assert (late_time, 29.5) in series(water, *day)
    now_hours = aggregate(water, *day, Grain.HOUR)  # the stale rollups are not trusted
    changed = [b for b in now_hours if b.start <= late_time < b.start + timedelta(hours=1)][0]
    old = [b for b in before_hours if b.start == changed.start][0]
    assert (changed.count, changed.max) == (old.count + 1, 29.5)
    answers = _answers([water])
    assert Reading.objects.filter(datastream=water).count() == 1
    compact_all(now=LATER)
    water.refresh_from_db()
    assert water.rollup_dirty_from is None and Reading.objects.count() == 0
    assert _answers([water]) == answers
    hour_row = Rollup.objects.get(datastream=water, grain=Grain.HOUR, start=changed.start)
    assert (hour_row.count, hour_row.max) == (changed.count, 29.5)
    block = ReadingBlock.objects.get(
        datastream=water, start=late_time.replace(minute=0, second=0, microsecond=0)
    )
    assert observation_id(water.id, late_time) in [o[0] for o in observations([water.id])]
    assert block.count == len(series(water, block.start, block.start + timedelta(hours=1)))


def test_late_duplicate_of_a_compacted_reading_keeps_the_first_value(history):
    water = history["water"]
    first_time, first_value = series(water, START, NOW)[0]
    compact_all(now=LATER)
    _feed("WL-G2", [(first_time, {"water_level": first_value + 1})], LATER)
    assert series(water, START, NOW)[0] == (first_time, first_value)
    compact_all(now=LATER)
    assert series(water, START, NOW)[0] == (first_time, first_value)


def test_retention_per_tier_and_device_type(history):
    water = history["water"]
    hours_before = aggregate(water, START, NOW, Grain.HOUR)
    DeviceType.objects.filter(code="water").update(block_days=2, minute_days=1, hour_days=30, day_days=0)
    stats = compact_all(now=NOW + timedelta(days=10))
    assert ReadingBlock.objects.filter(datastream=water).count() == 0
    assert ReadingBlock.objects.filter(datastream=history["air"]).count() == 72  # the air type keeps 365 days
    assert stats.deleted["blocks"] == 72 and stats.deleted["rollups_minute"] > 0
    assert not Rollup.objects.filter(datastream=water, grain=Grain.MINUTE).exists()
    assert Rollup.objects.filter(datastream=history["air"], grain=Grain.MINUTE).exists()
    assert series(water, START, NOW) == []
    assert aggregate(water, START, NOW, Grain.HOUR) == hours_before  # the hourly rollups answer alone
    assert aggregate(water, START, NOW, Grain.MINUTE) == []


def test_compaction_leaves_recent_readings_raw(history):
    stats = compact_all(now=NOW + timedelta(days=5, hours=12))  # raw_days 7: cutoff 1.5 days into the history
    assert 0 < stats.readings_moved < 2 * history["count"]
    cutoff = NOW - timedelta(days=1, hours=12)
    assert not Reading.objects.filter(time__lt=cutoff).exists()
    assert not ReadingBlock.objects.filter(start__gte=cutoff).exists()


def test_command(history):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("iot-compact", "--now", LATER.isoformat(), stdout=out)
    assert out.getvalue().startswith(f"moved {2 * history['count']:,} readings into 144 blocks")
