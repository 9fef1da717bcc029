"""The KPI API under /api/v1/kpis: KPI rows with their numerators and denominators, and an XLSX export.

Both read the daily rollups only (``cityops.cases.kpis``), restricted to the caller's scope. A
grouping is one dimension (``village``) or two joined by a comma (``village,department``).
"""

from datetime import date
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from cityops.cases.kpi_export import kpi_workbook_sheets
from cityops.cases.kpis import kpi_table, parse_group
from cityops.core.errors import ValidationFailed
from cityops.core.export import download
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


@router.get(
    "/export.xlsx",
    summary="The KPI tables as an Excel workbook, one sheet per grouping, streamed",
    description="At most 4 groupings and 200,000 rows in all (a 400 names the parameter and the limit).",
)
def kpis_export(request, q: Query[ExportQuery]):
    _require(request)
    start, end = _range(q.period, q.start, q.end)
    groups = list(dict.fromkeys(q.group))
    sheets = kpi_workbook_sheets(user=request.user, groups=groups, period=q.period, start=start, end=end)
    return download(name=f"kpis-{q.period}-{start}-{end}", fmt="xlsx", sheets=sheets, stamp_format=None)
