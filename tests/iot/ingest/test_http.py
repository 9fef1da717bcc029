"""POST /api/v1/iot/telemetry: HTTP Basic with the device's code and secret, 202 with counts, problems."""

import base64
import json
from unittest import mock

import pytest

from cityops.iot.choices import DeadLetterReason, DeviceStatus
from cityops.iot.credentials import device_secret_issue
from cityops.iot.models import DeadLetter, Device, Reading
from tests.iot.ingest.conftest import NOW, ms

URL = "/api/v1/iot/telemetry"


@pytest.fixture
def secret(iot_devices):
    return device_secret_issue(device=iot_devices["AIR-G1"])


def _post(client, body, code="AIR-G1", secret="", raw=False):
    data = body if raw else json.dumps(body)
    token = base64.b64encode(f"{code}:{secret}".encode()).decode()
    return client.post(URL, data=data, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {token}")


def test_accepted_with_counts(client, secret, rules_calls):
    body = [{"values": {"pm25": 12.5, "pm10": 30}}, {"ts": "2020-01-01T00:00:00Z", "values": {"pm25": 1}}]
    resp = _post(client, body, secret=secret)
    assert resp.status_code == 202
    answer = resp.json()
    assert answer["stored"] == 2 and answer["duplicates"] == 0
    [rejected] = answer["rejected"]
    assert rejected["index"] == 1 and rejected["reason"] == "time"
    assert Reading.objects.count() == 2
    letter = DeadLetter.objects.get()
    assert (letter.source, letter.client, letter.reason) == ("http", "AIR-G1", DeadLetterReason.TIME)


def test_duplicates_counted(client, secret, rules_calls):
    body = {"ts": "2026-11-24T09:00:00+08:00", "values": {"pm25": 12.5}}
    with mock.patch("cityops.iot.store.now_ms", return_value=ms(NOW)):  # received when it was sent
        assert _post(client, body, secret=secret).json() == {"stored": 1, "duplicates": 0, "rejected": []}
        assert _post(client, body, secret=secret).json() == {"stored": 0, "duplicates": 1, "rejected": []}


@pytest.mark.parametrize(
    "auth",
    [None, "Bearer x", "Basic !!!", "Basic " + base64.b64encode(b"AIR-G1").decode()],
)
def test_missing_or_garbled_credentials_401(client, secret, auth):
    kwargs = {"HTTP_AUTHORIZATION": auth} if auth else {}
    resp = client.post(URL, data="{}", content_type="application/json", **kwargs)
    assert resp.status_code == 401
    assert resp["WWW-Authenticate"].startswith('Basic realm="cityops devices"')
    assert resp["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("code", "which"), [("AIR-G1", "wrong secret"), ("AIR-G5", "no secret issued"), ("NOPE", "unknown")]
)
def test_wrong_credentials_401_and_nothing_written(client, secret, code, which):
    resp = _post(
        client, {"values": {"pm25": 1}}, code=code, secret="x" + secret if which != "unknown" else secret
    )
    assert resp.status_code == 401 and "WWW-Authenticate" in resp
    assert Reading.objects.count() == 0 and DeadLetter.objects.count() == 0


def test_malformed_400(client, secret):
    resp = _post(client, '{"values": ', secret=secret, raw=True)
    assert resp.status_code == 400
    assert resp.json()["title"] == "Malformed message" and "not UTF-8 JSON" in resp.json()["detail"]
    assert DeadLetter.objects.get().reason == DeadLetterReason.MALFORMED


def test_oversized_413(client, secret, settings):
    settings.CITYOPS_IOT_MAX_MESSAGE_BYTES = 1024
    resp = _post(client, {"values": {"pm25": 1}, "pad": "x" * 2000}, secret=secret)
    assert resp.status_code == 413
    assert DeadLetter.objects.get().reason == DeadLetterReason.OVERSIZED


def test_nothing_storable_422(client, secret):
    resp = _post(client, [{"values": {"pm25": -1}}, {"values": {"o3": 1}}], secret=secret)
    assert resp.status_code == 422
    problem = resp.json()
    assert problem["detail"] == "No reading of the message could be stored."
    assert [e["field"] for e in problem["errors"]] == ["[0]", "[1]"]
    assert problem["errors"][0]["message"] == "out_of_range: pm25: -1 is below the lowest valid 0"
    assert DeadLetter.objects.count() == 2 and Reading.objects.count() == 0


def test_payload_for_another_device_422(client, secret):
    resp = _post(client, {"device": "AIR-G5", "values": {"pm25": 1}}, secret=secret)
    assert resp.status_code == 422
    assert DeadLetter.objects.get().reason == DeadLetterReason.WRONG_TOPIC


def test_retired_device_403(client, secret):
    Device.objects.filter(code="AIR-G1").update(status=DeviceStatus.RETIRED)
    resp = _post(client, {"values": {"pm25": 1}}, secret=secret)
    assert resp.status_code == 403
    assert DeadLetter.objects.get().reason == DeadLetterReason.INACTIVE_DEVICE
