"""KPI tables by two dimensions, and the three rollup grains: the village rollups are the fine
rollup's sums, and every grain that can answer a query gives the same figures."""

import io
from datetime import date, timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone
from ninja.testing import TestClient
from openpyxl import load_workbook

from cityops.cases.api.kpis import router
from cityops.cases.kpis import grain_for, group_label, kpi_table, month_split, parse_group
from cityops.cases.models import CaseDailyStat
from cityops.cases.models.stats import COUNTERS, CaseVillageDailyStat, CaseVillageMonthlyStat
from cityops.cases.rollup import local_day, rollup_days
from cityops.core.scoping import SYSTEM_READER
from cityops.demo.history import history_generate
from tests.cases.test_kpis import _scenario
from tests.cases.test_rollup import add_inspectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def staffed(catalogue):
    return add_inspectors(catalogue)


@pytest.fixture
def year(staffed):
    """A year of 1,500 history cases and the scenario's four of today, rolled up."""
    now = timezone.now()
    history_generate(n=1500, now=now)
    _scenario(staffed)
    return staffed, local_day(timezone.now())


def _sums(model, keys: list[str], key_of=lambda v: v) -> dict:
    """Counter totals by ``keys``; ``key_of`` maps the day or month (rows may then fold together)."""
    rows = model.objects.values(*keys).annotate(**{f"s_{c}": Sum(c) for c in COUNTERS}).order_by()
    out: dict = {}
    for r in rows:
        key = tuple(key_of(r[k]) if k in ("day", "month") else r[k] for k in keys)
        values = tuple(r[f"s_{c}"] for c in COUNTERS)
        out[key] = tuple(a + b for a, b in zip(out.get(key, (0,) * len(COUNTERS)), values, strict=True))
    return out


VILLAGE_KEY = ["area", "village", "department", "big_category", "channel"]


def _month(day) -> date:
    return day.replace(day=1)


def _assert_rollups_are_sums() -> None:
    assert CaseVillageDailyStat.objects.exists() and CaseVillageMonthlyStat.objects.exists()
    assert _sums(CaseVillageDailyStat, ["day", *VILLAGE_KEY]) == _sums(CaseDailyStat, ["day", *VILLAGE_KEY])
    by_month = _sums(CaseVillageDailyStat, ["day", *VILLAGE_KEY], key_of=_month)
    assert _sums(CaseVillageMonthlyStat, ["month", *VILLAGE_KEY]) == by_month


# the rollups ----------------------------------------------------------------------------------------


def test_the_village_rollups_are_the_fine_rollups_sums(year):
    _, today = year
    _assert_rollups_are_sums()
    fine_rows, village_rows = CaseDailyStat.objects.count(), CaseVillageDailyStat.objects.count()
    assert CaseVillageMonthlyStat.objects.count() < village_rows < fine_rows


def test_rebuilding_some_days_keeps_their_months_the_sums(year):
    _, today = year
    before = _sums(CaseVillageMonthlyStat, ["month", *VILLAGE_KEY])
    result = rollup_days(today - timedelta(days=40), today - timedelta(days=20))
    assert result.village_rows > 0 and result.month_rows > 0
    _assert_rollups_are_sums()
    assert _sums(CaseVillageMonthlyStat, ["month", *VILLAGE_KEY]) == before


# the grains give the same figures -----------------------------------------------------------------


def _ranges(today: date) -> list[tuple[date, date]]:
    first = today.replace(month=1, day=1)
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return [
        (first, today),  # the year so far: whole months and a partial one
        (today - timedelta(days=364), today),  # partial months at both ends
        (last_month_end.replace(day=1), last_month_end),  # exactly one whole month
        (today - timedelta(days=9), today - timedelta(days=3)),  # inside one month or across two
    ]


@pytest.mark.parametrize("group", ["town", "village", "department", "category", "village,department"])
def test_every_grain_gives_the_same_table(year, group):
    _, today = year
    for start, end in _ranges(today):
        for period in ("day", "week", "month", "year"):
            kw = {"user": SYSTEM_READER, "group": group, "period": period, "start": start, "end": end}
            fine = kpi_table(grain="fine", **kw)
            assert fine, (group, period, start, end)
            assert kpi_table(grain="village", **kw) == fine, (group, period, start, end)
            assert kpi_table(grain="month", **kw) == fine, (group, period, start, end)
            assert kpi_table(**kw) == fine


def test_the_grains_agree_within_a_scope(year):
    users, today = year
    start = today.replace(month=1, day=1)
    for who in ("dispatcher_v1", "area_dispatcher", "handler"):
        kw = {"user": users[who], "group": "area,channel", "period": "month", "start": start, "end": today}
        fine = kpi_table(grain="fine", **kw)
        assert fine and kpi_table(grain="month", **kw) == fine == kpi_table(grain="village", **kw)


def test_the_coarsest_exact_grain_is_chosen(staffed):
    users = staffed
    officer, dispatcher, inspector = users["officer"], users["dispatcher_v1"], users["inspector_g1"]
    assert grain_for(user=officer, dimensions=("village", "department"), period="year") == "month"
    assert grain_for(user=dispatcher, dimensions=("department",), period="month") == "month"
    assert grain_for(user=officer, dimensions=("village",), period="week") == "village"
    assert grain_for(user=officer, dimensions=("grid",), period="year") == "fine"
    assert grain_for(user=officer, dimensions=("department", "inspector"), period="year") == "fine"
    # the village rollups have no grid to restrict an inspector to
    assert grain_for(user=inspector, dimensions=("village",), period="year") == "fine"
    with pytest.raises(ValueError, match="cannot answer a table by grid"):
        kpi_table(
            user=officer, group="grid", period="day", start=date.today(), end=date.today(), grain="month"
        )


@pytest.mark.parametrize(
    ("start", "end", "months", "days"),
    [
        (date(2026, 1, 1), date(2026, 11, 24), (date(2026, 1, 1), date(2026, 10, 1)), [(date(2026, 11, 1), date(2026, 11, 24))]),
        (date(2025, 11, 25), date(2026, 11, 30), (date(2025, 12, 1), date(2026, 11, 1)), [(date(2025, 11, 25), date(2025, 11, 30))]),
        (date(2026, 2, 1), date(2026, 2, 28), (date(2026, 2, 1), date(2026, 2, 1)), []),
        (date(2026, 2, 3), date(2026, 2, 27), None, [(date(2026, 2, 3), date(2026, 2, 27))]),
        (date(2026, 1, 31), date(2026, 3, 1), (date(2026, 2, 1), date(2026, 2, 1)), [(date(2026, 1, 31), date(2026, 1, 31)), (date(2026, 3, 1), date(2026, 3, 1))]),
        (date(2025, 12, 15), date(2026, 1, 10), None, [(date(2025, 12, 15), date(2026, 1, 10))]),
    ],
)  # fmt: skip
def test_a_range_splits_into_whole_months_and_days(start, end, months, days):
    assert month_split(start, end) == (months, days)


# two dimensions -----------------------------------------------------------------------------------


def test_a_table_by_village_and_department(staffed):
    _scenario(staffed)
    today = timezone.localdate()
    rows = kpi_table(user=SYSTEM_READER, group="village,department", period="year", start=today, end=today)
    by_pair = {(r.key, r.key2): r for r in rows}
    assert set(by_pair) == {("V1", "D-CG"), ("V4", "D-CG"), ("V4", "D-XF")}
    v1 = by_pair[("V1", "D-CG")]
    assert v1.name == "村1" and v1.name2
    assert (v1.counts["reported"], v1.counts["closed"]) == (2, 1)
    assert v1.kpis["closure_rate"]["value"] == 1.0
    assert v1.score is None and "missed_report_rate" not in v1.kpis  # no composite for a pair
    # the pairs add up to the single dimensions
    villages = kpi_table(user=SYSTEM_READER, group="village", period="year", start=today, end=today)
    for v in villages:
        pairs = [r for r in rows if r.key == v.key]
        assert {c: sum(r.counts[c] for r in pairs) for c in COUNTERS} == v.counts


def test_a_village_dispatcher_sees_only_her_village_by_department(year):
    users, today = year
    start = today.replace(month=1, day=1)
    kw = {"group": "village,department", "period": "year", "start": start, "end": today}
    town = kpi_table(user=SYSTEM_READER, **kw)
    assert {r.key for r in town} > {"V1"}
    for grain in ("fine", "month"):
        mine = kpi_table(user=users["dispatcher_v1"], grain=grain, **kw)
        assert mine and {r.key for r in mine} == {"V1"}
        assert mine == [r for r in town if r.key == "V1"]
    handler = kpi_table(user=users["handler"], **kw)
    assert handler and {r.key2 for r in handler} == {"D-CG"}


def test_groupings_are_parsed_and_bad_ones_refused():
    assert parse_group("town") == ()
    assert parse_group("village") == ("village",)
    assert (
        parse_group("village, department")
        == parse_group(("village", "department"))
        == ("village", "department")
    )
    assert group_label("village,department") == "村（社区）×部门" and group_label("town") == "全镇"
    for bad in ("street", "town,village", "village,village", "area,village,grid", ""):
        with pytest.raises(ValueError, match="group must be one of"):
            parse_group(bad)


def test_the_api_answers_two_dimensions(staffed):
    _scenario(staffed)
    today = timezone.localdate()
    client = TestClient(router)
    response = client.get(
        f"?group=village,department&period=year&start={today}&end={today}", user=staffed["dispatcher_v1"]
    )
    assert response.status_code == 200
    body = response.json()
    assert body["group"] == "village,department" and body["dimensions"] == ["village", "department"]
    [row] = body["rows"]
    assert (row["key"], row["name"], row["key2"]) == ("V1", "村1", "D-CG") and row["name2"]
    assert row["counts"]["reported"] == 2 and row["score"] is None
    for bad in ("village,village", "town,department", "village,street"):
        assert client.get(f"?group={bad}", user=staffed["officer"]).status_code == 422


def test_the_export_has_a_long_sheet_for_two_dimensions(staffed):
    _scenario(staffed)
    today = timezone.localdate()
    response = TestClient(router).get(
        f"/export.xlsx?group=village,department&group=department&period=year&start={today}&end={today}",
        user=staffed["officer"],
    )
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["村（社区）×部门", "部门", "指标说明"]
    ws = wb["村（社区）×部门"]
    header = [c.value for c in ws[1]]
    assert header[:7] == [
        "周期",
        "开始日期",
        "结束日期",
        "村（社区）编码",
        "村（社区）名称",
        "部门编码",
        "部门名称",
    ]
    assert "漏报率" not in header and ws.freeze_panes == "H2"
    pairs = {(r[3].value, r[5].value) for r in ws.iter_rows(min_row=2)}
    assert pairs == {("V1", "D-CG"), ("V4", "D-CG"), ("V4", "D-XF")}
