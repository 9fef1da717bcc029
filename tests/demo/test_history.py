"""The demo's year of synthetic history, and the live trickle."""

import random
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count

from cityops.audit.models import AuditRecord
from cityops.cases.choices import OPEN_STATUSES, Channel, Status
from cityops.cases.intake import case_intake
from cityops.cases.kpis import kpi_table
from cityops.cases.models import Case, CaseDailyStat, CaseEvent, CaseReport
from cityops.cases.numbering import last_taken
from cityops.core.scoping import SYSTEM_READER
from cityops.demo.history import AUDIT_ACTION, draw, history_generate, history_seed, plan
from cityops.demo.trickle import load_refs, trickle
from tests.cases.conftest import make_items, make_workstations
from tests.cases.test_lifecycle import report
from tests.cases.test_rollup import add_inspectors

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def staffed(users):
    """The small town with a catalogue, its workstations and three inspectors in every grid."""
    make_workstations()
    make_items()
    return add_inspectors(users)


def _year(now=NOW) -> dict:
    today = now.date()
    rows = kpi_table(
        user=SYSTEM_READER, group="town", period="day", start=today - timedelta(days=400), end=today
    )
    totals = Counter()
    for row in rows:
        totals.update(row.counts)
    return totals


def test_five_thousand_cases_reproduce_the_towns_figures(staffed):
    result = history_generate(n=5000, now=NOW)
    assert (result.cases, result.skipped) == (5000, False)
    assert Case.objects.count() == CaseReport.objects.count() == 5000
    assert result.events == CaseEvent.objects.count() > 5 * 5000
    t = _year()
    assert t["effective"] / t["due"] == pytest.approx(0.985, abs=0.005)
    assert t["cancelled"] / t["reported"] == pytest.approx(0.015, abs=0.006)
    assert 0.01 < t["returned"] / t["dispatched"] < 0.04
    assert 0.01 < t["reworked"] / t["due"] < 0.04
    assert 0.97 < t["closed"] / t["due"] < 1
    assert t["closed_on_time"] < t["disposed_on_time"] < t["disposed"]
    shares = Counter(Case.objects.values_list("channel", flat=True))
    assert shares[Channel.PATROL] / 5000 == pytest.approx(0.80, abs=0.02)
    assert (shares[Channel.RESIDENT] + shares[Channel.OPEN311]) / 5000 == pytest.approx(0.08, abs=0.015)
    assert shares[Channel.HOTLINE] / 5000 == pytest.approx(0.07, abs=0.015)


def test_the_seasons_the_week_and_the_day_show(staffed):
    history_generate(n=5000, now=NOW)
    local = ZoneInfo("Asia/Shanghai")
    moments = [m.astimezone(local) for m in Case.objects.values_list("reported_at", flat=True)]
    weekdays = Counter(m.weekday() for m in moments)
    assert weekdays[6] < weekdays[5] < min(weekdays[d] for d in range(5))
    months = Counter(m.month for m in moments)
    assert sum(months[m] for m in (6, 7, 8)) > 1.05 * sum(months[m] for m in (12, 1, 3))  # the rainy season
    hours = Counter(m.hour for m in moments)
    assert hours[10] > 5 * hours[3]
    assert max(moments) <= NOW and min(moments) >= NOW - timedelta(days=365)


def test_histories_are_whole_and_recent_cases_are_open(staffed):
    history_generate(n=4000, now=NOW + timedelta(hours=5))
    events = CaseEvent.objects.order_by("case_id", "at", "id").values_list(
        "case_id", "action", "from_status", "to_status"
    )
    last: dict = {}
    for case_id, action, src, dst in events:
        if case_id not in last:
            assert action == "report" and src == ""
        else:
            assert src == last[case_id], (case_id, action)
        last[case_id] = dst
    statuses = dict(Case.objects.values_list("id", "status"))
    assert last == statuses
    open_recent = Counter(
        Case.objects.filter(status__in=OPEN_STATUSES, reported_at__gte=NOW - timedelta(days=3)).values_list(
            "status", flat=True
        )
    )
    assert {Status.ACCEPTED, Status.DISPOSED} <= set(open_recent)  # work in progress
    closed = Case.objects.filter(status=Status.CLOSED)
    assert not closed.filter(closed_at__isnull=True).exists()
    assert not closed.filter(registered_at__isnull=True).exists()
    assert not Case.objects.filter(status__in=OPEN_STATUSES, closed_at__isnull=False).exists()
    disposed = Case.objects.filter(status=Status.DISPOSED)
    assert not disposed.filter(assignee__isnull=True).exists()
    assert Case.objects.filter(status=Status.ACCEPTED, step_deadline__isnull=True).count() == 0
    versions = Case.objects.annotate(n=Count("events")).values_list("version", "n")
    assert all(v == n for v, n in versions)


def test_numbers_follow_the_live_counter(staffed):
    users = staffed
    before = report(users).case.number  # a live case first
    history_generate(n=1500, now=NOW)
    numbers = sorted(Case.objects.exclude(number=before).values_list("number", flat=True))
    years = Counter(n[:4] for n in numbers)
    for year, count in years.items():
        assert last_taken(int(year)) >= count
    assert len(set(numbers)) == len(numbers)
    in_order = Case.objects.exclude(number=before).order_by("reported_at").values_list("number", flat=True)
    this_year = [n for n in in_order if n.startswith(str(NOW.year))]
    assert this_year == sorted(this_year)
    after = report(users, grid=3).case.number
    assert int(after[4:]) == last_taken(int(after[:4])) and after not in numbers


def test_a_second_seed_does_nothing(staffed, settings):
    settings.CITYOPS_DEMO_HISTORY_CASES = 800
    first = history_seed()
    assert first.created == 800 and first.changed
    counts = (Case.objects.count(), CaseEvent.objects.count(), CaseDailyStat.objects.count())
    second = history_seed()
    assert not second.changed and second.unchanged == 800
    assert (Case.objects.count(), CaseEvent.objects.count(), CaseDailyStat.objects.count()) == counts
    assert AuditRecord.objects.filter(action=AUDIT_ACTION).count() == 1
    assert not AuditRecord.objects.filter(action="cases.case.report").exists()


def test_the_plan_is_deterministic(staffed):
    refs = load_refs(2016)
    first = [(p.case, p.report, p.events) for p in plan(refs, draw(refs, 400, NOW, 5), NOW, 5)]
    again = [(p.case, p.report, p.events) for p in plan(load_refs(2016), draw(refs, 400, NOW, 5), NOW, 5)]
    other = [p.case for p in plan(refs, draw(refs, 400, NOW, 6), NOW, 6)]
    assert first == again
    assert [c for c, _, _ in first] != other


def test_without_a_catalogue_the_history_says_what_is_missing(users):
    from cityops.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="patrol item catalogue"):
        history_generate(n=10, now=NOW)
    assert not Case.objects.exists()


def test_the_trickle_reports_live_cases_through_intake(staffed, monkeypatch):
    calls = []

    def spy(data, *, by=None):
        calls.append(data.channel)
        return case_intake(data, by=by)

    monkeypatch.setattr("cityops.demo.trickle.case_intake", spy)
    results = trickle(12, rnd=random.Random(1))
    assert len(results) == 12 and len(calls) == 12
    assert set(calls) <= {Channel.PATROL, Channel.RESIDENT, Channel.HOTLINE}
    opened = [r.case for r in results if not r.duplicate]
    assert opened and all(c.status == Status.REPORTED for c in opened)
    assert AuditRecord.objects.filter(action="cases.case.report").count() == len(opened)


def test_the_trickle_command_opens_cases_and_stops_after_its_count(staffed, capsys):
    from django.core.management import call_command

    from cityops.cases.models import Case

    before = Case.objects.count()
    call_command("demo-trickle", "--count", "2", "--interval", "0")
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2  # one line per report
    assert 1 <= Case.objects.count() - before <= 2  # a report may join an open case nearby
