"""The KPI page: one indicator as a cross table of two dimensions (villages × departments by
default), or every indicator of one dimension, over a date range, from the rollups only; and two
charts of the indicator (its monthly trend, and a ranking of the row dimension)."""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from cityops.cases.kpi_definitions import KPI_BY_KEY, KPIS
from cityops.cases.kpis import KpiRow, kpi_table, merge_rows
from cityops.cases.rollup import month_start, next_month
from cityops.cases.views.common import staff_page
from cityops.core.inputs import DayField
from cityops.core.pages import is_htmx
from cityops.core.replica import replica_reads

MAX_DAYS = 366
TREND_MONTHS = 12  # a shorter period's trend reaches back this many months, to show a direction
DIMENSIONS = {
    "area": gettext_lazy("Area"),
    "village": gettext_lazy("Village"),
    "grid": gettext_lazy("Grid"),
    "department": gettext_lazy("Department"),
    "category": gettext_lazy("Big category"),
    "channel": gettext_lazy("Channel"),
    "inspector": gettext_lazy("Inspector"),
}
# Columns must stay few enough to read across: no grids or inspectors as columns.
COLUMN_DIMENSIONS = ("area", "village", "department", "category", "channel")
LOWER_IS_BETTER = {"rework_rate", "missed_report_rate"}
NEUTRAL = {"resident_report_share"}  # a share, neither good nor bad: not coloured


class KpiPageForm(forms.Form):
    rows = forms.ChoiceField(label=gettext_lazy("Rows"), choices=DIMENSIONS.items(), initial="village")
    cols = forms.ChoiceField(
        label=gettext_lazy("Columns"),
        choices=[("", gettext_lazy("— every indicator —"))] + [(d, DIMENSIONS[d]) for d in COLUMN_DIMENSIONS],
        initial="department",
        required=False,
    )
    kpi = forms.ChoiceField(
        label=gettext_lazy("Indicator"),
        choices=[(k.key, k.label) for k in KPIS if not k.groups],
        initial="effective_disposal_rate",
    )
    start = DayField(label=gettext_lazy("First day"))
    end = DayField(label=gettext_lazy("Last day"))

    def clean(self):
        data = super().clean()
        if data.get("rows") and data.get("rows") == data.get("cols"):
            self.add_error("cols", gettext_lazy("Choose two different dimensions."))
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("start", gettext_lazy("The first day is after the last."))
        elif start and end and (end - start).days + 1 > MAX_DAYS:
            self.add_error("end", gettext_lazy("A table covers at most a year (366 days)."))
        return data


def _form(request) -> KpiPageForm:
    today = timezone.localdate()
    defaults = {"rows": "village", "cols": "department", "kpi": "effective_disposal_rate"}
    defaults |= {"start": date(today.year, 1, 1).isoformat(), "end": today.isoformat()}
    given = {k: v for k, v in request.GET.items() if k in defaults}  # an empty cols is "every indicator"
    return KpiPageForm({**defaults, **given})


@dataclass
class Cell:
    value: float | None
    numerator: int
    denominator: int
    tint: str = ""  # a background from red (the table's worst) to green (its best)

    @property
    def percent(self) -> str:
        return "" if self.value is None else f"{self.value * 100:.1f}%"

    @property
    def parts(self) -> str:
        return f"{self.numerator:,}/{self.denominator:,}"


def _cell(row: KpiRow | None, kpi: str) -> Cell:
    part = row.kpis[kpi] if row else {"value": None, "numerator": 0, "denominator": 0}
    return Cell(part["value"], part["numerator"], part["denominator"])


def _paint(cells: list[Cell], kpi: str) -> tuple[float, float] | None:
    """Tint the cells on a scale from the lowest to the highest value among them (as a spreadsheet's
    colour scale does): in a town where every village is near 98 %, a fixed scale shows no one."""
    values = [c.value for c in cells if c.value is not None]
    if not values or kpi in NEUTRAL:
        return None
    lo, hi = min(values), max(values)
    for c in cells:
        if c.value is not None:
            good = (c.value - lo) / (hi - lo) if hi > lo else 1.0
            good = 1 - good if kpi in LOWER_IS_BETTER and hi > lo else good
            c.tint = f"hsl({round(good * 120)} 70% 90%)"
    return lo, hi


def _cross(rows: list[KpiRow], kpi: str, start: date, end: date) -> dict:
    """The cross table of one indicator: a cell per pair, the margins and the grand total."""
    kw = {"group": None, "start": start, "end": end}
    cells = {(r.key, r.key2): r for r in merge_rows(rows, by=("key", "key2"), **kw)}
    row_totals = {r.key: r for r in merge_rows(rows, by=("key",), **kw)}
    col_totals = {r.key2: r for r in merge_rows(rows, by=("key2",), **kw)}
    total = merge_rows(rows, by=(), **kw)
    members = sorted({(r.key, r.name) for r in rows})
    columns = sorted({(r.key2, r.name2) for r in rows})
    lines = [
        {
            "key": k,
            "name": n,
            "cells": [_cell(cells.get((k, c)), kpi) for c, _ in columns],
            "total": _cell(row_totals[k], kpi),
        }
        for k, n in members
    ]
    scale = _paint([c for line in lines for c in line["cells"]], kpi)
    return {
        "columns": [{"key": k, "name": n, "total": _cell(col_totals[k], kpi)} for k, n in columns],
        "lines": lines,
        "total": _cell(total[0] if total else None, kpi),
        "scale": scale and {"lo": Cell(scale[0], 0, 0), "hi": Cell(scale[1], 0, 0)},
    }


def _long(rows: list[KpiRow], group: str, start: date, end: date) -> dict:
    """Every indicator of one dimension: a line per member and the total."""
    merged = sorted(merge_rows(rows, by=("key",), group=group, start=start, end=end), key=lambda r: r.key)
    kpis = [k for k in KPIS if not k.groups or group in k.groups]
    total = merge_rows(rows, by=(), group=None, start=start, end=end)
    lines = [{"row": r, "cells": [_cell(r, k.key) for k in kpis]} for r in merged]
    for i, k in enumerate(kpis):  # each indicator on its own scale
        _paint([line["cells"][i] for line in lines], k.key)
    return {
        "kpis": kpis,
        "scored": group in ("department", "inspector"),
        "lines": lines,
        "total": [_cell(total[0] if total else None, k.key) if not k.groups else None for k in kpis],
    }


def _export_url(rows_dim: str, cols_dim: str, start: date, end: date) -> str:
    groups = [f"{rows_dim},{cols_dim}", rows_dim, cols_dim] if cols_dim else [rows_dim]
    query = urlencode([("group", g) for g in groups] + [("period", "month"), ("start", start), ("end", end)])
    return f"{reverse('api-v1:kpis_export')}?{query}"


def _part(row: KpiRow | None, kpi: str) -> dict:
    part = row.kpis[kpi] if row else {"value": None, "numerator": 0, "denominator": 0}
    return {k: part[k] for k in ("value", "numerator", "denominator")}


def trend_start(start: date, end: date) -> date:
    """The trend's first day: the period's, or earlier to cover the last TREND_MONTHS months."""
    first = month_start(end)
    for _ in range(TREND_MONTHS - 1):
        first = month_start(first - timedelta(days=1))
    return min(start, first)


def _trend(user, kpi: str, start: date, end: date) -> dict:
    """The indicator month by month over the user's whole scope: the same reads for any months."""
    first = trend_start(start, end)
    rows = {r.period: r for r in kpi_table(user=user, group="town", period="month", start=first, end=end)}
    months, month = [], month_start(first)
    while month <= end:  # a month without cases stays on the axis, as a gap in the line
        label = f"{month:%Y-%m}"
        last = min(next_month(month) - timedelta(days=1), end)
        months.append(
            {"month": label, "start": max(month, first), "end": last, **_part(rows.get(label), kpi)}
        )
        month = next_month(month)
    return {"start": first, "end": end, "months": months}


def _ranking(rows: list[KpiRow], kpi: str, start: date, end: date) -> dict:
    """The row dimension's members, best first, and the total over them (a ratio of sums)."""
    kw = {"group": None, "start": start, "end": end}
    members = [(r, _part(r, kpi)) for r in merge_rows(rows, by=("key",), **kw)]
    total = merge_rows(rows, by=(), **kw)
    sign = 1 if kpi in LOWER_IS_BETTER else -1
    valued = sorted(
        (m for m in members if m[1]["value"] is not None), key=lambda m: (sign * m[1]["value"], m[0].key)
    )
    return {
        "bars": [{"key": r.key, "name": r.name, **part} for r, part in valued],
        "total": _part(total[0] if total else None, kpi),
        "unvalued": len(members) - len(valued),
    }


def chart_text() -> dict:
    """The words of the charts' script, in the user's language."""
    return {
        "total": gettext("Total"),
        "none": gettext("no value"),
    }


def _charts(user, rows: list[KpiRow], kpi: str, start: date, end: date) -> dict:
    """What the charts draw, embedded in the page as JSON (no second request)."""
    k = KPI_BY_KEY[kpi]
    return {
        "kpi": {
            "key": k.key,
            "label": str(k.label),
            "numerator": str(k.numerator_label),
            "denominator": str(k.denominator_label),
        },
        "lower_is_better": kpi in LOWER_IS_BETTER,
        "neutral": kpi in NEUTRAL,
        "trend": _trend(user, kpi, start, end),
        "ranking": _ranking(rows, kpi, start, end),
        "text": chart_text(),
    }


@staff_page()
def kpis(request):
    """The KPI page: the chosen indicator by two dimensions, or every indicator by one."""
    form = _form(request)
    context: dict = {"form": form, "dimensions": DIMENSIONS}
    if form.is_valid():
        # rollups only, rewritten by their job: a replica a few seconds behind shows the same
        with replica_reads():
            d = form.cleaned_data
            start, end, rows_dim, cols_dim = d["start"], d["end"], d["rows"], d["cols"]
            group = f"{rows_dim},{cols_dim}" if cols_dim else rows_dim
            # A year bucket per calendar year in the range; the page adds them up.
            rows = kpi_table(user=request.user, group=group, period="year", start=start, end=end)
            context |= {
                "start": start,
                "end": end,
                "days": (end - start).days + 1,
                "rows_label": DIMENSIONS[rows_dim],
                "cols_label": DIMENSIONS.get(cols_dim, ""),
                "kpi": KPI_BY_KEY[d["kpi"]],
                "lower_is_better": d["kpi"] in LOWER_IS_BETTER,
                "export_url": _export_url(rows_dim, cols_dim, start, end),
                "empty": not rows,
            }
            if rows:
                context["charts"] = _charts(request.user, rows, d["kpi"], start, end)
            if cols_dim:
                context["cross"] = _cross(rows, d["kpi"], start, end)
            else:
                context["long"] = _long(rows, rows_dim, start, end)
    if is_htmx(request, "kpi-table"):
        return render(request, "cases/partials/kpi_table.html", context)
    return render(request, "cases/kpis.html", context)
