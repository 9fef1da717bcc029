"""Manhole covers by network: the case item follows the cover's ``network`` property (falling back to
the rule's rain-water item), the property is checked on create and import, and the demo spreads
its covers over the networks."""

import pytest
from django.utils import translation

from cityops.cases.models import Case, ItemCategory, PatrolItem
from cityops.core.errors import ValidationFailed
from cityops.iot.device_import import device_import
from cityops.iot.models import Device
from cityops.iot.profiles import COVER_NETWORKS, cover_item
from tests.builders import grid_centre
from tests.iot.rules.conftest import T0, add_device, alarms_of, feed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The import's messages in English: where a problem is ("row 5, column lon") is translated."""
    with translation.override("en"):
        yield


M = 60


@pytest.mark.parametrize(
    ("item", "properties", "expected"),
    [
        ("BJ010302", {"network": "gas"}, "BJ010702"),
        ("BJ010303", {"network": "gas"}, "BJ010703"),
        ("BJ010302", {"network": "sewage"}, "BJ010202"),
        ("BJ010303", {"network": "streetlight"}, "BJ010803"),
        ("BJ010302", {"network": "storm"}, "BJ010302"),
        ("BJ010302", {}, "BJ010302"),  # no network: the rule's item
        ("BJ010302", {"network": "oil"}, "BJ010302"),  # unknown (stored before the check): the rule's item
        ("BJ010302", {"network": ["gas"]}, "BJ010302"),
        ("SJ050201", {"network": "gas"}, "SJ050201"),  # not a cover item: left alone
        ("BJ0103", {"network": "gas"}, "BJ0103"),
    ],
)
def test_cover_item(item, properties, expected):
    assert cover_item(item, properties) == expected


def add_gas_cover_items():
    """The gas network's cover items, as in the demo catalogue (BJ0107 燃气井盖)."""
    template = PatrolItem.objects.get(code="BJ010302")
    small = ItemCategory.objects.create(
        code="BJ0107", name="燃气井盖", kind="component", parent=template.big_category
    )
    for code, name in [("BJ010702", "燃气井盖（缺失）"), ("BJ010703", "燃气井盖（移位）")]:
        PatrolItem.objects.create(
            code=code,
            name=name,
            kind="component",
            category=small,
            big_category=template.big_category,
            department=template.department,
            dispatch_limit=30,
            dispatch_unit="minutes",
            disposal_limit=2,
            disposal_unit="hours",
            recheck_limit=2,
            recheck_unit="hours",
        )


def test_a_gas_cover_opens_a_gas_cover_case(world):
    add_gas_cover_items()
    cover = add_device("MH-GAS", "manhole", 2, network="gas")
    feed(cover, {"cover_open": 1}, T0)
    alarm = alarms_of(cover, "cover-open").get()
    assert Case.objects.get(pk=alarm.case_id).item.code == "BJ010702"
    tilted = add_device("MH-GAS2", "manhole", 1, network="gas")
    feed(tilted, {"tilt": 30}, T0)
    feed(tilted, {"tilt": 31}, T0.replace(minute=2))
    alarm = alarms_of(tilted, "cover-tilt").get()
    assert Case.objects.get(pk=alarm.case_id).item.code == "BJ010703"


def test_a_cover_without_a_network_or_without_its_item_gets_the_rule_item(world):
    plain = add_device("MH-PLAIN", "manhole", 2)
    power = add_device("MH-POWER", "manhole", 6, network="power")  # BJ010502 is not in this catalogue
    for device in (plain, power):
        feed(device, {"cover_open": 1}, T0)
    items = {
        a.device.code: Case.objects.get(pk=a.case_id).item.code for a in alarms_of(plain) | alarms_of(power)
    }
    assert items == {"MH-PLAIN": "BJ010302", "MH-POWER": "BJ010302"}


def test_an_unknown_network_is_refused_on_create_naming_the_allowed_values(world):
    with pytest.raises(ValidationFailed) as exc:
        add_device("MH-OIL", "manhole", 2, network="oil")
    (error,) = exc.value.errors
    assert error["field"] == "properties.network"
    assert error["message"] == (
        "network must be one of water (上水), sewage (污水), storm (雨水), power (电力), "
        "telecom (通讯), gas (燃气), streetlight (路灯), not 'oil'"
    )
    assert not Device.objects.filter(code="MH-OIL").exists()
    add_device("SL-NET", "streetlight", 1, network="oil")  # only a manhole's network means anything


HEADER = "code,name,type,lon,lat,install_date,status,properties"


def _file(*rows) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8-sig")


def test_import_takes_the_network_and_refuses_an_unknown_one_naming_row_and_values(world):
    lon, lat = grid_centre(2)
    good = f"MH-001,一号井盖,manhole,{lon},{lat},,,network=gas"
    bad = f"MH-002,二号井盖,manhole,{lon},{lat},,,network=燃气"
    with pytest.raises(ValidationFailed) as exc:
        device_import(data=_file(good, bad), filename="d.csv", by=world["admin"])
    (error,) = exc.value.errors
    assert (error["row"], error["column"]) == (3, "properties")
    assert error["message"].startswith("row 3, column properties: network must be one of water (上水), ")
    assert error["message"].endswith("streetlight (路灯), not '燃气'")
    assert not Device.objects.filter(code__in=["MH-001", "MH-002"]).exists()  # nothing written
    result = device_import(data=_file(good), filename="d.csv", by=world["admin"])
    assert result.created == 1 and Device.objects.get(code="MH-001").properties == {"network": "gas"}


def test_the_demo_spreads_its_covers_over_the_networks(town):
    from cityops.demo.iot import COVER_SHARES, cover_network, demo_device_file

    assert sum(share for _, share in COVER_SHARES) == 100
    assert {network for network, _ in COVER_SHARES} == set(COVER_NETWORKS)
    many = [cover_network(f"MH-G{g:03d}-{n:02d}") for g in range(300) for n in range(1, 9)]
    assert many.count("storm") > many.count("water") > many.count("gas") > 0
    text = demo_device_file().decode()
    covers = [line for line in text.splitlines() if ",manhole," in line]
    assert covers and all('""network"": ""' in line for line in covers)
