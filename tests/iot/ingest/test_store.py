"""Storing readings: ids, duplicates, partial batches, the datastream and device updates, the rules hook."""

from datetime import timedelta

import pytest

from cityops.iot.choices import Connectivity, DeadLetterReason
from cityops.iot.models import Datastream, DeadLetter, Device, Reading, observation_id
from cityops.iot.store import Message, ingest_messages
from tests.iot.ingest.conftest import NOW, ms, payload


def _stream(device, code):
    return Datastream.objects.get(device=device, quantity__code=code)


def test_one_record_stored_with_observation_ids(iot_devices, send, rules_calls):
    result = send("AIR-G1", {"ts": "2026-11-24T08:59:00+08:00", "values": {"pm25": 35.2, "pm10": 61}})
    assert (result.stored, result.duplicates, result.dead_letters) == (2, 0, 0)
    pm25 = _stream(iot_devices["AIR-G1"], "pm25")
    when = NOW - timedelta(minutes=1)
    reading = Reading.objects.get(datastream=pm25)
    assert reading.id == observation_id(pm25.id, when) and reading.time == when and reading.value == 35.2
    pm25.refresh_from_db()
    assert (pm25.first_time, pm25.last_time, pm25.last_value) == (when, when, 35.2)
    device = Device.objects.get(code="AIR-G1")
    assert device.last_seen_at == NOW and device.connectivity == Connectivity.ONLINE
    [(stored, now)] = rules_calls
    assert now == NOW
    assert sorted((r.quantity_code, r.value) for r in stored) == [("pm10", 61.0), ("pm25", 35.2)]
    assert {r.device_id for r in stored} == {iot_devices["AIR-G1"].id}


def test_duplicates_stored_once_and_not_passed_to_rules(iot_devices, send, rules_calls):
    body = [{"ts": ms(NOW) - 1000, "values": {"pm25": 10}}, {"ts": ms(NOW) - 1000, "values": {"pm25": 11}}]
    first = send("AIR-G1", body)
    assert (first.stored, first.duplicates) == (1, 1)
    again = send("AIR-G1", {"ts": ms(NOW) - 1000, "values": {"pm25": 12, "pm10": 5}})
    assert (again.stored, again.duplicates) == (1, 1)
    assert list(
        Reading.objects.filter(datastream=_stream(iot_devices["AIR-G1"], "pm25")).values_list(
            "value", flat=True
        )
    ) == [10.0]
    assert [r.quantity_code for r in rules_calls[1][0]] == ["pm10"]
    assert DeadLetter.objects.count() == 0


def test_partial_batch_stores_good_records_and_dead_letters_each_bad_one(iot_devices, send):
    body = [
        {"ts": ms(NOW) - 3000, "values": {"pm25": 1}},
        {"ts": "yesterday", "values": {"pm25": 2}},
        {"ts": ms(NOW) - 1000, "values": {"pm25": 3, "pm10": 2000, "o3": 4}},
        "not an object",
    ]
    result = send("AIR-G1", body)
    assert (result.stored, result.dead_letters) == (2, 3)
    outcome = result.outcomes[0]
    assert [(r.index, r.reason) for r in outcome.rejected] == [
        (1, DeadLetterReason.MALFORMED),
        (2, DeadLetterReason.OUT_OF_RANGE),
        (2, DeadLetterReason.UNKNOWN_QUANTITY),
        (3, DeadLetterReason.MALFORMED),
    ]
    letters = {d.detail.split(":")[0]: d for d in DeadLetter.objects.all()}
    assert set(letters) == {"record 1 of 4", "record 2 of 4", "record 3 of 4"}
    two = letters["record 2 of 4"]
    assert (
        two.reason == DeadLetterReason.OUT_OF_RANGE
        and "pm10: 2000 is above the highest valid 1000" in two.detail
    )
    assert "'o3' is not measured" in two.detail
    assert bytes(two.payload) == payload(body[2]) and two.device_id == iot_devices["AIR-G1"].id
    assert sorted(Reading.objects.values_list("value", flat=True)) == [1.0, 3.0]


def test_last_value_follows_the_latest_time_not_the_arrival(iot_devices, send):
    send("AIR-G1", {"ts": ms(NOW) - 1000, "values": {"pm25": 5}})
    send("AIR-G1", {"ts": ms(NOW) - 60_000, "values": {"pm25": 9}})
    stream = _stream(iot_devices["AIR-G1"], "pm25")
    assert stream.last_value == 5.0 and stream.last_time == NOW - timedelta(seconds=1)
    assert stream.first_time == NOW - timedelta(minutes=1)


def test_missing_datastreams_are_created_on_first_use(iot_devices, send):
    Datastream.objects.filter(device=iot_devices["WL-G2"]).delete()
    result = send("WL-G2", {"values": {"water_level": 2.5}})
    assert result.stored == 1
    stream = _stream(iot_devices["WL-G2"], "water_level")
    assert stream.last_value == 2.5 and stream.last_time == NOW


def test_a_batch_of_messages_is_one_call_with_outcomes_per_message(iot_devices, rules_calls):
    messages = [
        Message(
            payload=payload({"values": {"pm25": i}}),
            topic=f"cityops/v1/devices/{code}/telemetry",
            received_ms=ms(NOW) + i,
        )
        for i, code in enumerate(["AIR-G1", "AIR-G5", "NOPE", "AIR-G1"])
    ]
    result = ingest_messages(messages=messages, now=NOW)
    assert [(o.stored, o.whole.reason if o.whole else None) for o in result.outcomes] == [
        (1, None),
        (1, None),
        (0, DeadLetterReason.UNKNOWN_DEVICE),
        (1, None),
    ]
    assert len(rules_calls) == 1 and len(rules_calls[0][0]) == 3


def test_a_failing_rule_loses_no_reading(iot_devices, monkeypatch, caplog):
    from cityops.iot import hooks

    def broken(stored, now):
        Device.objects.filter(code="AIR-G1").update(name="changed by the rule")
        raise RuntimeError("rule bug")

    monkeypatch.setattr(hooks, "_load", lambda: broken)
    message = Message(payload=payload({"values": {"pm25": 7}}), topic="cityops/v1/devices/AIR-G1/telemetry")
    result = ingest_messages(messages=[message])
    assert result.stored == 1 and result.rules_ok is False
    assert Reading.objects.count() == 1
    assert Device.objects.get(code="AIR-G1").name == "AIR-G1"  # the rule's savepoint was rolled back
    assert "rule evaluation failed" in caplog.text


@pytest.mark.django_db
def test_the_real_rules_module_is_found_when_it_exists():
    from cityops.iot import hooks

    hooks.reset()
    evaluate = hooks._load()
    try:
        from cityops.iot import rules
    except ImportError:
        assert evaluate is None
    else:
        assert evaluate is getattr(rules, "evaluate_readings", None)
