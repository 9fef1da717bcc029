"""Fixtures of the IoT page tests: readings of one device over a year, rules, alarms and dead letters."""

from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def iot_readings(iot_devices, now):
    """AIR-G1's PM2.5: every 10 minutes for the last 2 days, then every 6 hours back to 400 days."""
    from cityops.iot.models import Datastream, Device, Reading, observation_id

    ds = Datastream.objects.get(device=iot_devices["AIR-G1"], quantity__code="pm25")
    times = [now - timedelta(minutes=10 * i) for i in range(1, 2 * 24 * 6)]
    times += [now - timedelta(days=2, hours=6 * i) for i in range(1, 4 * 398)]
    rows = [
        Reading(id=observation_id(ds.id, t), datastream=ds, time=t, value=30 + (i % 50))
        for i, t in enumerate(sorted(times))
    ]
    Reading.objects.bulk_create(rows)
    last = max(times)
    Datastream.objects.filter(pk=ds.pk).update(
        first_time=min(times), last_time=last, last_value=rows[-1].value
    )
    Device.objects.filter(pk=iot_devices["AIR-G1"].pk).update(last_seen_at=last, connectivity="online")
    return {
        "datastream": ds,
        "count": len(rows),
        "raw_2d": sum(1 for t in times if t > now - timedelta(days=2)),
    }


@pytest.fixture
def iot_rules(iot_types):
    """A PM2.5 threshold rule of the air type and a water-level rule of the water type."""
    from cityops.iot.models import Rule

    q = iot_types["quantities"]
    return {
        "pm25": Rule.objects.create(
            code="pm25-high",
            name="PM2.5 超标",
            device_type=iot_types["air"],
            quantity=q["pm25"],
            kind="threshold",
            severity="major",
            params={"op": ">", "value": 75},
        ),
        "water": Rule.objects.create(
            code="water-high",
            name="水位超警戒",
            device_type=iot_types["water"],
            quantity=q["water_level"],
            kind="threshold",
            severity="critical",
            params={"op": ">=", "value": 3.5},
        ),
    }


def make_alarm(device, rule, *, severity, status="active", minutes_ago=5, message="超标"):
    from cityops.iot.models import Alarm

    at = timezone.now() - timedelta(minutes=minutes_ago)
    return Alarm.objects.create(
        device=device,
        rule=rule,
        severity=severity,
        status=status,
        message=message,
        value=88.5,
        started_at=at,
        last_seen_at=at,
        cleared_at=at + timedelta(minutes=1) if status == "cleared" else None,
        area_id=device.area_id,
        village_id=device.village_id,
        grid_id=device.grid_id,
    )


@pytest.fixture
def iot_alarms(iot_devices, iot_rules):
    """V1: a major active alarm (AIR-G1) and a cleared one (WL-G2); V3: a critical active one (AIR-G5)."""
    return {
        "v1_active": make_alarm(
            iot_devices["AIR-G1"], iot_rules["pm25"], severity="major", message="PM2.5 88.5"
        ),
        "v1_cleared": make_alarm(
            iot_devices["WL-G2"], iot_rules["water"], severity="critical", status="cleared", minutes_ago=90
        ),
        "v3_active": make_alarm(
            iot_devices["AIR-G5"], iot_rules["pm25"], severity="critical", minutes_ago=30, message="PM2.5 160"
        ),
    }


@pytest.fixture
def dead_letters(iot_devices):
    from cityops.iot.models import DeadLetter

    return {
        "json": DeadLetter.objects.create(
            source="mqtt",
            topic="cityops/v1/devices/AIR-G1/telemetry",
            client="AIR-G1",
            device=iot_devices["AIR-G1"],
            reason="out_of_range",
            detail="pm25: 5000 is outside 0–1000",
            payload=b'{"values": {"pm25": 5000}, "note": "<script>alert(1)</script>"}',
            payload_size=62,
        ),
        "binary": DeadLetter.objects.create(
            source="http",
            client="GHOST-1",
            reason="malformed",
            detail="not UTF-8 JSON",
            payload=bytes([0, 1, 2, 0xFF, 0xFE]) + b"<b>",
            payload_size=8,
        ),
    }


def add_devices(iot_devices, iot_types, n: int) -> None:
    """``n`` more air devices X-000 … in AIR-G1's grid (the first on the gas network)."""
    from cityops.iot.models import Device

    base = iot_devices["AIR-G1"]
    Device.objects.bulk_create(
        [
            Device(
                code=f"X-{i:03}",
                name=f"X {i}",
                device_type=iot_types["air"],
                lon=base.lon,
                lat=base.lat,
                area_id=base.area_id,
                village_id=base.village_id,
                grid_id=base.grid_id,
                properties={"network": "gas"} if i == 0 else {},
            )
            for i in range(n)
        ]
    )
