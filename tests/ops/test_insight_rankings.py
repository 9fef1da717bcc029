"""Rankings: the values, numerators and denominators are the KPI page's for the same period, to
the case; ranks follow the value (ties share one); the change is against the period before."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.ops.insight.inputs import InsightInputError, Span
from cityops.ops.insight.rankings import rank
from tests.cases.test_kpis import _scenario
from tests.cases.test_rollup import add_inspectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(catalogue):
    users = add_inspectors(catalogue)
    _scenario(users)
    return users


def _kpi_page(client, user, dimension, span):
    client.force_login(user)
    response = client.get(
        "/cases/kpis/", {"rows": dimension, "cols": "", "start": span.start, "end": span.end}
    )
    assert response.status_code == 200
    return {line["row"].key: line["row"] for line in response.context["long"]["lines"]}


@pytest.mark.parametrize("who", ["officer", "dispatcher_v1"])
@pytest.mark.parametrize("dimension", ["village", "department"])
@pytest.mark.parametrize("kpi", ["effective_disposal_rate", "registration_rate", "closure_rate"])
def test_rankings_are_the_kpi_pages_figures(client, scenario, who, dimension, kpi):
    today = timezone.localdate()
    span = Span(today - timedelta(days=6), today)
    page = _kpi_page(client, scenario[who], dimension, span)
    ours = rank(user=scenario[who], dimension=dimension, kpi=kpi, span=span)
    assert {r.key for r in ours} == set(page)
    for r in ours:
        theirs = page[r.key].kpis[kpi]
        assert (r.value, r.numerator, r.denominator) == (
            theirs["value"],
            theirs["numerator"],
            theirs["denominator"],
        )
    if who == "dispatcher_v1" and dimension == "village":
        assert [r.key for r in ours] == ["V1"]


def test_ranks_order_and_change(scenario):
    today = timezone.localdate()
    ours = rank(
        user=scenario["officer"], dimension="village", kpi="registration_rate", span=Span(today, today)
    )
    # V1: 2 of 2 registered; V4: 0 of 2
    assert [(r.rank, r.key, r.value, r.numerator, r.denominator) for r in ours] == [
        (1, "V1", 1.0, 2, 2),
        (2, "V4", 0.0, 0, 2),
    ]
    # nothing the day before: no previous value, no change
    assert [(r.previous, r.change) for r in ours] == [(None, None), (None, None)]


def test_the_change_is_against_the_period_before(scenario):
    """The scenario a week back (V1: 2 of 2 registered), then one report in V1 today, not registered."""
    from cityops.cases.models import Case
    from cityops.cases.rollup import rollup_all
    from tests.cases.test_lifecycle import report
    from tests.cases.test_rollup import _shift

    for case in Case.objects.all():
        _shift(case, timedelta(days=7))
    report(scenario, grid=1)
    rollup_all()
    today = timezone.localdate()
    span = Span(today - timedelta(days=6), today)
    ours = {
        r.key: r
        for r in rank(user=scenario["officer"], dimension="village", kpi="registration_rate", span=span)
    }
    v1 = ours["V1"]
    assert (v1.value, v1.numerator, v1.denominator, v1.previous) == (0.0, 0, 1, 1.0)
    assert v1.change == -1.0
    assert "V4" not in ours  # nothing of V4 in this period


def test_a_bad_choice_is_named(scenario):
    today = timezone.localdate()
    with pytest.raises(InsightInputError, match="A ranking is of departments or villages, not “grid”"):
        rank(user=scenario["officer"], dimension="grid", kpi="closure_rate", span=Span(today, today))
    with pytest.raises(InsightInputError, match="There is no indicator “missed_report_rate” to rank by"):
        rank(user=scenario["officer"], dimension="village", kpi="missed_report_rate", span=Span(today, today))
