"""Every way a message is read or refused, with the dead letter each refusal leaves."""

import json
from datetime import timedelta

import pytest

from cityops.iot.choices import DeadLetterReason as R
from cityops.iot.choices import DeviceStatus
from cityops.iot.ingest import Limits, parse_message, topic_device_code
from cityops.iot.models import OBSERVATION_EPOCH, DeadLetter, Device, Reading
from tests.iot.ingest.conftest import NOW, ms

LIMITS = Limits(max_bytes=1024, future_ms=300_000, past_ms=30 * 86_400_000)


def _parse(body: bytes, code="AIR-G1", **kw):
    return parse_message(
        payload=body, topic=f"cityops/v1/devices/{code}/telemetry", received_ms=ms(NOW), limits=LIMITS, **kw
    )


def _only_letter():
    [letter] = DeadLetter.objects.all()
    return letter


def test_topics():
    assert topic_device_code("cityops/v1/devices/AIR-G1/telemetry") == "AIR-G1"
    for bad in ("cityops/v1/devices//telemetry", "cityops/v1/devices/a/b/telemetry", "x/AIR-G1/telemetry"):
        assert topic_device_code(bad) is None


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        ("2026-11-24T09:00:00+08:00", NOW),
        ("2026-11-24T01:00:00Z", NOW),
        ("2026-11-24T08:59:59.1234+08:00", NOW - timedelta(milliseconds=877)),
        (ms(NOW) - 5, NOW - timedelta(milliseconds=5)),
        (None, NOW),
    ],
)
def test_timestamp_forms(iot_devices, ts, expected):
    record = {"values": {"pm25": 1}} if ts is None else {"ts": ts, "values": {"pm25": 1}}
    parsed = _parse(json.dumps(record).encode())
    [(_, obs_ms, _)] = parsed.readings
    assert obs_ms == ms(expected) - ms(OBSERVATION_EPOCH)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (35.2, 35.2),
        (61, 61.0),
        (True, 1.0),
        (False, 0.0),
        ({"value": 3.5, "unit": "µg/m³"}, 3.5),
        ({"value": 4}, 4.0),
    ],
)
def test_value_forms(iot_devices, send, value, stored):
    assert send("AIR-G1", {"values": {"pm25": value}}).stored == 1
    assert Reading.objects.get().value == stored


WHOLE = [
    ("malformed JSON", "AIR-G1", b'{"values": {"pm25": 1}', R.MALFORMED, "not UTF-8 JSON"),
    ("not UTF-8", "AIR-G1", b'{"values": {"pm25": "\xff"}}', R.MALFORMED, "not UTF-8 JSON"),
    ("NaN literal", "AIR-G1", b'{"values": {"pm25": NaN}}', R.MALFORMED, "NaN is not a number JSON allows"),
    ("empty batch", "AIR-G1", b"[]", R.MALFORMED, "an empty batch"),
    (
        "unknown device",
        "NOPE-1",
        b'{"values": {"pm25": 1}}',
        R.UNKNOWN_DEVICE,
        "no device has the code 'NOPE-1'",
    ),
]


@pytest.mark.parametrize(("case", "code", "body", "reason", "detail"), WHOLE, ids=[w[0] for w in WHOLE])
def test_whole_message_refusals(iot_devices, send, case, code, body, reason, detail):
    result = send(code, body)
    assert result.stored == 0 and result.outcomes[0].whole.reason == reason
    letter = _only_letter()
    assert (letter.reason, letter.source, letter.client) == (reason, "mqtt", code)
    assert detail in letter.detail
    assert bytes(letter.payload) == body and letter.payload_size == len(body)
    assert Reading.objects.count() == 0


def test_oversized_message_is_kept_cut_at_the_limit(iot_devices, send, settings):
    settings.CITYOPS_IOT_MAX_MESSAGE_BYTES = 2048
    body = b'{"values": {"pm25": 1}, "pad": "' + b"x" * 3000 + b'"}'
    result = send("AIR-G1", body)
    assert result.outcomes[0].whole.reason == R.OVERSIZED
    letter = _only_letter()
    assert (
        letter.reason == R.OVERSIZED
        and letter.payload_size == len(body)
        and len(bytes(letter.payload)) == 2048
    )
    assert letter.detail == f"{len(body):,} bytes; the limit is 2,048"


def test_retired_device(iot_devices, send):
    Device.objects.filter(code="AIR-G5").update(status=DeviceStatus.RETIRED)
    result = send("AIR-G5", {"values": {"pm25": 1}})
    assert result.outcomes[0].whole.reason == R.INACTIVE_DEVICE
    letter = _only_letter()
    assert letter.device_id == iot_devices["AIR-G5"].id and letter.detail == "device AIR-G5 is retired"


def test_topic_that_is_not_a_telemetry_topic(iot_devices, send):
    result = send("AIR-G1", {"values": {"pm25": 1}}, topic="cityops/v1/devices/AIR-G1/other")
    assert result.outcomes[0].whole.reason == R.MALFORMED
    assert "is not cityops/v1/devices/<device code>/telemetry" in _only_letter().detail


def test_payload_naming_another_device(iot_devices, send):
    result = send("AIR-G1", {"device": "AIR-G5", "values": {"pm25": 1}})
    [rejection] = result.outcomes[0].rejected
    assert rejection.reason == R.WRONG_TOPIC
    assert _only_letter().detail == "record 0 of 1: the record names device 'AIR-G5' but came from AIR-G1"
    assert send("AIR-G1", {"device": "AIR-G1", "values": {"pm25": 1}}).stored == 1


def test_authenticated_device_publishing_on_another_topic(iot_devices):
    parsed = _parse(b'{"values": {"pm25": 1}}', code="AIR-G5", device_code="AIR-G1")
    assert parsed.whole.reason == R.WRONG_TOPIC and parsed.readings == []


RECORD = [
    (
        "quantity of another type",
        {"values": {"water_level": 1}},
        R.UNKNOWN_QUANTITY,
        "'water_level' is not measured by this device's type",
    ),
    (
        "wrong unit",
        {"values": {"pm25": {"value": 1, "unit": "mg/m³"}}},
        R.UNIT,
        "pm25: unit 'mg/m³' is not 'µg/m³'",
    ),
    ("below range", {"values": {"pm25": -0.5}}, R.OUT_OF_RANGE, "pm25: -0.5 is below the lowest valid 0"),
    (
        "above range",
        {"values": {"pm25": 1000.5}},
        R.OUT_OF_RANGE,
        "pm25: 1000.5 is above the highest valid 1000",
    ),
    ("string value", {"values": {"pm25": "12"}}, R.MALFORMED, "pm25: '12' is not a number"),
    ("null value", {"values": {"pm25": None}}, R.MALFORMED, "pm25: None is not a number"),
    ("huge integer", {"values": {"pm25": 10**400}}, R.MALFORMED, "is not a finite number"),
    ("no values", {"ts": ms(NOW)}, R.MALFORMED, "values must be a non-empty object"),
    ("empty values", {"values": {}}, R.MALFORMED, "values must be a non-empty object"),
    ("naive ts", {"ts": "2026-11-24T09:00:00", "values": {"pm25": 1}}, R.MALFORMED, "has no UTC offset"),
    ("float ts", {"ts": 1.5, "values": {"pm25": 1}}, R.MALFORMED, "ts: must be ISO 8601"),
    ("future", {"ts": ms(NOW) + 301_000, "values": {"pm25": 1}}, R.TIME, "outside the accepted window"),
    (
        "past",
        {"ts": ms(NOW - timedelta(days=30, seconds=1)), "values": {"pm25": 1}},
        R.TIME,
        "outside the accepted window",
    ),
]


@pytest.mark.parametrize(("case", "record", "reason", "detail"), RECORD, ids=[r[0] for r in RECORD])
def test_record_refusals(iot_devices, send, case, record, reason, detail):
    result = send("AIR-G1", record)
    assert result.stored == 0
    [rejection] = result.outcomes[0].rejected
    assert rejection.index == 0 and rejection.reason == reason
    letter = _only_letter()
    assert letter.reason == reason and detail in letter.detail and letter.detail.startswith("record 0 of 1: ")
    assert Reading.objects.count() == 0


def test_window_edges_are_accepted(iot_devices, send):
    body = [
        {"ts": ms(NOW) + 300_000, "values": {"pm25": 1}},
        {"ts": ms(NOW - timedelta(days=30)), "values": {"pm25": 2}},
    ]
    assert send("AIR-G1", body).stored == 2


def test_time_window_follows_settings(iot_devices, send, settings):
    settings.CITYOPS_IOT_MAX_FUTURE_SECONDS = 0
    settings.CITYOPS_IOT_MAX_PAST_DAYS = 1
    result = send(
        "AIR-G1",
        [
            {"ts": ms(NOW) + 1, "values": {"pm25": 1}},
            {"ts": ms(NOW - timedelta(days=2)), "values": {"pm25": 1}},
        ],
    )
    assert [r.reason for r in result.outcomes[0].rejected] == [R.TIME, R.TIME]
