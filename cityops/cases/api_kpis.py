"""The KPI API under /api/v1/kpis: KPI rows with their numerators and denominators, and an XLSX export.

Both read the daily rollups only (``cityops.cases.kpis``), restricted to the caller's scope. A
grouping is one dimension (``village``) or two joined by a comma (``village,department``).
"""

import io
from datetime import date
from typing import Annotated, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone, translation
from ninja import Query, Router, Schema
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from cityops.cases.kpis import (
    COUNT_LABELS,
    GROUP_LABELS,
    KPIS,
    PERIOD_LABELS,
    KpiRow,
    group_label,
    kpi_table,
    parse_group,
)
from cityops.core.errors import ValidationFailed
from cityops.core.inputs import Day

router = Router(tags=["kpis"])


def _grouping(value: str) -> str:
    """A valid grouping, spelled canonically ("village, department" → "village,department")."""
    return ",".join(parse_group(value)) or "town"


# One of town, area, village, grid, department, category, channel, inspector, or two (not town)
# joined by a comma; a bad one is a 422 naming the choices.
Group = Annotated[str, AfterValidator(_grouping)]
Period = Literal["day", "week", "month", "year"]
MAX_DAYS = {"day": 366, "week": 3 * 366, "month": 10 * 366, "year": 20 * 366}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class KpiQuery(Schema):
    group: Group = Field(
        "department",
        description="What each row is: town, area, village, grid, department, category, channel or "
        "inspector, or two of them joined by a comma (village,department: one row per pair)",
    )
    period: Period = Field("month", description="The length of each row's period.")
    start: Day | None = Field(None, description="First day (default: 1 January of the end's year).")
    end: Day | None = Field(None, description="Last day (default: today).")


class ExportQuery(Schema):
    group: list[Group] = Field(
        ["department"],
        description="One sheet per grouping (one dimension or two joined by a comma); repeat it.",
    )
    period: Period = "month"
    start: Day | None = None
    end: Day | None = None


# The output schemas are plain pydantic models, validated in pydantic's core: a ninja Schema wraps
# each instance in a Python validator, which for a year by village × department (437 rows of 13
# KPIs, 5,700 instances) cost 140–200 ms, more than the query itself.
class KpiValueOut(BaseModel):
    label: str
    value: float | None = Field(description="numerator / denominator; null when the denominator is 0")
    numerator: int
    denominator: int


class KpiRowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    period: str
    start: date
    end: date
    key: str = Field(description="code of the member of the (first) dimension")
    name: str
    key2: str | None = Field(None, description="code of the member of the second dimension, if any")
    name2: str | None = None
    counts: dict[str, int]
    kpis: dict[str, KpiValueOut]
    score: float | None = Field(description="composite score 0–100 (departments and inspectors)")
    grade: str | None = Field(description="A ≥ 90, B 75–90, C 60–75, D 40–60, E < 40")


class KpiTableOut(BaseModel):
    group: str
    dimensions: list[str] = Field(description="the grouping's dimensions: [] for town, one or two")
    period: str
    start: date
    end: date
    rows: list[KpiRowOut]


def _range(period: str, start: date | None, end: date | None) -> tuple[date, date]:
    end = end or timezone.localdate()
    start = start or date(end.year, 1, 1)
    if start > end:
        raise ValidationFailed(
            f"start {start} is after end {end}", errors=[{"field": "start", "message": "after end"}]
        )
    if (end - start).days + 1 > MAX_DAYS[period]:
        raise ValidationFailed(
            f"a {period} table covers at most {MAX_DAYS[period]} days; choose a longer period or a shorter range",
            errors=[{"field": "end", "message": "range too long for the period"}],
        )
    return start, end


def _require(request) -> None:
    if not request.user.can("cases.view"):
        raise PermissionDenied("Your role may not see case KPIs.")


@router.get(
    "", response=KpiTableOut, summary="KPIs by unit, department, category, channel or inspector, or by two"
)
def kpis(request, q: Query[KpiQuery]):
    _require(request)
    start, end = _range(q.period, q.start, q.end)
    rows = kpi_table(user=request.user, group=q.group, period=q.period, start=start, end=end)
    dimensions = list(parse_group(q.group))
    return {
        "group": q.group,
        "dimensions": dimensions,
        "period": q.period,
        "start": start,
        "end": end,
        "rows": rows,
    }


@router.get("/export.xlsx", summary="The KPI tables as an Excel workbook, one sheet per grouping")
def kpis_export(request, q: Query[ExportQuery]):
    _require(request)
    start, end = _range(q.period, q.start, q.end)
    groups = list(dict.fromkeys(q.group))
    tables = {g: kpi_table(user=request.user, group=g, period=q.period, start=start, end=end) for g in groups}
    response = HttpResponse(kpi_workbook(tables, q.period, start, end), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="kpis-{q.period}-{start}-{end}.xlsx"'
    return response


# the workbook ------------------------------------------------------------------------------------

HEADERS = ["周期", "开始日期", "结束日期", "编码", "名称"]


def _headers(dims: tuple[str, ...]) -> list[str]:
    """One code and name column for one dimension (编码, 名称), labelled by dimension for two."""
    if len(dims) < 2:
        return HEADERS
    return HEADERS[:3] + [f"{GROUP_LABELS[d]}{h}" for d in dims for h in ("编码", "名称")]


def _sheet(wb: Workbook, group: str, rows: list[KpiRow]) -> None:
    dims = parse_group(group)
    ws = wb.create_sheet(group_label(group))
    kpis = [k for k in KPIS if not k.groups or (len(dims) == 1 and dims[0] in k.groups)]
    headers = _headers(dims)
    labels = [str(v) for v in COUNT_LABELS.values()] + [str(k.label) for k in kpis]
    ws.append(headers + labels + ["综合得分", "等级"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    first_rate = len(headers) + len(COUNT_LABELS) + 1
    for row in rows:
        values = [row.period, row.start, row.end, row.key, row.name]
        values += [row.key2, row.name2] if len(dims) == 2 else []
        values += [row.counts[c] for c in COUNT_LABELS]
        values += [row.kpis[k.key]["value"] for k in kpis]
        ws.append([*values, row.score, row.grade])
        r = ws.max_row
        ws.cell(r, 2).number_format = ws.cell(r, 3).number_format = "yyyy-mm-dd"
        for col in range(first_rate, first_rate + len(kpis)):
            ws.cell(r, col).number_format = "0.00%"
        ws.cell(r, first_rate + len(kpis)).number_format = "0.00"
    ws.freeze_panes = f"{get_column_letter(len(headers) + 1)}2"
    names = {i + 1 for i, h in enumerate(headers) if h.endswith("名称")}
    for col in range(1, ws.max_column + 1):
        ws.column_dimensions[get_column_letter(col)].width = 22 if col in names else 12


def _definitions(wb: Workbook, period: str, start: date, end: date) -> None:
    ws = wb.create_sheet("指标说明")
    ws.append(["统计区间", f"{start} 至 {end}（按{PERIOD_LABELS[period]}）"])
    ws.append(["指标", "分子", "分母", "键"])
    for kpi in KPIS:
        ws.append([str(kpi.label), str(kpi.numerator_label), str(kpi.denominator_label), kpi.key])
    ws.append([])
    ws.append(["部门综合得分", "立案数分值×10% + 结案率分值×30% + 按期处置率分值×30% + 返工率分值×30%"])
    ws.append(["综管员综合得分", "有效上报率×40% + (1−漏报率)×20% + 按时核实率×20% + 按时核查率×20%"])
    ws.append(["等级", "A ≥ 90, B 75–90, C 60–75, D 40–60, E < 40"])
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 16


def kpi_workbook(tables: dict[str, list[KpiRow]], period: str, start: date, end: date) -> bytes:
    """An XLSX of the KPI tables: one sheet per grouping (long form for two dimensions), rates as
    percentages, and the definitions. In Chinese whoever asks: its fixed headers are Chinese."""
    with translation.override(settings.LANGUAGE_CODE):
        return _workbook(tables, period, start, end)


def _workbook(tables: dict[str, list[KpiRow]], period: str, start: date, end: date) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for group, rows in tables.items():
        _sheet(wb, group, rows)
    _definitions(wb, period, start, end)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
