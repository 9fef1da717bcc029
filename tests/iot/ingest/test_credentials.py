"""Device secrets and the broker's files."""

import hashlib
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cityops.iot.choices import DeviceStatus
from cityops.iot.credentials import (
    BrokerConfig,
    acl_text,
    device_authenticate,
    device_secret_issue,
    passwd_text,
    secret_hash,
    secret_verify,
    write_broker_files,
)
from cityops.iot.models import Device


def test_hash_is_mosquittos_pbkdf2_sha512_format():
    hashed = secret_hash("s3cret", salt=b"0123456789ab")
    kind, iterations, salt, digest = hashed.split("$")[1:]
    assert (kind, iterations, salt) == ("7", "101", "MDEyMzQ1Njc4OWFi")
    import base64

    assert base64.b64decode(digest) == hashlib.pbkdf2_hmac("sha512", b"s3cret", b"0123456789ab", 101)
    assert secret_verify("s3cret", hashed) and not secret_verify("s3cret!", hashed)
    assert not secret_verify("s3cret", "") and not secret_verify("s3cret", "$6$abc$def")


def test_issue_stores_only_the_hash_and_replaces_the_old_secret(iot_devices):
    device = iot_devices["AIR-G1"]
    first = device_secret_issue(device=device)
    assert len(first) == 32 and first not in Device.objects.get(pk=device.pk).secret_hash
    assert device_authenticate(code="AIR-G1", secret=first).pk == device.pk
    second = device_secret_issue(device=device)
    assert device_authenticate(code="AIR-G1", secret=first) is None
    assert device_authenticate(code="AIR-G1", secret=second).pk == device.pk
    assert device_authenticate(code="AIR-G5", secret=second) is None


def test_passwd_lists_devices_with_secrets_that_are_not_retired(iot_devices):
    for code in ("AIR-G1", "AIR-G5", "WL-G2"):
        device_secret_issue(device=iot_devices[code])
    Device.objects.filter(code="WL-G2").update(status=DeviceStatus.RETIRED)
    lines = passwd_text(worker_user="cityops-ingest", worker_password="pw").splitlines()
    assert [line.split(":")[0] for line in lines] == ["cityops-ingest", "AIR-G1", "AIR-G5"]
    assert lines[1].split(":", 1)[1] == Device.objects.get(code="AIR-G1").secret_hash
    assert secret_verify("pw", lines[0].split(":", 1)[1])
    with pytest.raises(ValueError, match="CITYOPS_IOT_MQTT_PASSWORD"):
        passwd_text(worker_user="cityops-ingest", worker_password="")


def test_acl_lets_devices_write_only_their_own_topic():
    acl = acl_text(worker_user="cityops-ingest")
    assert "user cityops-ingest\ntopic read cityops/v1/devices/+/telemetry\n" in acl
    assert "pattern write cityops/v1/devices/%u/telemetry\n" in acl
    # Only the worker writes, and only the SensorThings notifications.
    assert [line for line in acl.splitlines() if "write" in line and "%u" not in line] == [
        "topic write v1.1/#"
    ]


def test_a_sensorthings_reader_reads_the_notifications_only(tmp_path):
    acl = acl_text(worker_user="cityops-ingest", sta_readers=("screen",))
    assert "user screen\ntopic read v1.1/#\n\n" in acl
    with pytest.raises(ValueError, match="both a gateway and a reader"):
        write_broker_files(
            out=tmp_path,
            config=BrokerConfig(),
            worker_user="cityops-ingest",
            worker_password="pw",
            gateways={"x": "1"},
            sta_readers={"x": "2"},
        )
    with pytest.raises(ValueError, match="SensorThings reader 'a b'"):
        passwd_text(worker_user="cityops-ingest", worker_password="pw", sta_readers={"a b": "p"})


def test_a_gateway_account_writes_every_device_topic(iot_devices):
    acl = acl_text(worker_user="cityops-ingest", gateways=("gw-1",))
    assert "user gw-1\ntopic write cityops/v1/devices/+/telemetry\n" in acl
    lines = passwd_text(
        worker_user="cityops-ingest", worker_password="pw", gateways={"gw-1": "g"}
    ).splitlines()
    assert lines[1].startswith("gw-1:") and secret_verify("g", lines[1].split(":", 1)[1])
    with pytest.raises(ValueError, match="gateway"):
        passwd_text(worker_user="cityops-ingest", worker_password="pw", gateways={"gw 1": "g"})


@pytest.mark.skipif(
    subprocess.run(["which", "mosquitto_passwd"], capture_output=True).returncode,
    reason="no mosquitto_passwd",
)
def test_mosquitto_passwd_writes_the_same_format(tmp_path):
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(tmp_path / "p"), "dev", "secret-1"], check=True)
    hashed = (tmp_path / "p").read_text().strip().split(":", 1)[1]
    assert secret_verify("secret-1", hashed) and not secret_verify("secret-2", hashed)


def test_command_writes_the_three_files(iot_devices, tmp_path, settings):
    settings.CITYOPS_IOT_MQTT_PASSWORD = "worker-pw"
    device_secret_issue(device=iot_devices["AIR-G1"])
    call_command("iot-mosquitto-config", "--out", str(tmp_path), "--port", "18830")
    conf = (tmp_path / "mosquitto.conf").read_text()
    assert "listener 18830 127.0.0.1" in conf and "allow_anonymous false" in conf
    assert "persistence true" in conf and "max_inflight_messages 20000" in conf
    assert "max_queued_messages 1000000" in conf and f"password_file {tmp_path}/passwd" in conf
    assert (tmp_path / "passwd").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "passwd").read_text().count("\n") == 2
    settings.CITYOPS_IOT_MQTT_PASSWORD = ""
    with pytest.raises(CommandError, match="CITYOPS_IOT_MQTT_PASSWORD is empty"):
        call_command("iot-mosquitto-config", "--out", str(tmp_path))
