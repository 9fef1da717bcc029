"""Departments and villages ranked by a KPI over a period, with the KPI page's own computation:
``kpi_table`` over the rollups and ``merge_rows`` for the period (as the KPI page's table of every
indicator and the operations reports do), never a formula of our own. Beside each value: its
numerator and denominator and the change against the period of the same length before."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from cityops.cases.kpi_definitions import KPI_BY_KEY, KPIS
from cityops.cases.kpis import kpi_table, merge_rows
from cityops.cases.views.kpis import LOWER_IS_BETTER
from cityops.ops.insight.inputs import InsightInputError, Span

DIMENSIONS = ("department", "village")
DEFAULT_KPI = "effective_disposal_rate"


@dataclass
class Ranked:
    rank: int | None  # None: no value (nothing to divide by), listed last without a rank
    key: str
    name: str
    value: float | None
    numerator: int
    denominator: int
    previous: float | None
    change: float | None  # value − previous, in the KPI's own unit (a share)


def kpi_choices(dimension: str) -> list[tuple[str, str]]:
    """The KPIs a ranking of ``dimension`` can use (those the KPI page defines for it)."""
    return [(k.key, str(k.label)) for k in KPIS if not k.groups or dimension in k.groups]


def _lines(user, dimension: str, span: Span) -> dict:
    rows = kpi_table(user=user, group=dimension, period="year", start=span.start, end=span.end)
    merged = merge_rows(rows, by=("key",), group=dimension, start=span.start, end=span.end)
    return {r.key: r for r in merged}


def rank(*, user, dimension: str, kpi: str, span: Span) -> list[Ranked]:
    """The members of ``dimension`` in the user's scope, best value first (ties share a rank)."""
    if dimension not in DIMENSIONS:
        raise InsightInputError(
            _("A ranking is of departments or villages, not “%(d)s”") % {"d": dimension[:30]}
        )
    if kpi not in dict(kpi_choices(dimension)):
        raise InsightInputError(_("There is no indicator “%(k)s” to rank by") % {"k": kpi[:40]})
    now, before = _lines(user, dimension, span), _lines(user, dimension, span.previous())
    out = []
    for key, row in now.items():
        part = row.kpis[kpi]
        prev = before[key].kpis[kpi]["value"] if key in before else None
        value = part["value"]
        change = None if value is None or prev is None else value - prev
        out.append(Ranked(None, key, row.name, value, part["numerator"], part["denominator"], prev, change))
    sign = 1 if kpi in LOWER_IS_BETTER else -1
    out.sort(key=lambda r: (r.value is None, sign * (r.value or 0), r.key))
    last_value, last_rank = object(), 0
    for i, r in enumerate(out, start=1):
        if r.value is None:
            break
        if r.value != last_value:
            last_value, last_rank = r.value, i
        r.rank = last_rank
    return out


def kpi_label(kpi: str) -> str:
    return str(KPI_BY_KEY[kpi].label)


def lower_is_better(kpi: str) -> bool:
    return kpi in LOWER_IS_BETTER
