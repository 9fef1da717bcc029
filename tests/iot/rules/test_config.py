"""Profiles install idempotently; every impossible rule or device configuration is refused, naming
its field, and nothing is written."""

import pytest
from django.core.management import call_command

from cityops.core.errors import ValidationFailed
from cityops.iot.models import DeviceType, DeviceTypeQuantity, Quantity, Rule
from cityops.iot.profiles import TYPES, profiles_install
from cityops.iot.services import RuleIn, rule_create, rule_update
from tests.iot.rules.conftest import add_device

pytestmark = pytest.mark.django_db


def test_profiles_install_is_idempotent(world):
    types, rules, quantities = DeviceType.objects.count(), Rule.objects.count(), Quantity.objects.count()
    assert types == len(TYPES) == 10
    again = profiles_install(actor_name="test")
    assert (
        again["types_created"]
        == again["types_updated"]
        == again["rules_created"]
        == again["rules_updated"]
        == 0
    )
    assert again["quantities_created"] == again["quantities_updated"] == 0
    call_command("iot-profiles")
    assert (DeviceType.objects.count(), Rule.objects.count(), Quantity.objects.count()) == (
        types,
        rules,
        quantities,
    )
    pm25 = DeviceTypeQuantity.objects.get(device_type__code="air_quality", quantity__code="pm25")
    assert (pm25.min_valid, pm25.max_valid) == (0, 1000)
    gas = Rule.objects.get(device_type__code="gas", code="gas-leak")
    assert gas.params["value"] == 20 and gas.params["levels"] == [{"value": 50, "severity": "critical"}]


def test_profiles_install_restores_a_changed_default(world):
    Rule.objects.filter(code="pm25-high").update(params={"op": ">", "value": 999})
    assert profiles_install(actor_name="test")["rules_updated"] == 1
    assert Rule.objects.get(code="pm25-high").params["value"] == 75


def _rule(**over) -> RuleIn:
    base = {
        "device_type": "waste_bin",
        "code": "test-rule",
        "name": "测试规则",
        "kind": "threshold",
        "severity": "warning",
        "quantity": "fill_level",
        "params": {"op": ">=", "value": 0.7, "clear_value": 0.5},
    }
    return RuleIn(**{**base, **over})


IMPOSSIBLE = [
    ({"params": {"op": ">=", "value": 0.7, "clear_value": 0.9}}, "params.clear_value", "wrong side"),
    (
        {"params": {"op": "<", "value": 0.2, "clear_value": 0.1}, "quantity": "battery"},
        "params.clear_value",
        "wrong side",
    ),
    ({"params": {"value": 0.7, "for_s": -60}}, "params.for_s", "0 seconds or more"),
    ({"quantity": "pm25"}, "quantity", "does not measure 'pm25'"),
    ({"quantity": None}, "quantity", "needs the quantity"),
    ({"params": {"value": 3}}, "params.value", "can never be reached"),
    ({"params": {"op": "=>", "value": 0.7}}, "params.op", "op must be one of"),
    ({"params": {"value": 0.7, "level": 0.9}}, "params.level", "no parameter 'level'"),
    (
        {"params": {"value": 0.7, "levels": [{"value": 0.9, "severity": "warning"}]}},
        "params.levels[0].severity",
        "more severe",
    ),
    (
        {"params": {"value": 0.7, "levels": [{"value": 0.6, "severity": "major"}]}},
        "params.levels[0].value",
        "more extreme",
    ),
    ({"params": {"value": 0.7, "hours": [8, 8]}}, "params.hours", "two different"),
    ({"kind": "rate", "params": {"value": 0}}, "params.value", "above 0"),
    ({"kind": "rate", "params": {"value": 0.1, "clear_value": 0.2}}, "params.clear_value", "between 0"),
    (
        {"kind": "offline", "quantity": None, "params": {"after_s": 600}},
        "params.after_s",
        "shorter than the report",
    ),
    (
        {"kind": "combination", "quantity": None, "params": {"op": "all", "rules": ["bin-full", "no-such"]}},
        "params.rules",
        "no rule 'no-such'",
    ),
    (
        {
            "kind": "combination",
            "quantity": None,
            "params": {"op": "all", "rules": ["bin-full", "test-rule"]},
        },
        "params.rules",
        "cannot include itself",
    ),
    (
        {"kind": "combination", "quantity": None, "params": {"op": "all", "rules": ["bin-full"]}},
        "params.rules",
        "at least two",
    ),
    ({"kind": "offline", "quantity": "fill_level"}, "quantity", "watches no quantity"),
    ({"case_item_code": "NO-SUCH-ITEM"}, "case_item_code", "no active patrol item"),
    (
        {"params": {"value": 0.7, "case_severity": "critical"}},
        "params.case_severity",
        "a severity the rule raises",
    ),
    (
        {"params": {"value": 0.7, "alarm": False}, "case_item_code": "BJ030103"},
        "case_item_code",
        "raises no alarm",
    ),
    ({"params": {"value": {"property": ""}}}, "params.value", "{'property': name"),
    ({"severity": "fatal"}, "severity", "not one of"),
    ({"kind": "sometimes"}, "kind", "not one of"),
    ({"code": "Bad Code"}, "code", "lower-case"),
    ({"code": "bin-full"}, "code", "exists already"),
]


@pytest.mark.parametrize(
    ("over", "field", "words"), IMPOSSIBLE, ids=[f"{i}-{c[1]}" for i, c in enumerate(IMPOSSIBLE)]
)
def test_impossible_rule_is_refused(world, over, field, words):
    before = Rule.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        rule_create(data=_rule(**over), by=world["admin"])
    fields = {e["field"]: e["message"] for e in exc.value.errors}
    assert field in fields, exc.value.errors
    assert words in fields[field]
    assert Rule.objects.count() == before


def test_combination_of_a_combination_is_refused(world):
    with pytest.raises(ValidationFailed) as exc:
        rule_create(
            data=_rule(
                device_type="streetlight",
                kind="combination",
                quantity=None,
                params={"op": "any", "rules": ["lamp-failure", "lamp-on"]},
            ),
            by=world["admin"],
        )
    assert "is a combination itself" in exc.value.errors[0]["message"]


def test_a_good_rule_and_an_update(world):
    rule = rule_create(data=_rule(case_item_code="BJ030103"), by=world["admin"])
    assert rule.pk and rule.quantity.code == "fill_level"
    rule_update(rule_id=rule.pk, by=world["admin"], params={"op": ">=", "value": 0.75, "clear_value": 0.4})
    rule.refresh_from_db()
    assert rule.params["value"] == 0.75


def test_an_update_making_the_rule_impossible_changes_nothing(world):
    rule = Rule.objects.get(device_type__code="water_level", code="flood-warning")
    before = dict(rule.params)
    with pytest.raises(ValidationFailed) as exc:
        rule_update(rule_id=rule.pk, by=world["admin"], params={**before, "for_s": -1})
    assert exc.value.errors[0]["field"] == "params.for_s"
    rule.refresh_from_db()
    assert rule.params == before


def test_rule_writes_need_iot_change(world):
    from cityops.core.errors import Forbidden

    with pytest.raises(Forbidden):
        rule_create(data=_rule(), by=world["dispatcher_v1"])


def test_an_override_keeps_its_kind(world):
    add_device("BIN-X", "waste_bin", 1)
    with pytest.raises(ValidationFailed) as exc:
        rule_create(
            data=_rule(code="bin-full", device="BIN-X", kind="rate", params={"value": 0.1}), by=world["admin"]
        )
    assert exc.value.errors[0]["field"] == "kind"


@pytest.mark.parametrize(
    ("type_code", "props", "field"),
    [
        ("noise", {}, "properties.zone_class"),
        ("noise", {"zone_class": "5"}, "properties.zone_class"),
        (
            "water_level",
            {"warning_level": 5, "guaranteed_level": 4, "historic_max": 7},
            "properties.guaranteed_level",
        ),
        ("water_level", {"warning_level": 5, "guaranteed_level": 6}, "properties.historic_max"),
    ],
)
def test_device_properties_the_rules_need(world, type_code, props, field):
    from cityops.iot.models import Device

    with pytest.raises(ValidationFailed) as exc:
        add_device("DEV-1", type_code, 1, **props)
    assert field in [e["field"] for e in exc.value.errors]
    assert not Device.objects.exists()


def test_a_device_outside_the_town_is_refused(world):
    from cityops.iot.services import DeviceIn, device_create

    with pytest.raises(ValidationFailed) as exc:
        device_create(
            data=DeviceIn(code="FAR", name="远处", device_type="generic", lon=114.5, lat=23.5),
            by=world["admin"],
        )
    assert exc.value.errors == [
        {"field": "location", "message": "the point (114.500000, 23.500000) is outside the town"}
    ]


def test_a_move_relocates_and_keeps_history(devices, world):
    from cityops.iot.models import DeviceLocation
    from cityops.iot.services import device_move
    from tests.builders import grid_centre

    lon, lat = grid_centre(8)
    moved = device_move(device_id=devices["bin"].pk, lon=lon, lat=lat, by=world["admin"])
    assert (moved.grid.code, moved.village.code, moved.area.code) == ("G8", "V4", "A2")
    assert DeviceLocation.objects.filter(device=moved).count() == 2
    with pytest.raises(ValidationFailed) as exc:
        device_move(device_id=moved.pk, lon=100.0, lat=20.0, by=world["admin"])
    assert exc.value.errors[0]["field"] == "location"
