"""The KPI page: the cross table of one indicator, every indicator of one dimension, and scope."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cityops.cases.kpis import kpi_table, merge_rows
from cityops.core.scoping import SYSTEM_READER
from tests.cases.test_kpis import _scenario
from tests.cases.test_rollup import add_inspectors

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
