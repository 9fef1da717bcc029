"""The KPI page: the cross table of one indicator, every indicator of one dimension, scope, and
the charts' data."""

import json
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cityops.cases.kpis import kpi_table, merge_rows
from cityops.cases.rollup import local_day, month_start, rollup_all
from cityops.cases.views.kpis import trend_start
from cityops.core.scoping import SYSTEM_READER
from tests.cases.test_kpis import _scenario
from tests.cases.test_lifecycle import report
from tests.cases.test_rollup import _close, _shift, add_inspectors

pytestmark = pytest.mark.django_db
URL = "/cases/kpis/"


@pytest.fixture
def staffed(catalogue):
    users = add_inspectors(catalogue)
    _scenario(users)
    return users


def _get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def test_the_page_is_routed_and_needs_a_case_role(client, staffed):
    assert reverse("cases:kpis") == URL
    assert client.get(URL).status_code == 302  # to the login page
    assert _get(client, staffed["resident"]).status_code == 403


def test_the_default_is_villages_by_departments_of_the_year(client, staffed):
    response = _get(client, staffed["officer"])
    assert response.status_code == 200
    cross = response.context["cross"]
    assert [line["name"] for line in cross["lines"]] == ["村1", "村4"]
    assert {c["key"] for c in cross["columns"]} == {"D-CG", "D-XF"}
    assert response.context["kpi"].key == "effective_disposal_rate"
    page = response.content.decode()
    assert 'data-testid="kpi-cross"' in page and "有效处置率" in page
    assert "group=village%2Cdepartment" in response.context["export_url"]


def test_a_cell_shows_the_rate_with_its_parts(client, staffed):
    response = _get(client, staffed["officer"], rows="village", cols="department", kpi="closure_rate")
    v1 = next(line for line in response.context["cross"]["lines"] if line["key"] == "V1")
    columns = [c["key"] for c in response.context["cross"]["columns"]]
    cell = v1["cells"][columns.index("D-CG")]
    assert (cell.value, cell.numerator, cell.denominator, cell.percent) == (1.0, 1, 1, "100.0%")
    assert v1["cells"][columns.index("D-XF")].value is None  # no case: no value, not 0 %
    assert response.context["cross"]["total"].numerator == 1


def test_a_village_dispatcher_sees_only_her_village(client, staffed):
    response = _get(
        client, staffed["dispatcher_v1"], rows="department", cols="village", kpi="registration_rate"
    )
    cross = response.context["cross"]
    assert [c["key"] for c in cross["columns"]] == ["V1"]
    assert cross["total"].denominator == 2  # her village's two reports, not the town's four
    assert "村4" not in response.content.decode()


def test_every_indicator_of_one_dimension(client, staffed):
    response = _get(client, staffed["officer"], rows="department", cols="")
    long = response.context["long"]
    assert long["scored"] and [line["row"].key for line in long["lines"]] == ["D-CG", "D-XF"]
    assert 'data-testid="kpi-long"' in response.content.decode()
    today = timezone.localdate()
    start = today.replace(month=1, day=1)  # the page's default range: the score scales with it
    rows = kpi_table(user=SYSTEM_READER, group="department", period="year", start=start, end=today)
    assert long["lines"][0]["row"].score == rows[0].score


def test_the_htmx_partial_and_bad_choices(client, staffed):
    client.force_login(staffed["officer"])
    partial = client.get(
        URL, {"rows": "village", "cols": "village"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="kpi-table"
    )
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert "cols" in partial.context["form"].errors
    long_range = client.get(URL, {"start": "2024-01-01", "end": "2026-01-01"})
    assert "end" in long_range.context["form"].errors and "cross" not in long_range.context


def test_merged_rows_add_up_over_years(staffed):
    today = timezone.localdate()
    rows = kpi_table(user=SYSTEM_READER, group="village", period="day", start=today, end=today)
    [total] = merge_rows(rows, by=(), group=None, start=today, end=today)
    assert total.counts["reported"] == 4 and total.key == "" and total.score is None
    assert total.kpis["registration_rate"]["denominator"] == 4


# the charts ---------------------------------------------------------------------------------------


def _closed_before(users, days_ago: list[int]) -> list[date]:
    """A case of village V1 closed on time on each of those days; their closing days."""
    return [
        local_day(_shift(_close(users, report(users).case), timedelta(days=n)).closed_at) for n in days_ago
    ]


def _chart_data(response) -> dict:
    found = re.search(
        r'<script id="kpi-charts-data" type="application/json">(.*?)</script>', response.content.decode()
    )
    return json.loads(found.group(1))


def test_the_trend_reaches_back_a_year_of_months():
    assert trend_start(date(2026, 1, 1), date(2026, 11, 24)) == date(2025, 12, 1)
    assert trend_start(date(2026, 3, 10), date(2026, 3, 20)) == date(2025, 4, 1)
    assert trend_start(date(2025, 11, 20), date(2026, 11, 19)) == date(2025, 11, 20)  # a longer period


def test_the_charts_data_is_embedded_in_the_page(client, catalogue):
    users = add_inspectors(catalogue)
    closed = _closed_before(users, [40, 100])
    _scenario(users)  # today: one case of V1 closed, one not yet due; two of V4 only reported
    today = timezone.localdate()
    start = today - timedelta(days=150)
    response = _get(client, users["officer"], start=start.isoformat(), end=today.isoformat())
    data = _chart_data(response)
    assert data["kpi"] == {
        "key": "effective_disposal_rate",
        "label": "有效处置率",
        "numerator": "有效处置数",
        "denominator": "应结案数",
    }
    assert (data["lower_is_better"], data["neutral"]) == (False, False)

    trend = data["trend"]
    first = trend_start(start, today)
    assert (trend["start"], trend["end"]) == (first.isoformat(), today.isoformat())
    months = trend["months"]
    assert len(months) == 12 and months[0]["month"] == f"{first:%Y-%m}"
    assert months[-1]["end"] == today.isoformat()
    expected = {f"{d:%Y-%m}": 1 for d in [*closed, today]}
    for m in months:
        due = expected.get(m["month"], 0)
        assert (m["numerator"], m["denominator"]) == (due, due), m["month"]
        assert m["value"] == (1.0 if due else None)  # a month with nothing due has no value, not 0 %

    ranking = data["ranking"]
    assert ranking["bars"] == [{"key": "V1", "name": "村1", "value": 1.0, "numerator": 3, "denominator": 3}]
    assert ranking["unvalued"] == 1  # V4: nothing due
    assert ranking["total"] == {"value": 1.0, "numerator": 3, "denominator": 3}
    assert data["text"]["total"] == "合计"
    page = response.content.decode()
    assert "vendor/echarts/echarts.min.js" in page and "cityops/kpi-charts.js" in page
    assert 'id="kpi-trend"' in page and 'id="kpi-ranking"' in page and "逐月趋势" in page


def test_the_ranking_is_sorted_best_first(client, staffed):
    response = _get(client, staffed["officer"], rows="village", cols="", kpi="registration_rate")
    bars = _chart_data(response)["ranking"]["bars"]
    assert [(b["key"], b["value"], b["numerator"], b["denominator"]) for b in bars] == [
        ("V1", 1.0, 2, 2),
        ("V4", 0.0, 0, 2),
    ]
    assert _chart_data(response)["ranking"]["total"]["value"] == 0.5
    # the partial that htmx swaps in carries the charts' data along with the table
    partial = client.get(URL, {"kpi": "closure_rate"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="kpi-table")
    assert _chart_data(partial)["kpi"]["key"] == "closure_rate" and "<html" not in partial.content.decode()


def test_a_village_dispatcher_charts_only_her_village(client, staffed):
    data = _chart_data(_get(client, staffed["dispatcher_v1"], kpi="registration_rate"))
    assert [b["key"] for b in data["ranking"]["bars"]] == ["V1"]
    assert sum(m["denominator"] for m in data["trend"]["months"]) == 2  # her two reports


def test_the_page_queries_do_not_grow_with_the_months(client, catalogue):
    users = add_inspectors(catalogue)
    _closed_before(users, [20, 50, 80, 120, 170, 230, 290, 340])
    rollup_all()
    # Both ranges end inside a month and start inside one or on its first day, so each reads
    # the month rollup once and the day rollup once, for the table and for the trend.
    end = month_start(timezone.localdate()) - timedelta(days=20)
    short = (month_start(end) - timedelta(days=40)).replace(day=1)  # three months, the first whole
    long = end - timedelta(days=365)  # thirteen months, both ends in part
    counts, trends = [], []
    client.force_login(users["officer"])
    for start in (short, long):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"start": start.isoformat(), "end": end.isoformat()})
        assert response.status_code == 200
        counts.append(len(queries))
        months = _chart_data(response)["trend"]["months"]
        trends.append((len(months), sum(1 for m in months if m["denominator"])))
    assert trends[0][0] == 12 and trends[1][0] == 13 and trends[1][1] >= 5  # cases in many months
    assert counts[0] == counts[1] <= 12, counts
