"""Two operations-centre workers at once (docs/architecture.md, "Workers that run twice"): the leader
on duty is asked once about each case escalated to the town and told once; each closed period's
report is made once; the weekly forecast leaves one set of series. The jobs' own code, not the job
claim."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from cityops.cases.models import Notification
from cityops.cases.sweeper import sweep
from cityops.ops import tasks
from cityops.ops.duty.roster import Slot, roster_set
from cityops.ops.duty.triggers import ask_leader
from cityops.ops.insight.forecast import forecast_all
from cityops.ops.models import Decision, ForecastSeries, Report, ReportStatus, ShiftTemplate
from tests.cases.test_workers_twice import open_cases
from tests.concurrency import require_postgres, twice
from tests.ops.test_insight_forecast import _history
from tests.ops.test_reports import _rolled_up, month  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_duty_desks_at_once_ask_the_leader_once_per_escalation(catalogue, people):
    require_postgres()
    cases = open_cases(6)
    day = timezone.localtime(max(c.step_deadline for c in cases)).date() + timedelta(days=10)
    later = timezone.make_aware(datetime.combine(day, time(10, 0)))  # inside the day shift
    sweep(now=later)  # all six rise to the town
    shift, _ = ShiftTemplate.objects.get_or_create(
        code="day", defaults={"name": "白班", "starts": time(8, 30), "ends": time(17, 30), "order": 1}
    )
    roster_set(day=day, template=shift, slot=Slot(people["lead1"], [people["duty1"]]), by=people["admin"])

    twice(lambda: ask_leader(now=later))
    asked = Decision.objects.filter(kind="case_escalated")
    assert asked.count() == 6 == asked.values("case_id").distinct().count()
    told = Notification.objects.filter(kind="ops.decision")
    assert told.count() == 6 and set(told.values_list("user__username", flat=True)) == {"lead1"}
    assert not told.values("case").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_two_report_jobs_at_once_make_each_period_once(month):  # noqa: F811 - the fixture
    require_postgres()
    _rolled_up()
    results = twice(tasks.reports, timeout=300)
    made = [m for r in results for m in re.findall(r"(?:day|week|month|quarter|year) \d{4}-\d\d-\d\d", r)]
    assert len(made) == 4 == len(set(made))  # four periods, each made by one of the two
    assert Report.objects.count() == 4
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.DONE}


def test_two_forecasts_at_once_leave_one_set_of_series(town, users):
    require_postgres()
    _history(surge=None, weeks=14)
    forecast_all()
    single = sorted(ForecastSeries.objects.values_list("key", "status", "weeks"))
    assert single
    twice(forecast_all, timeout=300)
    assert sorted(ForecastSeries.objects.values_list("key", "status", "weeks")) == single
