"""The compiled rules of every device type, cached per process.

Rules come from a per-process cache per device type, with the per-device overrides (same code)
merged in, checked against the database every ``CHECK_S`` seconds and dropped at once when a rule
or a device type is written in this process (``invalidate``). It sits below both the evaluator
(``rules``) and the writers of rules (``services``, ``profiles``), which is why it is a module of
its own: the profile installer must empty it, and the evaluator reads it.
"""

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max

from cityops.iot.models import DeviceType, Rule

CHECK_S = 5.0  # how stale another process's rule change may be in this process's cache


@dataclass(frozen=True)
class RuleDef:
    """A rule as the evaluator needs it, compiled once from its row."""

    id: int
    code: str
    name: str
    kind: str
    severity: str
    quantity: str | None
    unit: str
    params: dict
    case_item_code: str
    device_type_id: int
    report_interval_s: int
    offline_after_s: int

    @property
    def raises_alarm(self) -> bool:
        return self.params.get("alarm", True) is not False

    @property
    def op(self) -> str:
        return self.params.get("op", ">=")

    @property
    def after_s(self) -> int:
        return int(self.params.get("after_s") or self.offline_after_s)


@dataclass
class RuleSet:
    """The enabled rules of one device type and the per-device overrides of them."""

    base: dict[str, RuleDef] = field(default_factory=dict)
    overrides: dict[int, dict[str, RuleDef | None]] = field(default_factory=dict)  # None: disabled

    def for_device(self, device_id: int) -> dict[str, RuleDef]:
        own = self.overrides.get(device_id)
        if not own:
            return self.base
        merged = {**self.base, **own}
        return {code: rule for code, rule in merged.items() if rule is not None}


_lock = threading.Lock()
_cache: dict = {"sets": None, "version": None, "checked": 0.0}


def invalidate() -> None:
    """Forget the cached rules (a rule or type was written)."""
    with _lock:
        _cache.update(sets=None, version=None, checked=0.0)


def _version() -> tuple:
    rules = Rule.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    types = DeviceType.objects.aggregate(at=Max("updated_at"))
    return rules["n"], rules["at"], types["at"]


def _load() -> dict[int, RuleSet]:
    sets: dict[int, RuleSet] = defaultdict(RuleSet)
    rows = Rule.objects.select_related("quantity", "device_type").order_by("id")
    for r in rows:
        compiled = RuleDef(
            id=r.id,
            code=r.code,
            name=r.name,
            kind=r.kind,
            severity=r.severity,
            quantity=r.quantity.code if r.quantity_id else None,
            unit=r.quantity.unit_symbol if r.quantity_id else "",
            params=r.params or {},
            case_item_code=r.case_item_code,
            device_type_id=r.device_type_id,
            report_interval_s=r.device_type.report_interval_s,
            offline_after_s=r.device_type.offline_after_s,
        )
        target = sets[r.device_type_id]
        if r.device_id is None:
            if r.enabled:
                target.base[r.code] = compiled
        else:
            target.overrides.setdefault(r.device_id, {})[r.code] = compiled if r.enabled else None
    return dict(sets)


def rule_sets() -> dict[int, RuleSet]:
    """The cached rule sets by device type id, reloaded when the rules changed."""
    with _lock:
        if _cache["sets"] is not None and time.monotonic() - _cache["checked"] < CHECK_S:
            return _cache["sets"]
        version = _version()
        if _cache["sets"] is None or version != _cache["version"]:
            _cache["sets"] = _load()
            _cache["version"] = version
        _cache["checked"] = time.monotonic()
        return _cache["sets"]
