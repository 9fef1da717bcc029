"""Checks of a rule's configuration: every setting that cannot work is refused, naming its field.

Refused, among others: a clear value on the wrong side of the threshold (no hysteresis can work),
a negative duration, a quantity the device type does not measure, a threshold outside the
quantity's valid range (it could never be reached), levels that do not grow more severe and more
extreme together, a combination naming rules that do not exist, an offline time shorter than the
report interval, unknown parameters, and a case item that is not an active patrol item.
"""

import math
import re
from dataclasses import dataclass, field

from cityops.cases import links
from cityops.iot.choices import SEVERITY_RANK, RuleKind, Severity

RULE_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
OPS = (">", ">=", "<", "<=")
COMMON_PARAMS = {"alarm", "quiet_s", "case_severity"}
KIND_PARAMS = {
    RuleKind.THRESHOLD: {"op", "value", "clear_value", "for_s", "levels", "hours"},
    RuleKind.RATE: {"value", "clear_value", "direction", "max_gap_s"},
    RuleKind.OFFLINE: {"after_s"},
    RuleKind.COMBINATION: {"op", "rules"},
}


@dataclass
class RuleIn:
    device_type: str
    code: str
    name: str
    kind: str
    severity: str
    quantity: str | None = None
    params: dict = field(default_factory=dict)
    enabled: bool = True
    case_item_code: str = ""
    device: str | None = None  # a device code: a per-device override


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _ref_error(spec, name: str) -> str | None:
    """Why ``spec`` is not a threshold: a number, {"property", "offset"} or {"source", "offset"}."""
    if _is_number(spec):
        return None
    if not isinstance(spec, dict):
        return f"{name} must be a number or an object naming a device property"
    keys = set(spec) - {"offset"}
    if "offset" in spec and not _is_number(spec["offset"]):
        return f"{name}.offset must be a number"
    if keys == {"property"} and isinstance(spec["property"], str) and spec["property"]:
        return None
    if keys == {"source"} and spec["source"] == "noise_limit":
        return None
    return f"{name} must be a number, {{'property': name, 'offset': n}} or {{'source': 'noise_limit', 'offset': n}}"


@dataclass
class RuleContext:
    """What a rule is checked against: its type's quantities and its sibling rules."""

    report_interval_s: int
    ranges: dict[str, tuple[float | None, float | None]]  # quantity code -> valid range
    siblings: dict[str, str]  # code -> kind of the other rules the combination may use


def _range_error(value, q: str, ctx: RuleContext, name: str) -> str | None:
    low, high = ctx.ranges.get(q, (None, None))
    if _is_number(value) and ((low is not None and value < low) or (high is not None and value > high)):
        return f"{name} {value} can never be reached: readings of {q} outside [{low}, {high}] are refused"
    return None


def _threshold_errors(r: RuleIn, p: dict, ctx: RuleContext) -> list[tuple[str, str]]:
    errors = []
    op = p.get("op", ">=")
    if op not in OPS:
        errors.append(("params.op", f"op must be one of {', '.join(OPS)}"))
        op = ">="
    up = op in (">", ">=")
    if "value" not in p:
        errors.append(("params.value", "a threshold needs a value"))
    for key in ("value", "clear_value"):
        if key in p and (why := _ref_error(p[key], key) or _range_error(p[key], r.quantity, ctx, key)):
            errors.append((f"params.{key}", why))
    value, clear = p.get("value"), p.get("clear_value")
    if _is_number(value) and _is_number(clear) and (clear > value if up else clear < value):
        side = "at or below" if up else "at or above"
        errors.append(
            (
                "params.clear_value",
                f"clear_value {clear} is on the wrong side of the threshold {value}: with op {op} it must be {side} it",
            )
        )
    if "for_s" in p and not (_is_number(p["for_s"]) and p["for_s"] >= 0):
        errors.append(("params.for_s", f"for_s must be a duration of 0 seconds or more, not {p['for_s']!r}"))
    hours = p.get("hours")
    if hours is not None and not (
        isinstance(hours, list)
        and len(hours) == 2
        and all(isinstance(h, int) and 0 <= h <= 24 for h in hours)
        and hours[0] != hours[1]
    ):
        errors.append(("params.hours", "hours must be [from, to]: two different whole hours 0–24"))
    errors += _level_errors(r, p.get("levels"), value, up, ctx)
    return errors


def _level_errors(r: RuleIn, levels, base, up: bool, ctx: RuleContext) -> list[tuple[str, str]]:
    if levels is None:
        return []
    if not isinstance(levels, list) or not levels:
        return [("params.levels", "levels must be a list of {value, severity}")]
    errors = []
    last_rank, last_value = SEVERITY_RANK.get(r.severity, 0), base
    for i, level in enumerate(levels):
        name = f"params.levels[{i}]"
        if not isinstance(level, dict) or set(level) != {"value", "severity"}:
            errors.append((name, "each level is {value, severity}"))
            continue
        if level["severity"] not in Severity.values or SEVERITY_RANK[level["severity"]] <= last_rank:
            errors.append(
                (
                    f"{name}.severity",
                    "each level must be more severe than the rule's severity and the level before",
                )
            )
        else:
            last_rank = SEVERITY_RANK[level["severity"]]
        v = level["value"]
        if why := _ref_error(v, "value") or _range_error(v, r.quantity, ctx, "value"):
            errors.append((f"{name}.value", why))
        elif _is_number(v) and _is_number(last_value) and (v <= last_value if up else v >= last_value):
            errors.append(
                (
                    f"{name}.value",
                    f"{v} must be beyond {last_value}: a more severe level needs a more extreme value",
                )
            )
        last_value = v
    return errors


def _rate_errors(p: dict, ctx: RuleContext) -> list[tuple[str, str]]:
    errors = []
    value, clear = p.get("value"), p.get("clear_value", p.get("value"))
    if not (_is_number(value) and value > 0):
        errors.append(("params.value", "a rate rule needs a value: the change per minute, above 0"))
    elif not (_is_number(clear) and 0 <= clear <= value):
        errors.append(
            ("params.clear_value", f"clear_value must be between 0 and the value {value} (per minute)")
        )
    if p.get("direction", "up") not in ("up", "down", "both"):
        errors.append(("params.direction", "direction must be up, down or both"))
    gap = p.get("max_gap_s")
    if gap is not None and not (_is_number(gap) and gap >= ctx.report_interval_s):
        errors.append(
            ("params.max_gap_s", f"max_gap_s must be at least the report interval {ctx.report_interval_s} s")
        )
    return errors


def _offline_errors(p: dict, ctx: RuleContext) -> list[tuple[str, str]]:
    after = p.get("after_s")
    if after is None:
        return []
    if not _is_number(after) or after < ctx.report_interval_s:
        return [
            (
                "params.after_s",
                f"offline after {after!r} s is shorter than the report interval {ctx.report_interval_s} s: "
                "every device would go offline between two readings",
            )
        ]
    return []


def _combination_errors(r: RuleIn, p: dict, ctx: RuleContext) -> list[tuple[str, str]]:
    errors = []
    if p.get("op", "all") not in ("all", "any"):
        errors.append(("params.op", "op must be all or any"))
    codes = p.get("rules")
    if not isinstance(codes, list) or len(codes) < 2 or not all(isinstance(c, str) for c in codes):
        return [*errors, ("params.rules", "a combination needs a list of at least two rule codes")]
    for code in codes:
        if code == r.code:
            errors.append(("params.rules", f"a combination cannot include itself ({code})"))
        elif code not in ctx.siblings:
            errors.append(("params.rules", f"there is no rule {code!r} of device type {r.device_type}"))
        elif ctx.siblings[code] == RuleKind.COMBINATION:
            errors.append(("params.rules", f"{code} is a combination itself; combine plain rules"))
    return errors


def _common_errors(r: RuleIn, p: dict) -> list[tuple[str, str]]:
    errors = []
    unknown = sorted(set(p) - COMMON_PARAMS - KIND_PARAMS.get(r.kind, set()))
    errors += [(f"params.{k}", f"a {r.kind} rule has no parameter {k!r}") for k in unknown]
    if "alarm" in p and not isinstance(p["alarm"], bool):
        errors.append(("params.alarm", "alarm must be true or false"))
    if "quiet_s" in p and not (_is_number(p["quiet_s"]) and p["quiet_s"] >= 0):
        errors.append(("params.quiet_s", "quiet_s must be 0 seconds or more"))
    reachable = {r.severity} | {lv.get("severity") for lv in p.get("levels") or [] if isinstance(lv, dict)}
    if "case_severity" in p and p["case_severity"] not in reachable:
        errors.append(
            (
                "params.case_severity",
                f"case_severity must be a severity the rule raises: {', '.join(sorted(s for s in reachable if s))}",
            )
        )
    if r.case_item_code and not links.active_item_codes([r.case_item_code]):
        errors.append(("case_item_code", f"there is no active patrol item {r.case_item_code!r}"))
    if r.case_item_code and p.get("alarm") is False:
        errors.append(("case_item_code", "a rule that raises no alarm cannot open a case"))
    return errors


def rule_errors(r: RuleIn, ctx: RuleContext) -> list[tuple[str, str]]:
    """Every reason the rule cannot work as configured, with the field to fix."""
    errors = []
    if not RULE_CODE_RE.match(r.code or ""):
        errors.append(("code", f"{r.code!r}: 1 to 40 lower-case letters, digits, '-' or '_'"))
    if not (r.name or "").strip() or len(r.name) > 100:
        errors.append(("name", "a name of 1 to 100 characters is required"))
    if r.severity not in Severity.values:
        errors.append(("severity", f"{r.severity!r} is not one of {', '.join(Severity.values)}"))
    if r.kind not in RuleKind.values:
        return [*errors, ("kind", f"{r.kind!r} is not one of {', '.join(RuleKind.values)}")]
    p = r.params
    if not isinstance(p, dict):
        return [*errors, ("params", "params must be a JSON object")]
    measured = r.kind in (RuleKind.THRESHOLD, RuleKind.RATE)
    if measured and not r.quantity:
        return [*errors, ("quantity", f"a {r.kind} rule needs the quantity it watches")]
    if measured and r.quantity not in ctx.ranges:
        measures = ", ".join(sorted(ctx.ranges)) or "nothing"
        return [
            *errors,
            (
                "quantity",
                f"device type {r.device_type} does not measure {r.quantity!r}; it measures {measures}",
            ),
        ]
    if not measured and r.quantity:
        errors.append(("quantity", f"a {r.kind} rule watches no quantity"))
    errors += _common_errors(r, p)
    if r.kind == RuleKind.THRESHOLD:
        errors += _threshold_errors(r, p, ctx)
    elif r.kind == RuleKind.RATE:
        errors += _rate_errors(p, ctx)
    elif r.kind == RuleKind.OFFLINE:
        errors += _offline_errors(p, ctx)
    else:
        errors += _combination_errors(r, p, ctx)
    return errors
