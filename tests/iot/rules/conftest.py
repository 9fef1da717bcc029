"""Fixtures of the rules and alarms tests: the standard profiles, patrol items the default rules
open cases of, workstations, and one device of each kind in known grids."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.builders import grid_centre
from tests.cases.conftest import make_workstations

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=SH)  # a Tuesday morning: daytime for noise and lamps


@pytest.fixture(autouse=True)
def _fresh_rules():
    """The rule cache is per process and the database is rolled back between tests."""
    from cityops.iot import rule_cache

    rule_cache.invalidate()
    yield
    rule_cache.invalidate()


def make_alarm_items():
    """Patrol items with the codes the default rules use (as in the demo catalogue)."""
    from cityops.cases.models import ItemCategory, PatrolItem
    from cityops.org.models import Department

    big = ItemCategory.objects.create(code="BJ01", name="公用设施类", kind="component")
    small = ItemCategory.objects.create(code="BJ0103", name="雨水井盖", kind="component", parent=big)
    cg = Department.objects.get(code="D-CG")
    common = {
        "kind": "component",
        "category": small,
        "big_category": big,
        "department": cg,
        "dispatch_limit": 30,
        "dispatch_unit": "minutes",
        "disposal_limit": 2,
        "disposal_unit": "hours",
        "recheck_limit": 2,
        "recheck_unit": "hours",
    }
    for code, name in [
        ("BJ010302", "雨水井盖（缺失）"),
        ("BJ010303", "雨水井盖（移位）"),
        ("BJ030103", "垃圾箱（满溢）"),
        ("BJ011001", "路灯（不亮）"),
        ("SJ050201", "燃气泄漏（管道燃气）"),
        ("SJ050701", "防汛隐患（低洼地带）"),
    ]:
        PatrolItem.objects.create(code=code, name=name, **common)


@pytest.fixture
def world(users):
    """Profiles installed, items and workstations made; the named users of tests/conftest.py."""
    from cityops.iot.profiles import profiles_install

    make_workstations()
    make_alarm_items()
    profiles_install(actor_name="test")
    return users


def add_device(code: str, type_code: str, grid: int, **properties):
    from cityops.iot.services import DeviceIn, device_create

    lon, lat = grid_centre(grid)
    return device_create(
        data=DeviceIn(
            code=code, name=f"测试{code}", device_type=type_code, lon=lon, lat=lat, properties=properties
        ),
        actor_name="test",
    )


@pytest.fixture
def devices(world):
    """One device of each kind the tests drive; grids 1–2 are in village V1, 5–6 in V3, 7 in V4."""
    return {
        "bin": add_device("BIN-G1", "waste_bin", 1),
        "bin4": add_device("BIN-G7", "waste_bin", 7),
        "water": add_device(
            "WL-G2", "water_level", 2, warning_level=5.0, guaranteed_level=6.0, historic_max=6.8
        ),
        "air": add_device("AQ-G5", "air_quality", 5),
        "noise": add_device("NZ-G1", "noise", 1, zone_class="1"),
        "manhole": add_device("MH-G2", "manhole", 2),
        "lamp": add_device("SL-G1", "streetlight", 1),
        "smoke": add_device("SM-G6", "smoke", 6),
    }


def feed(device, values: dict, at, now=None):
    """Store nothing, but hand the rules the readings as the ingest would after storing them."""
    from cityops.iot.models import Datastream
    from cityops.iot.rules import evaluate_readings
    from cityops.iot.types import StoredReading

    streams = dict(Datastream.objects.filter(device=device).values_list("quantity__code", "id"))
    readings = [
        StoredReading(device_id=device.pk, datastream_id=streams[q], quantity_code=q, time=at, value=float(v))
        for q, v in values.items()
    ]
    evaluate_readings(readings, now=now or at)


def alarms_of(device, rule_code: str | None = None):
    from cityops.iot.models import Alarm

    qs = Alarm.objects.filter(device=device).order_by("id")
    return qs.filter(rule__code=rule_code) if rule_code else qs


def race_town() -> None:
    """The small town, departments, workstations, alarm items, the standard profiles and an
    administrator: what the tests of two transactions racing build outside pytest's test transaction."""
    from cityops.iot.profiles import profiles_install
    from cityops.org.models import Department
    from tests.builders import build_small_town
    from tests.cases.conftest import make_workstations
    from tests.conftest import _user

    build_small_town()
    Department.objects.create(code="D-CG", name="城市管理局", in_grid=True)
    make_workstations()
    make_alarm_items()
    profiles_install(actor_name="test")
    _user("admin", "sysadmin")
