"""The standard device types (profiles): quantities with units and valid ranges, and default rules.

Sources of the limits (see docs/iot.md, "Device types and their limits"):
- air: GB 3095-2012 Grade II and the HJ 633-2012 IAQI breakpoints; IAQI > 100 minor, > 150 major,
  > 200 critical. The limits are 24-hour (8-hour for O₃) means; a rule compares readings sustained
  for an hour, an operational proxy that warns before the daily mean is known.
- noise: GB 3096-2008 limits by zone class, day 06:00–22:00, night 22:00–06:00.
- water level: the four flood warning colours of the Ministry of Water Resources, on the levels
  of each gauge (its ``properties``): blue near the warning level, yellow at it, orange at the
  guaranteed level, red at the historic maximum.
- combustible gas: 20 %LEL and 50 %LEL, common practice for the first and second alarm levels
  (GB/T 50493-2019 caps them at 25 %LEL and 50 %LEL).
- waste bin, streetlight, parking, battery and offline: engineering conventions, not standards.
"""

from dataclasses import dataclass, field

from django.db import transaction

from cityops.audit.services import audit_record
from cityops.core.upsert import Outcome, upsert_all_by_code
from cityops.iot import rule_cache
from cityops.iot.models import DeviceType, DeviceTypeQuantity, Quantity, Rule

DAY_START_HOUR, DAY_END_HOUR = 6, 22  # GB 3096-2008: 昼间 06:00–22:00
# GB 3096-2008 Leq limits in dB(A), (day, night), by acoustic environment zone class.
NOISE_LIMITS = {
    "0": (50, 40),
    "1": (55, 45),
    "2": (60, 50),
    "3": (65, 55),
    "4a": (70, 55),
    "4b": (70, 60),
}
WATER_LEVELS = ("warning_level", "guaranteed_level", "historic_max")
# The demo's patrol items that fit the default rules (cityops/demo/catalogue.py).
ITEM_COVER_MISSING = "BJ010302"  # 雨水井盖（缺失）
ITEM_COVER_DISPLACED = "BJ010303"  # 雨水井盖（移位）
# The network a manhole cover belongs to (device property ``network``) → the small category of its
# covers in the catalogue (GB/T 30428.2: big category 4 characters, small 6, item 8). A cover
# alarm's case takes the rule's problem (the last two digits: 02 缺失, 03 移位) in the cover's own
# category; without a network the rule's item (rain-water) stands.
COVER_NETWORKS = {
    "water": ("BJ0101", "上水"),
    "sewage": ("BJ0102", "污水"),
    "storm": ("BJ0103", "雨水"),
    "power": ("BJ0105", "电力"),
    "telecom": ("BJ0106", "通讯"),
    "gas": ("BJ0107", "燃气"),
    "streetlight": ("BJ0108", "路灯"),
}
COVER_CATEGORIES = frozenset(category for category, _ in COVER_NETWORKS.values())
ITEM_LAMP_OUT = "BJ011001"  # 路灯（不亮）
ITEM_BIN_OVERFLOW = "BJ030103"  # 垃圾箱（满溢）
ITEM_GAS_LEAK = "SJ050201"  # 燃气泄漏（管道燃气）
ITEM_FLOOD_RISK = "SJ050701"  # 防汛隐患（低洼地带）
ITEM_FIRE_ALARM = "SJ061501"  # 火情报警（出租屋）


@dataclass(frozen=True)
class QuantitySpec:
    code: str
    name: str
    unit_name: str = ""
    unit_symbol: str = ""
    unit_definition: str = ""
    description: str = ""


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    kind: str
    severity: str
    quantity: str | None = None
    params: dict = field(default_factory=dict)
    case_item_code: str = ""


@dataclass(frozen=True)
class TypeSpec:
    code: str
    name: str
    description: str
    report_interval_s: int
    quantities: tuple[tuple[str, float | None, float | None], ...]  # (code, min valid, max valid)
    rules: tuple[RuleSpec, ...]

    @property
    def offline_after_s(self) -> int:
        return 3 * self.report_interval_s  # no data for 3 report intervals (2–3× is common practice)


UCUM = "http://unitsofmeasure.org/ucum.html#"
QUANTITIES = [
    QuantitySpec("pm25", "PM2.5", "microgram per cubic metre", "µg/m³", UCUM + "ug/m3"),
    QuantitySpec("pm10", "PM10", "microgram per cubic metre", "µg/m³", UCUM + "ug/m3"),
    QuantitySpec("o3", "臭氧", "microgram per cubic metre", "µg/m³", UCUM + "ug/m3"),
    QuantitySpec("no2", "二氧化氮", "microgram per cubic metre", "µg/m³", UCUM + "ug/m3"),
    QuantitySpec("laeq", "等效声级", "decibel (A-weighted)", "dB(A)", UCUM + "dB"),
    QuantitySpec("water_level", "水位", "metre", "m", UCUM + "m"),
    QuantitySpec("tilt", "倾角", "degree", "°", UCUM + "deg"),
    QuantitySpec("cover_open", "井盖开启", "state (1 open, 0 closed)", "", ""),
    QuantitySpec("smoke", "烟雾报警", "state (1 smoke, 0 none)", "", ""),
    QuantitySpec("gas_lel", "可燃气体浓度", "percent of the lower explosive limit", "%LEL", ""),
    QuantitySpec("fill_level", "满溢度", "fraction (0 empty, 1 full)", "", UCUM + "1"),
    QuantitySpec("lamp_on", "开灯状态", "state (1 on, 0 off)", "", ""),
    QuantitySpec("power", "功率", "watt", "W", UCUM + "W"),
    QuantitySpec("occupied", "车位占用", "state (1 occupied, 0 free)", "", ""),
    QuantitySpec("battery", "电池电量", "fraction (0 empty, 1 full)", "", UCUM + "1"),
    QuantitySpec("value", "测量值", "", "", ""),
]


def offline(severity: str = "warning") -> RuleSpec:
    return RuleSpec("offline", "设备离线", "offline", severity, params={})


def battery_low() -> RuleSpec:
    return RuleSpec(
        "battery-low",
        "电池电量低",
        "threshold",
        "warning",
        "battery",
        {"op": "<", "value": 0.2, "clear_value": 0.3},
    )


def aqi_rule(
    code: str, name: str, quantity: str, limits: tuple[float, float, float], clear: float
) -> RuleSpec:
    """IAQI > 100 minor, > 150 major, > 200 critical, sustained for an hour (HJ 633-2012)."""
    minor, major, critical = limits
    params = {
        "op": ">",
        "value": minor,
        "clear_value": clear,
        "for_s": 3600,
        "levels": [{"value": major, "severity": "major"}, {"value": critical, "severity": "critical"}],
    }
    return RuleSpec(code, name, "threshold", "minor", quantity, params)


NOISE_LIMIT = {"source": "noise_limit"}

TYPES = [
    TypeSpec(
        "air_quality",
        "空气质量监测仪",
        "PM2.5, PM10, O₃ and NO₂ against GB 3095-2012 Grade II, graded by the HJ 633-2012 IAQI.",
        300,
        (("pm25", 0, 1000), ("pm10", 0, 2000), ("o3", 0, 1200), ("no2", 0, 2000)),
        (
            aqi_rule("pm25-high", "PM2.5超标", "pm25", (75, 115, 150), 65),
            aqi_rule("pm10-high", "PM10超标", "pm10", (150, 250, 350), 130),
            aqi_rule("o3-high", "臭氧超标", "o3", (160, 215, 265), 140),
            aqi_rule("no2-high", "二氧化氮超标", "no2", (80, 180, 280), 70),
            offline(),
        ),
    ),
    TypeSpec(
        "noise",
        "噪声监测仪",
        "Leq against the GB 3096-2008 limit of the device's zone class (properties.zone_class).",
        60,
        (("laeq", 20, 140),),
        (
            RuleSpec(
                "noise-over-limit",
                "噪声超标",
                "threshold",
                "minor",
                "laeq",
                {
                    "op": ">",
                    "value": NOISE_LIMIT,
                    "clear_value": {**NOISE_LIMIT, "offset": -3},
                    "for_s": 600,
                    "levels": [{"value": {**NOISE_LIMIT, "offset": 10}, "severity": "major"}],
                },
            ),
            offline(),
        ),
    ),
    TypeSpec(
        "water_level",
        "水位计",
        "Water level against the gauge's warning, guaranteed and historic maximum levels (properties).",
        300,
        (("water_level", -10, 100), ("battery", 0, 1)),
        (
            RuleSpec(
                "flood-warning",
                "水位预警",
                "threshold",
                "warning",
                "water_level",
                {
                    "op": ">=",
                    "value": {"property": "warning_level", "offset": -0.3},
                    "clear_value": {"property": "warning_level", "offset": -0.5},
                    "for_s": 300,
                    "levels": [
                        {"value": {"property": "warning_level"}, "severity": "minor"},
                        {"value": {"property": "guaranteed_level"}, "severity": "major"},
                        {"value": {"property": "historic_max"}, "severity": "critical"},
                    ],
                    "case_severity": "minor",
                },
                ITEM_FLOOD_RISK,
            ),
            RuleSpec(
                "level-rising",
                "水位快速上涨",
                "rate",
                "warning",
                "water_level",
                {"value": 0.02, "clear_value": 0.005, "direction": "up"},
            ),
            battery_low(),
            offline(),
        ),
    ),
    TypeSpec(
        "manhole",
        "智能井盖",
        "Tilt angle and open state of a manhole cover.",
        3600,
        (("tilt", 0, 90), ("cover_open", 0, 1), ("battery", 0, 1)),
        (
            RuleSpec(
                "cover-open",
                "井盖开启",
                "threshold",
                "critical",
                "cover_open",
                {"op": ">=", "value": 1},
                ITEM_COVER_MISSING,
            ),
            RuleSpec(
                "cover-tilt",
                "井盖倾斜",
                "threshold",
                "major",
                "tilt",
                {"op": ">=", "value": 15, "clear_value": 5, "for_s": 60},
                ITEM_COVER_DISPLACED,
            ),
            battery_low(),
            offline(),
        ),
    ),
    TypeSpec(
        "smoke",
        "独立式烟感",
        "Smoke alarm state of a networked smoke detector.",
        14400,
        (("smoke", 0, 1), ("battery", 0, 1)),
        (
            RuleSpec(
                "smoke-alarm",
                "烟雾报警",
                "threshold",
                "critical",
                "smoke",
                {"op": ">=", "value": 1},
                case_item_code=ITEM_FIRE_ALARM,
            ),
            battery_low(),
            offline(),
        ),
    ),
    TypeSpec(
        "gas",
        "可燃气体探测器",
        "Combustible gas in %LEL; alarms at 20 %LEL and 50 %LEL (common practice).",
        60,
        (("gas_lel", 0, 100),),
        (
            RuleSpec(
                "gas-leak",
                "可燃气体泄漏",
                "threshold",
                "major",
                "gas_lel",
                {
                    "op": ">=",
                    "value": 20,
                    "clear_value": 10,
                    "levels": [{"value": 50, "severity": "critical"}],
                },
                ITEM_GAS_LEAK,
            ),
            offline("major"),
        ),
    ),
    TypeSpec(
        "waste_bin",
        "垃圾桶满溢传感器",
        "Fill level of a waste bin: 0.8 to collect, 0.95 overflowing.",
        1800,
        (("fill_level", 0, 1), ("battery", 0, 1)),
        (
            RuleSpec(
                "bin-full",
                "垃圾桶满溢",
                "threshold",
                "warning",
                "fill_level",
                {
                    "op": ">=",
                    "value": 0.8,
                    "clear_value": 0.3,
                    "levels": [{"value": 0.95, "severity": "major"}],
                    "case_severity": "major",
                },
                ITEM_BIN_OVERFLOW,
            ),
            battery_low(),
            offline(),
        ),
    ),
    TypeSpec(
        "streetlight",
        "智慧路灯控制器",
        "Lamp state and power: on in daylight wastes energy; on at low power is a broken lamp.",
        300,
        (("lamp_on", 0, 1), ("power", 0, 1000)),
        (
            RuleSpec(
                "lamp-day-on",
                "白天亮灯",
                "threshold",
                "warning",
                "lamp_on",
                {"op": ">=", "value": 1, "for_s": 900, "hours": [8, 17]},
            ),
            RuleSpec(
                "lamp-on", "开灯", "threshold", "warning", "lamp_on", {"op": ">=", "value": 1, "alarm": False}
            ),
            RuleSpec(
                "lamp-low-power",
                "功率过低",
                "threshold",
                "warning",
                "power",
                {"op": "<", "value": 5, "clear_value": 10, "for_s": 300, "alarm": False},
            ),
            RuleSpec(
                "lamp-failure",
                "路灯不亮",
                "combination",
                "minor",
                None,
                {"op": "all", "rules": ["lamp-on", "lamp-low-power"]},
                ITEM_LAMP_OUT,
            ),
            offline(),
        ),
    ),
    TypeSpec(
        "parking",
        "车位检测器",
        "Occupancy of a parking space; only an offline sensor raises an alarm.",
        600,
        (("occupied", 0, 1), ("battery", 0, 1)),
        (offline(),),
    ),
    TypeSpec(
        "generic",
        "通用传感器",
        "Any single value; only an offline device raises an alarm.",
        60,
        (("value", None, None),),
        (offline(),),
    ),
]
TYPE_SPECS = {spec.code: spec for spec in TYPES}


def noise_limit(zone_class: str, local_hour: int) -> float | None:
    """The GB 3096-2008 Leq limit of a zone class at a local hour; None for an unknown class."""
    limits = NOISE_LIMITS.get(str(zone_class).lower())
    if limits is None:
        return None
    return limits[0] if DAY_START_HOUR <= local_hour < DAY_END_HOUR else limits[1]


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def cover_item(item_code: str, properties: dict) -> str:
    """The patrol item of a cover alarm for the cover's network; ``item_code`` when it has none."""
    value = properties.get("network") if isinstance(properties, dict) else None
    network = COVER_NETWORKS.get(value) if isinstance(value, str) else None
    if network is None or item_code[:6] not in COVER_CATEGORIES or len(item_code) != 8:
        return item_code
    return network[0] + item_code[6:]


def network_error(properties: dict) -> str | None:
    """Why a manhole's ``network`` property is not one we know (absent is fine: rain-water items)."""
    value = properties.get("network")
    if "network" not in properties or (isinstance(value, str) and value in COVER_NETWORKS):
        return None
    allowed = ", ".join(f"{code} ({name})" for code, (_, name) in COVER_NETWORKS.items())
    return f"network must be one of {allowed}, not {value!r}"


def property_errors(type_code: str, properties: dict) -> list[tuple[str, str]]:
    """(field, message) for device properties a standard type's rules need and cannot use."""
    errors = []
    if type_code == "manhole" and (message := network_error(properties)):
        errors.append(("properties.network", message))
    if type_code == "noise":
        zone = properties.get("zone_class")
        if str(zone).lower() not in NOISE_LIMITS:
            errors.append(
                (
                    "properties.zone_class",
                    f"zone_class must be one of {', '.join(NOISE_LIMITS)} (GB 3096-2008), not {zone!r}",
                )
            )
    if type_code == "water_level":
        missing = [k for k in WATER_LEVELS if not _number(properties.get(k))]
        for key in missing:
            errors.append((f"properties.{key}", f"{key} must be a number in metres"))
        if not missing:
            warn = properties["warning_level"]
            for key in ("guaranteed_level", "historic_max"):
                if properties[key] <= warn:
                    errors.append(
                        (
                            f"properties.{key}",
                            f"{key} ({properties[key]}) must be above the warning level ({warn})",
                        )
                    )
    return errors


def _install_limits(types: dict, quantities: dict) -> None:
    """Each type's quantities with their valid range (the missing in one INSERT)."""
    held = {
        (r.device_type_id, r.quantity_id): r
        for r in DeviceTypeQuantity.objects.filter(device_type__in=types.values())
    }
    missing = []
    for spec in TYPES:
        device_type = types[spec.code]
        for code, low, high in spec.quantities:
            row = held.get((device_type.pk, quantities[code].pk))
            if row is None:
                missing.append(
                    DeviceTypeQuantity(
                        device_type=device_type, quantity=quantities[code], min_valid=low, max_valid=high
                    )
                )
            elif (row.min_valid, row.max_valid) != (low, high):
                row.min_valid, row.max_valid = low, high
                row.save(update_fields=["min_valid", "max_valid"])
    DeviceTypeQuantity.objects.bulk_create(missing)


def _install_rules(types: dict, quantities: dict, counts: dict) -> None:
    """Each type's type-level rules, by (type, code)."""
    held = {
        (r.device_type_id, r.code): r
        for r in Rule.objects.filter(device_type__in=types.values(), device__isnull=True)
    }
    missing = []
    for spec in TYPES:
        device_type = types[spec.code]
        for rule in spec.rules:
            fields = {
                "name": rule.name,
                "kind": rule.kind,
                "severity": rule.severity,
                "quantity": quantities[rule.quantity] if rule.quantity else None,
                "params": rule.params,
                "case_item_code": rule.case_item_code,
            }
            obj = held.get((device_type.pk, rule.code))
            if obj is None:
                missing.append(Rule(device_type=device_type, code=rule.code, **fields))
                counts["rules_created"] += 1
            elif any(getattr(obj, k) != v for k, v in fields.items()):
                for key, value in fields.items():
                    setattr(obj, key, value)
                obj.save()
                counts["rules_updated"] += 1
    Rule.objects.bulk_create(missing)


def profiles_install(*, by=None, actor_name: str = "") -> dict[str, int]:
    """Create or update the standard quantities, device types and their type-level rules (by code)."""
    counts = dict.fromkeys(
        (
            "quantities_created",
            "quantities_updated",
            "types_created",
            "types_updated",
            "rules_created",
            "rules_updated",
        ),
        0,
    )
    counts.update(types_unchanged=0, quantities_unchanged=0)
    with transaction.atomic():
        quantities, outcomes = upsert_all_by_code(
            Quantity,
            {
                q.code: {
                    "name": q.name,
                    "unit_name": q.unit_name,
                    "unit_symbol": q.unit_symbol,
                    "unit_definition": q.unit_definition,
                    "description": q.description,
                }
                for q in QUANTITIES
            },
        )
        counts.update({f"quantities_{outcome.value}": n for outcome, n in outcomes.items()})
        types, outcomes = upsert_all_by_code(
            DeviceType,
            {
                spec.code: {
                    "name": spec.name,
                    "description": spec.description,
                    "report_interval_s": spec.report_interval_s,
                    "offline_after_s": spec.offline_after_s,
                }
                for spec in TYPES
            },
        )
        counts.update({f"types_{outcome.value}": n for outcome, n in outcomes.items()})
        _install_limits(types, quantities)
        _install_rules(types, quantities, counts)
        changed = {k: v for k, v in counts.items() if v and not k.endswith(Outcome.UNCHANGED.value)}
        if changed:
            audit_record(
                action="iot.profiles.install",
                actor=by,
                actor_name=actor_name,
                object_type="iot.devicetype",
                after=changed,
            )
    # The rule cache must see the new rules at once in this process.
    rule_cache.invalidate()
    transaction.on_commit(rule_cache.invalidate)
    return counts
