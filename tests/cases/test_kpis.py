"""KPI formulas, scores and grades; KPI tables from rollups, their scope, the API and the export."""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from ninja.testing import TestClient
from openpyxl import load_workbook

from cityops.cases.api.kpis import router
from cityops.cases.kpi_definitions import (
    KPI_BY_KEY,
    KPIS,
    department_count_score,
    department_score,
    grade,
    inspector_score,
    rate,
)
from cityops.cases.kpis import kpi_table
from cityops.cases.rollup import rollup_all
from cityops.core.errors import ValidationFailed
from cityops.core.scoping import SYSTEM_READER
from tests.cases.test_lifecycle import act, photo, report
from tests.cases.test_rollup import add_inspectors


@pytest.fixture
def staffed(catalogue):
    return add_inspectors(catalogue)


# formulas -----------------------------------------------------------------------------------------


def test_the_tianmen_figures():
    """Tianmen, December 2016: 应结案 972, 结案 911, 按期结案 737."""
    totals = {"due": 972, "closed": 911, "closed_on_time": 737}
    assert round(KPI_BY_KEY["closure_rate"].compute(totals) * 100, 2) == 93.72
    assert round(KPI_BY_KEY["on_time_closure_rate"].compute(totals) * 100, 2) == 75.82
    assert KPI_BY_KEY["closure_rate"].parts(totals) == (911, 972)


def test_every_kpi_has_no_value_without_a_denominator():
    assert rate(5, 0) is None and rate(0, 0) is None and rate(0, 3) == 0
    for kpi in KPIS:
        assert kpi.compute({}) is None, kpi.key
        assert kpi.label and kpi.numerator_label and kpi.denominator_label


def test_dispatch_accuracy_and_shares():
    totals = {"dispatched": 200, "returned": 6, "registered": 100, "registered_resident": 12}
    assert KPI_BY_KEY["dispatch_accuracy"].compute(totals) == 194 / 200
    assert KPI_BY_KEY["resident_report_share"].compute(totals) == 0.12


@pytest.mark.parametrize(
    ("score", "letter"),
    [
        (100, "A"),
        (90, "A"),
        (89.99, "B"),
        (75, "B"),
        (74.99, "C"),
        (60, "C"),
        (40, "D"),
        (39.99, "E"),
        (0, "E"),
    ],
)
def test_grade_bands(score, letter):
    assert grade(score) == letter


def test_no_score_no_grade():
    assert grade(None) is None
    assert department_score({"registered": 10}, 30) is None
    assert inspector_score({"verifications": 3, "verifications_on_time": 3}) is None


def test_the_department_count_step_scores_fewer_cases_higher():
    assert [department_count_score(n) for n in (0, 50, 51, 100, 300, 500, 999, 1000)] == [
        100, 100, 90, 90, 75, 60, 40, 0,
    ]  # fmt: skip
    assert department_count_score(600, days=365) == 100  # bounds scale with the period
    assert department_count_score(700, days=365) == 90


def test_the_department_score():
    totals = {"registered": 80, "due": 100, "closed": 95, "disposed_on_time": 90, "reworked": 4}
    # 90×10% + 95×30% + 90×30% + 96×30%
    assert department_score(totals, 30) == pytest.approx(9 + 28.5 + 27 + 28.8)
    assert grade(department_score(totals, 30)) == "A"


def test_the_inspector_score_shares_out_missing_parts():
    full = {
        "reported_patrol": 100,
        "registered_patrol": 90,
        "missed": 10,
        "grid_registered": 100,
        "verifications": 10,
        "verifications_on_time": 8,
        "rechecks": 50,
        "rechecks_on_time": 45,
    }
    assert inspector_score(full) == pytest.approx(90 * 0.4 + 90 * 0.2 + 80 * 0.2 + 90 * 0.2)
    no_checks = {k: v for k, v in full.items() if not k.startswith("verif")}
    assert inspector_score(no_checks) == pytest.approx((90 * 0.4 + 90 * 0.2 + 90 * 0.2) / 0.8)


# tables from rollups ------------------------------------------------------------------------------


def _scenario(users):
    """Four cases: two in village V1 (one closed, one being disposed), two in V4 (just reported)."""
    case = report(users, grid=1).case
    for who, action, kw in [
        ("dispatcher_v1", "register", {}),
        ("dispatcher_v1", "dispatch", {}),
        ("handler", "accept", {}),
        ("handler", "dispose", {"note": "已清理", "photos": photo()}),
        ("inspector_g1", "recheck_pass", {"note": "已整改"}),
    ]:
        case = act(users, case, who, action, **kw)
    case = report(users, grid=2, by="insp_g2_0").case  # a patrol report lies in its reporter's grid
    for who, action, kw in [
        ("dispatcher_v1", "register", {}),
        ("dispatcher_v1", "dispatch", {}),
        ("handler", "accept", {}),
    ]:
        case = act(users, case, who, action, **kw)
    report(users, grid=7, by="insp_g7_0")
    report(users, item="E-FIRE", grid=8, by="insp_g8_0")
    rollup_all()


def _today():
    return timezone.localdate()


def test_a_table_by_village_from_rollups(staffed):
    _scenario(staffed)
    rows = kpi_table(user=SYSTEM_READER, group="village", period="day", start=_today(), end=_today())
    by_key = {r.key: r for r in rows}
    assert set(by_key) == {"V1", "V4"}
    v1 = by_key["V1"]
    assert v1.name == "村1" and v1.period == _today().isoformat() and v1.start == v1.end == _today()
    assert (v1.counts["reported"], v1.counts["dispatched"], v1.counts["closed"]) == (2, 2, 1)
    assert v1.kpis["registration_rate"] == {"label": "立案率", "value": 1.0, "numerator": 2, "denominator": 2}
    assert v1.kpis["closure_rate"]["value"] == 1.0  # the open case is not due yet
    assert by_key["V4"].kpis["closure_rate"]["value"] is None
    assert "missed_report_rate" not in v1.kpis and v1.score is None and v1.grade is None


def test_department_and_inspector_tables_carry_scores(staffed):
    _scenario(staffed)
    today = _today()
    depts = {
        r.key: r
        for r in kpi_table(user=SYSTEM_READER, group="department", period="month", start=today, end=today)
    }
    assert depts["D-CG"].score is not None and depts["D-CG"].grade in "ABCDE"
    assert depts["D-XF"].score is None  # nothing due yet
    inspectors = kpi_table(user=SYSTEM_READER, group="inspector", period="year", start=today, end=today)
    insp = {r.key: r for r in inspectors}
    assert set(insp) == {"inspector_g1", "insp_g2_0", "insp_g7_0", "insp_g8_0"}
    assert insp["inspector_g1"].kpis["effective_report_rate"]["value"] == 1.0
    assert insp["inspector_g1"].kpis["missed_report_rate"]["value"] == 0.0
    assert insp["inspector_g1"].grade == "A"
    assert insp["insp_g7_0"].kpis["effective_report_rate"]["value"] == 0.0  # not registered yet


def test_periods_are_labelled_and_clipped(staffed):
    _scenario(staffed)
    today = _today()
    start = today - timedelta(days=3)
    for period, label in [
        ("week", f"{today.isocalendar()[0]}-W"),
        ("month", f"{today:%Y-%m}"),
        ("year", str(today.year)),
    ]:
        rows = kpi_table(user=SYSTEM_READER, group="town", period=period, start=start, end=today)
        assert len(rows) >= 1 and rows[-1].period.startswith(label)
        assert rows[-1].end == today and rows[0].start >= start
        assert sum(r.counts["reported"] for r in rows) == 4


def test_a_village_dispatcher_sees_only_their_village(staffed):
    _scenario(staffed)
    users, today = staffed, _today()
    rows = kpi_table(user=users["dispatcher_v1"], group="village", period="day", start=today, end=today)
    assert [r.key for r in rows] == ["V1"]
    grids = kpi_table(user=users["dispatcher_v4"], group="grid", period="day", start=today, end=today)
    assert {r.key for r in grids} == {"G7", "G8"}
    handler = kpi_table(user=users["handler"], group="department", period="day", start=today, end=today)
    assert [r.key for r in handler] == ["D-CG"]
    assert kpi_table(user=users["resident"], group="town", period="day", start=today, end=today) == []


def test_unknown_groups_and_periods_are_refused():
    with pytest.raises(ValueError, match="group must be one of"):
        kpi_table(user=SYSTEM_READER, group="street", period="day", start=date.today(), end=date.today())
    with pytest.raises(ValueError, match="period must be one of"):
        kpi_table(user=SYSTEM_READER, group="town", period="hour", start=date.today(), end=date.today())


# the API and the export ---------------------------------------------------------------------------


def test_the_api_returns_rows_with_numerators_and_denominators(staffed):
    _scenario(staffed)
    today = _today()
    client = TestClient(router)
    response = client.get(
        f"?group=village&period=day&start={today}&end={today}", user=staffed["dispatcher_v1"]
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["group"], body["period"], body["start"], body["end"]) == (
        "village",
        "day",
        str(today),
        str(today),
    )
    [row] = body["rows"]
    assert row["key"] == "V1" and row["counts"]["reported"] == 2
    assert row["kpis"]["closure_rate"] == {"label": "结案率", "value": 1.0, "numerator": 1, "denominator": 1}
    assert set(row) == {
        "period",
        "start",
        "end",
        "key",
        "name",
        "key2",
        "name2",
        "counts",
        "kpis",
        "score",
        "grade",
    }
    assert row["key2"] is None and row["name2"] is None and body["dimensions"] == ["village"]


def test_the_api_refuses_bad_ranges_and_roles(staffed):
    client = TestClient(router)
    with pytest.raises(ValidationFailed, match="after end"):
        client.get("?start=2026-05-02&end=2026-05-01", user=staffed["officer"])
    with pytest.raises(ValidationFailed, match="at most 366 days"):
        client.get("?period=day&start=2024-01-01&end=2026-01-01", user=staffed["officer"])
    assert client.get("?group=street", user=staffed["officer"]).status_code == 422
    with pytest.raises(Exception, match="may not see case KPIs"):
        client.get("", user=staffed["resident"])


def test_the_export_opens_with_one_sheet_per_grouping(staffed):
    _scenario(staffed)
    today = _today()
    client = TestClient(router)
    response = client.get(
        f"/export.xlsx?group=department&group=village&period=day&start={today}&end={today}",
        user=staffed["officer"],
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["部门", "村（社区）", "指标说明"]
    ws = wb["村（社区）"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["周期", "开始日期", "结束日期", "编码", "名称"] and "结案率" in header
    col = header.index("结案率") + 1
    v1 = next(r for r in ws.iter_rows(min_row=2) if r[3].value == "V1")
    assert v1[col - 1].value == 1.0 and v1[col - 1].number_format == "0.0%"
    assert "综合得分" in [c.value for c in wb["部门"][1]]


@pytest.mark.parametrize(
    "day", [date(2026, 11, 23), date(2026, 11, 29), date(2026, 1, 1), date(2025, 12, 31)]
)
def test_period_starts_in_the_database(town, day):
    from django.db.models import DateField, Value

    from cityops.cases.kpis import PeriodStart
    from cityops.geo.models import Grid

    qs = Grid.objects.all()[:1]
    value = Value(day, output_field=DateField())
    got = {
        p: qs.annotate(s=PeriodStart(value, p)).values_list("s", flat=True)[0]
        for p in ("week", "month", "year")
    }
    assert got == {
        "week": day - timedelta(days=day.weekday()),
        "month": day.replace(day=1),
        "year": day.replace(month=1, day=1),
    }
