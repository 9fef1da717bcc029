"""The rule kinds on real rule rows: thresholds with hysteresis, duration and levels, rate of change,
offline detection and recovery, combinations, time windows, overrides."""

from datetime import datetime, timedelta

import pytest
from django.db import connection

from cityops.iot.choices import Connectivity
from cityops.iot.models import Alarm, Device, RuleState
from cityops.iot.rules import sweep_offline
from cityops.iot.services import RuleIn, device_set_status, rule_create
from tests.iot.rules.conftest import SH, T0, alarms_of, feed

pytestmark = pytest.mark.django_db
S = timedelta(seconds=1)
M = timedelta(minutes=1)


def test_no_raise_before_the_duration_then_raise(devices):
    mh = devices["manhole"]
    feed(mh, {"tilt": 20}, T0)
    feed(mh, {"tilt": 25}, T0 + 30 * S)
    assert not alarms_of(mh, "cover-tilt").exists()
    state = RuleState.objects.get(device=mh, rule__code="cover-tilt")
    assert state.pending_since == T0 and not state.active
    feed(mh, {"tilt": 22}, T0 + 60 * S)
    alarm = alarms_of(mh, "cover-tilt").get()
    assert (alarm.status, alarm.severity, alarm.value) == ("active", "major", 22.0)
    assert alarm.started_at == T0 + 60 * S and alarm.grid.code == "G2"


def test_a_dip_below_the_threshold_restarts_the_duration(devices):
    mh = devices["manhole"]
    feed(mh, {"tilt": 20}, T0)
    feed(mh, {"tilt": 10}, T0 + 30 * S)  # inside the hysteresis band, but no longer exceeded
    feed(mh, {"tilt": 20}, T0 + 70 * S)
    feed(mh, {"tilt": 20}, T0 + 100 * S)
    assert not alarms_of(mh).exists()
    feed(mh, {"tilt": 20}, T0 + 130 * S)
    assert alarms_of(mh, "cover-tilt").count() == 1


def test_no_clear_inside_the_hysteresis_band(devices):
    mh = devices["manhole"]
    feed(mh, {"tilt": 30}, T0)
    feed(mh, {"tilt": 30}, T0 + 60 * S)
    feed(mh, {"tilt": 10}, T0 + 120 * S)  # below 15, above the clear value 5
    feed(mh, {"tilt": 5}, T0 + 180 * S)  # at the clear value: not yet below it
    alarm = alarms_of(mh, "cover-tilt").get()
    assert alarm.status == "active"
    feed(mh, {"tilt": 4.9}, T0 + 240 * S)
    alarm.refresh_from_db()
    assert alarm.status == "cleared" and alarm.cleared_at == T0 + 240 * S and alarm.cleared_by is None


def test_repeat_triggers_bump_one_alarm(devices):
    bin_ = devices["bin"]
    for i in range(4):
        feed(bin_, {"fill_level": 0.85}, T0 + i * M)
    alarm = alarms_of(bin_, "bin-full").get()
    assert alarm.trigger_count == 4 and alarm.last_seen_at == T0 + 3 * M
    assert alarm.started_at == T0 and alarm.severity == "warning"


def test_levels_escalate_the_active_alarm(devices):
    wl = devices["water"]  # warning 5.0, guaranteed 6.0, historic max 6.8; blue from 4.7
    feed(wl, {"water_level": 4.8}, T0)
    feed(wl, {"water_level": 4.8}, T0 + 5 * M)
    alarm = alarms_of(wl, "flood-warning").get()
    assert alarm.severity == "warning"
    feed(wl, {"water_level": 6.1}, T0 + 10 * M)
    feed(wl, {"water_level": 5.2}, T0 + 15 * M)  # falling back does not lower the severity
    alarm.refresh_from_db()
    assert alarm.severity == "major" and alarm.trigger_count == 3
    feed(wl, {"water_level": 6.9}, T0 + 20 * M)
    alarm.refresh_from_db()
    assert alarm.severity == "critical"
    assert alarms_of(wl, "flood-warning").count() == 1


def test_rate_of_change(devices):
    wl = devices["water"]
    feed(wl, {"water_level": 3.0}, T0)
    feed(wl, {"water_level": 3.05}, T0 + 5 * M)  # 0.01 m/min: below 0.02
    assert not alarms_of(wl, "level-rising").exists()
    feed(wl, {"water_level": 3.25}, T0 + 10 * M)  # 0.04 m/min
    alarm = alarms_of(wl, "level-rising").get()
    assert alarm.value == pytest.approx(0.04)
    feed(wl, {"water_level": 3.28}, T0 + 15 * M)  # 0.006 m/min: above the clear rate 0.005
    alarm.refresh_from_db()
    assert alarm.status == "active"
    feed(wl, {"water_level": 3.29}, T0 + 20 * M)  # 0.002 m/min
    alarm.refresh_from_db()
    assert alarm.status == "cleared"


def test_a_rate_needs_a_recent_previous_reading(devices):
    wl = devices["water"]
    feed(wl, {"water_level": 1.0}, T0)
    feed(wl, {"water_level": 4.0}, T0 + 2 * timedelta(hours=1))  # more than offline_after_s later
    assert not alarms_of(wl, "level-rising").exists()


def test_readings_out_of_order_are_ignored(devices):
    bin_ = devices["bin"]
    feed(bin_, {"fill_level": 0.5}, T0 + 10 * M)
    feed(bin_, {"fill_level": 0.99}, T0)  # older than what the rule saw
    assert not alarms_of(bin_).exists()


def test_offline_detection_and_recovery(devices):
    bin_, other = devices["bin"], devices["bin4"]
    Device.objects.filter(pk__in=[bin_.pk, other.pk]).update(
        last_seen_at=T0, connectivity=Connectivity.ONLINE
    )
    # waste bins report every 30 min and are offline after 3 intervals (90 min)
    assert sweep_offline(now=T0 + 80 * M) == 0
    assert sweep_offline(now=T0 + 91 * M) == 2
    assert sweep_offline(now=T0 + 95 * M) == 0  # idempotent: nothing new to raise
    bin_.refresh_from_db()
    assert bin_.connectivity == Connectivity.OFFLINE
    alarm = alarms_of(bin_, "offline").get()
    assert alarm.severity == "warning" and alarm.value == pytest.approx(91.0)
    feed(bin_, {"fill_level": 0.1}, T0 + 100 * M)
    alarm.refresh_from_db()
    bin_.refresh_from_db()
    assert alarm.status == "cleared" and bin_.connectivity == Connectivity.ONLINE
    assert alarms_of(other, "offline").get().status == "active"


def test_devices_that_never_reported_raise_no_offline_alarm(devices):
    assert sweep_offline(now=T0 + timedelta(days=2)) == 0
    assert not Alarm.objects.exists()


def test_combination_all(devices):
    lamp = devices["lamp"]
    night = datetime(2026, 11, 24, 20, 0, tzinfo=SH)
    feed(lamp, {"lamp_on": 1, "power": 2}, night)
    assert not alarms_of(lamp).exists()  # the parts raise no alarm themselves; low power needs 5 min
    feed(lamp, {"lamp_on": 1, "power": 2}, night + 5 * M)
    alarm = alarms_of(lamp).get()
    assert (alarm.rule.code, alarm.severity) == ("lamp-failure", "minor")
    feed(lamp, {"lamp_on": 1, "power": 120}, night + 10 * M)
    alarm.refresh_from_db()
    assert alarm.status == "cleared"


def test_combination_any(devices, world):
    lamp = devices["lamp"]
    rule_create(
        data=RuleIn(
            device_type="streetlight",
            code="lamp-anything",
            name="任一",
            kind="combination",
            severity="warning",
            params={"op": "any", "rules": ["lamp-on", "lamp-low-power"]},
        ),
        by=world["admin"],
    )
    night = datetime(2026, 11, 24, 21, 0, tzinfo=SH)
    feed(lamp, {"lamp_on": 1, "power": 100}, night)
    assert alarms_of(lamp, "lamp-anything").get().status == "active"
    feed(lamp, {"lamp_on": 0, "power": 100}, night + M)
    assert alarms_of(lamp, "lamp-anything").get().status == "cleared"


def test_hours_window_lamp_on_in_daylight(devices):
    lamp = devices["lamp"]
    feed(lamp, {"lamp_on": 1, "power": 100}, T0)
    feed(lamp, {"lamp_on": 1, "power": 100}, T0 + 15 * M)
    alarm = alarms_of(lamp, "lamp-day-on").get()
    assert alarm.severity == "warning"
    evening = datetime(2026, 11, 24, 17, 30, tzinfo=SH)
    feed(lamp, {"lamp_on": 1, "power": 100}, evening)  # outside 08–17: no longer a waste
    alarm.refresh_from_db()
    assert alarm.status == "cleared"


@pytest.mark.parametrize(
    ("hour", "level", "raised"),
    [(10, 52, False), (10, 58, True), (23, 48, True), (23, 44, False)],
)
def test_noise_limit_by_zone_class_day_and_night(devices, hour, level, raised):
    nz = devices["noise"]  # zone class 1: 55 dB(A) by day, 45 at night
    at = datetime(2026, 11, 24, hour, 0, tzinfo=SH)
    feed(nz, {"laeq": level}, at)
    feed(nz, {"laeq": level}, at + 10 * M)
    assert alarms_of(nz, "noise-over-limit").exists() is raised


def test_a_device_under_maintenance_raises_nothing(devices, world):
    bin_ = devices["bin"]
    device_set_status(device_id=bin_.pk, status="maintenance", by=world["admin"])
    feed(bin_, {"fill_level": 0.99}, T0)
    assert not alarms_of(bin_).exists()


def test_a_device_override_applies_to_that_device_only(devices, world):
    rule_create(
        data=RuleIn(
            device_type="waste_bin",
            device="BIN-G1",
            code="bin-full",
            name="垃圾桶满溢（小桶）",
            kind="threshold",
            severity="warning",
            quantity="fill_level",
            params={"op": ">=", "value": 0.5, "clear_value": 0.2},
        ),
        by=world["admin"],
    )
    feed(devices["bin"], {"fill_level": 0.6}, T0)
    feed(devices["bin4"], {"fill_level": 0.6}, T0)
    assert alarms_of(devices["bin"], "bin-full").get().rule.device_id == devices["bin"].pk
    assert not alarms_of(devices["bin4"]).exists()


def test_state_survives_a_restart(devices):
    """The pending duration lives in the database: a new process (empty cache) continues it."""
    from cityops.iot import rule_cache

    mh = devices["manhole"]
    feed(mh, {"tilt": 20}, T0)
    rule_cache.invalidate()
    feed(mh, {"tilt": 20}, T0 + 60 * S)
    assert alarms_of(mh, "cover-tilt").count() == 1


def test_a_batch_costs_a_fixed_number_of_queries(devices, django_assert_max_num_queries):
    """Readings of many devices with no state change: devices, states, alarms, one state write."""
    from cityops.iot.models import Datastream
    from cityops.iot.rules import evaluate_readings
    from cityops.iot.types import StoredReading

    feed(devices["bin"], {"fill_level": 0.1}, T0)  # warm the rule cache
    streams = Datastream.objects.filter(quantity__code="fill_level").values_list("device_id", "id")
    batch = [StoredReading(d, s, "fill_level", T0 + M, 0.2) for d, s in streams]
    locking = connection.vendor == "postgresql"  # the devices locked: two ingest workers take turns
    with django_assert_max_num_queries(5 + locking):
        evaluate_readings(batch, now=T0 + M)
