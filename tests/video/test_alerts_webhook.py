"""The analytics webhook: signature (good, forged, stale, missing), idempotency, the replay window,
unknown channels and kinds, sizes and snapshots; every refusal a problem document naming the cause."""

import json
import time

import pytest

from cityops.cases.models import Case
from cityops.video.models import Alert
from cityops.video.signing import sign
from tests.video.alerting import KEY, alerting_fixture, b64, event, jpeg, post  # noqa: F401

pytestmark = pytest.mark.django_db


def problem_of(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def test_a_signed_alert_is_stored_and_opens_a_case(client, alerting):
    response = post(client, event(alerting["cook"]))
    assert response.status_code == 201, response.content
    body = response.json()
    alert = Alert.objects.get()
    case = Case.objects.get()
    assert body["id"] == alert.pk and body["status"] == "case_opened" and body["case_number"] == case.number
    assert (alert.channel, alert.kind.code, alert.confidence) == (alerting["cook"], "no_hat", 0.9)
    assert (case.channel, case.item.code, case.lon, case.lat) == (
        "video",
        "SJ090302",
        alerting["cook"].lon,
        alerting["cook"].lat,
    )
    assert "未戴厨师帽" in case.description and alerting["cook"].gb_id in case.description
    assert "90%" in case.description and "2026-03-02 09:15:00" in case.description


def test_the_same_event_twice_is_one_alert_and_one_case(client, alerting):
    first = post(client, event(alerting["cook"]))
    again = post(client, event(alerting["cook"]))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Alert.objects.count() == 1 and Case.objects.count() == 1


def test_a_forged_signature_is_refused(client, alerting):
    response = post(client, event(alerting["cook"]), key="not-the-key")
    body = problem_of(response, 401)
    assert body["detail"] == "The signature does not match the body under the shared key."
    assert not Alert.objects.exists()


def test_a_body_changed_after_signing_is_refused(client, alerting):
    data = json.dumps(event(alerting["cook"])).encode()
    header = sign(KEY, data, int(time.time()))
    tampered = data.replace(b"0.9", b"1.0")
    assert problem_of(post(client, None, raw=tampered, header=header), 401)["detail"].startswith(
        "The signature does not match"
    )
    assert not Alert.objects.exists()


def test_a_missing_or_malformed_signature_is_refused(client, alerting):
    body = problem_of(post(client, event(alerting["cook"]), header=False), 401)
    assert body["detail"] == "The request has no X-Cityops-Signature header."
    body = problem_of(post(client, event(alerting["cook"]), header="sha256=abc"), 401)
    assert body["detail"] == "The X-Cityops-Signature header must read t=<unix seconds>,v1=<hex HMAC-SHA256>."
    assert not Alert.objects.exists()


@pytest.mark.parametrize("offset", [-310, 310])  # clear of the 300 s edge: whole seconds here
def test_a_stale_or_future_signature_is_refused(client, alerting, offset):
    response = post(client, event(alerting["cook"]), t=int(time.time()) + offset)
    detail = problem_of(response, 401)["detail"]
    assert "at most 300 s is accepted (a replayed or delayed request)" in detail
    assert not Alert.objects.exists()


def test_a_replay_inside_the_window_is_answered_from_the_stored_alert(client, alerting):
    data = json.dumps(event(alerting["cook"])).encode()
    header = sign(KEY, data, int(time.time()) - 200)  # captured, sent again 200 s later
    first = post(client, None, raw=data, header=header)
    replay = post(client, None, raw=data, header=header)
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json()["id"] == first.json()["id"]
    assert Alert.objects.count() == 1 and Case.objects.count() == 1


def test_several_v1_values_while_the_key_changes(client, alerting):
    data = json.dumps(event(alerting["cook"])).encode()
    t = int(time.time())
    old = sign("old-key", data, t).split(",")[1]
    header = f"{sign(KEY, data, t)},{old}"
    assert post(client, None, raw=data, header=header).status_code == 201


def test_no_key_configured_is_503(client, alerting, settings):
    settings.CITYOPS_VIDEO_WEBHOOK_KEY = ""
    body = problem_of(post(client, event(alerting["cook"])), 503)
    assert "No webhook key is configured (CITYOPS_VIDEO_WEBHOOK_KEY)" in body["detail"]


def test_an_unknown_channel_is_422_naming_it_and_not_stored(client, alerting):
    body = problem_of(post(client, event("44190000001327999999")), 422)
    assert body["detail"] == (
        "there is no channel with GB/T 28181 ID 44190000001327999999; the alert was not stored"
    )
    assert body["errors"][0]["field"] == "channel"
    assert not Alert.objects.exists()


def test_an_unknown_kind_is_stored_without_a_case(client, alerting):
    response = post(client, event(alerting["g1a"], kind="unicorn"))
    assert response.status_code == 201
    alert = Alert.objects.get()
    assert (alert.status, alert.kind, alert.kind_code) == ("no_case", None, "unicorn")
    assert alert.note == "未知的告警类型 unicorn，已保存，未立案"
    assert not Case.objects.exists()


def test_below_the_kinds_confidence_no_case(client, alerting):
    post(client, event(alerting["cook"], confidence=0.3))
    alert = Alert.objects.get()
    assert (alert.status, alert.note) == ("no_case", "置信度 0.30 低于立案阈值 0.60")
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"confidence": 1.5}, "confidence"),
        ({"at": "2026-03-02 09:15"}, "at"),
        ({"channel": "123"}, "channel"),
        ({"extra": 1}, "extra"),
    ],
)
def test_a_bad_field_is_named(client, alerting, change, field):
    body = problem_of(post(client, {**event(alerting["cook"]), **change}), 422)
    assert body["errors"][0]["field"] == field
    assert not Alert.objects.exists()


def test_a_body_that_is_not_json(client, alerting):
    body = problem_of(post(client, None, raw=b"not json"), 422)
    assert body["title"] == "Validation failed"


def test_a_body_too_big_is_413(client, alerting, settings):
    settings.CITYOPS_VIDEO_SNAPSHOT_MAX_BYTES = 1024
    big = event(alerting["cook"], snapshot_base64="A" * 40_000)
    body = problem_of(post(client, big), 413)
    assert "at most 17,753 are accepted" in body["detail"]
    assert not Alert.objects.exists()


def test_a_snapshot_over_its_cap_is_413(client, alerting, settings):
    settings.CITYOPS_VIDEO_SNAPSHOT_MAX_BYTES = 1024
    body = problem_of(post(client, event(alerting["cook"], snapshot_base64=b64(b"x" * 2000))), 413)
    assert body["errors"] == [{"field": "snapshot_base64", "message": "too large"}]


@pytest.mark.parametrize(
    ("data", "message"),
    [("@@@", "not base64"), (b64(b"GIF89a not a picture"), "snapshot: not an image")],
)
def test_a_snapshot_that_is_not_a_picture_is_422(client, alerting, data, message):
    body = problem_of(post(client, event(alerting["cook"], snapshot_base64=data)), 422)
    assert body["errors"][0] == {"field": "snapshot_base64", "message": message}
    assert not Alert.objects.exists()


def test_a_gif_is_not_accepted(client, alerting):
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "GIF")
    body = problem_of(post(client, event(alerting["cook"], snapshot_base64=b64(out.getvalue()))), 422)
    assert body["errors"][0]["field"] == "snapshot_base64"


def test_the_snapshot_is_stored_with_the_alert(client, alerting):
    picture = jpeg()
    post(client, event(alerting["cook"], snapshot_base64=b64(picture)))
    alert = Alert.objects.get()
    with alert.snapshot.open("rb") as f:
        assert f.read() == picture
