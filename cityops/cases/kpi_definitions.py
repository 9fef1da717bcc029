"""The KPIs of grid governance as definitions: each indicator's formula over rollup counters, the
counters' names, and the composite scores and grades of departments and inspectors
(``docs/kpis.md``). ``kpis.py`` computes them from the rollups.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by (never an error)."""
    if not denominator:
        return None
    return numerator / denominator


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str  # translated lazily: the user's language on a page, Chinese in the export
    numerator: Callable[[dict], int]
    denominator: Callable[[dict], int]
    numerator_label: str
    denominator_label: str
    groups: tuple[str, ...] = ()  # empty: every grouping; else only these

    def parts(self, totals: dict) -> tuple[int, int]:
        return self.numerator(totals), self.denominator(totals)

    def compute(self, totals: dict) -> float | None:
        return rate(*self.parts(totals))


def _sum(name: str) -> Callable[[dict], int]:
    return lambda t: t.get(name) or 0


def _ratio(key, label, num, den, num_label, den_label, groups=()) -> Kpi:
    """A KPI of sums: ``num`` and ``den`` name a sum (``num`` may be a function of the sums)."""
    numerator = num if callable(num) else _sum(num)
    return Kpi(key, label, numerator, _sum(den), num_label, den_label, tuple(groups))


def _accurate(t: dict) -> int:
    return (t.get("dispatched") or 0) - (t.get("returned") or 0)


# The counters' names, shown in the KPI page's formulas and the export's columns.
COUNT_LABELS = {
    "reported": _("Cases reported"),  # 上报数
    "registered": _("Cases registered"),  # 立案数
    "cancelled": _("Cases cancelled"),  # 作废数
    "dispatched": _("Cases dispatched"),  # 派遣数
    "returned": _("Cases returned"),  # 回退数
    "due": _("Cases due to close"),  # 应结案数
    "disposed": _("Cases disposed"),  # 处置数
    "disposed_on_time": _("Cases disposed on time"),  # 按期处置数
    "closed": _("Cases closed"),  # 结案数
    "closed_on_time": _("Cases closed on time"),  # 按期结案数
    "overdue_open": _("Cases overdue and open"),  # 超期未结数
    "reworked": _("Cases reworked"),  # 返工数
    "effective": _("Cases effectively disposed"),  # 有效处置数
    "verifications": _("Verifications due"),  # 应核实数
    "verifications_on_time": _("Verifications on time"),  # 按时核实数
    "rechecks": _("Re-checks due"),  # 应核查数
    "rechecks_on_time": _("Re-checks on time"),  # 按时核查数
}
C = COUNT_LABELS

KPIS: tuple[Kpi, ...] = (
    _ratio(
        "registration_rate", _("Registration rate"), "registered", "reported", C["registered"], C["reported"]
    ),
    _ratio(
        "dispatch_accuracy",
        _("Dispatch accuracy"),
        _accurate,
        "dispatched",
        _("Cases dispatched − returned"),
        C["dispatched"],
    ),
    _ratio("disposal_rate", _("Disposal rate"), "disposed", "due", C["disposed"], C["due"]),
    _ratio(
        "on_time_disposal_rate",
        _("On-time disposal rate"),
        "disposed_on_time",
        "due",
        C["disposed_on_time"],
        C["due"],
    ),
    _ratio("closure_rate", _("Closure rate"), "closed", "due", C["closed"], C["due"]),
    _ratio(
        "on_time_closure_rate",
        _("On-time closure rate"),
        "closed_on_time",
        "due",
        C["closed_on_time"],
        C["due"],
    ),
    _ratio("rework_rate", _("Rework rate"), "reworked", "due", C["reworked"], C["due"]),
    _ratio(
        "effective_disposal_rate", _("Effective disposal rate"), "effective", "due", C["effective"], C["due"]
    ),
    _ratio(
        "resident_report_share",
        _("Residents' share of cases"),
        "registered_resident",
        "registered",
        _("Cases registered from residents"),
        C["registered"],
    ),
    _ratio(
        "effective_report_rate",
        _("Effective report rate"),
        "registered_patrol",
        "reported_patrol",
        _("Patrol cases registered"),
        _("Patrol cases reported"),
    ),
    _ratio(
        "on_time_verify_rate",
        _("On-time verification rate"),
        "verifications_on_time",
        "verifications",
        C["verifications_on_time"],
        C["verifications"],
    ),
    _ratio(
        "on_time_recheck_rate",
        _("On-time re-check rate"),
        "rechecks_on_time",
        "rechecks",
        C["rechecks_on_time"],
        C["rechecks"],
    ),
    _ratio(
        "missed_report_rate",
        _("Missed report rate"),
        "missed",
        "grid_registered",
        _("Residents' cases registered in the grid"),
        _("Cases registered in the grid"),
        ("inspector",),
    ),
)
KPI_BY_KEY = {k.key: k for k in KPIS}

# 立案数分值 of a department per 30 days: fewer problems in its field score higher.
# (at most this many registered cases, score); more than the last bound scores 0.
DEPARTMENT_COUNT_STEPS = ((50, 100), (100, 90), (300, 75), (500, 60), (999, 40))
GRADES = ((90, "A"), (75, "B"), (60, "C"), (40, "D"))


def department_count_score(registered: int, days: int = 30) -> int:
    """The step score of a department's registered cases, the bounds scaled to the period's length."""
    scale = max(days, 1) / 30
    for bound, score in DEPARTMENT_COUNT_STEPS:
        if registered <= bound * scale:
            return score
    return 0


def _weighted(parts: list[tuple[float | None, float]]) -> float | None:
    """Weighted mean of the parts that exist; the weights of missing parts are shared out."""
    present = [(v, w) for v, w in parts if v is not None]
    if not present:
        return None
    return sum(v * w for v, w in present) / sum(w for _, w in present)


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def department_score(totals: dict, days: int) -> float | None:
    """立案数分值×10% + 结案率分值×30% + 按期处置率分值×30% + 返工率分值×30%; None with nothing due."""
    if not totals.get("due"):
        return None
    rework = KPI_BY_KEY["rework_rate"].compute(totals)
    return _weighted(
        [
            (department_count_score(totals.get("registered") or 0, days), 0.10),
            (_pct(KPI_BY_KEY["closure_rate"].compute(totals)), 0.30),
            (_pct(KPI_BY_KEY["on_time_disposal_rate"].compute(totals)), 0.30),
            (None if rework is None else (1 - rework) * 100, 0.30),
        ]
    )


def inspector_score(totals: dict) -> float | None:
    """有效上报率×40% + (1−漏报率)×20% + 按时核实率×20% + 按时核查率×20%; None with no reports."""
    effective = KPI_BY_KEY["effective_report_rate"].compute(totals)
    if effective is None:
        return None
    missed = KPI_BY_KEY["missed_report_rate"].compute(totals)
    return _weighted(
        [
            (effective * 100, 0.40),
            (None if missed is None else (1 - missed) * 100, 0.20),
            (_pct(KPI_BY_KEY["on_time_verify_rate"].compute(totals)), 0.20),
            (_pct(KPI_BY_KEY["on_time_recheck_rate"].compute(totals)), 0.20),
        ]
    )


def grade(score: float | None) -> str | None:
    """A ≥ 90, B 75–90, C 60–75, D 40–60, E < 40 (a bound belongs to the higher band)."""
    if score is None:
        return None
    for bound, letter in GRADES:
        if score >= bound:
            return letter
    return "E"
