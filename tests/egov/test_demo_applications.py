"""The demo's applications: every state present, the clocks where the services would leave them, the
worker finding nothing it has not already done, numbering continued by live applications."""

from collections import Counter

import pytest
from django.utils import timezone

from cityops.demo.egov_applications import applications_generate
from cityops.egov.applications.intake import apply
from cityops.egov.applications.sweeper import sweep
from cityops.egov.models import Application, ApplicationDailyStat, ApplicationEvent
from tests.egov.conftest import draft

pytestmark = pytest.mark.django_db


def test_a_spread_of_applications_whose_clocks_the_worker_agrees_with(published, clerk):
    now = timezone.now()
    made = applications_generate(n=600, days=30, now=now, seed=7)
    assert made.applications > 500 and made.events > made.applications
    statuses = Counter(Application.objects.values_list("status", flat=True))
    assert {"received", "under_review", "delivered", "completed"} <= set(statuses)
    assert statuses["not_accepted"] and statuses["supplement"] + statuses["received"] > 0
    numbers = list(Application.objects.order_by("received_at", "id").values_list("number", flat=True))
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    for app in Application.objects.exclude(clock_phase="none"):
        assert (app.clock_started_at is None) == (app.due_at is None), app.number
    for app in Application.objects.filter(status__in=["supplement", "special"]):
        assert app.clock_started_at is None and app.due_at is None
    decided = Application.objects.filter(decided_at__isnull=False)
    assert all(a.worked_minutes is not None and a.on_time is not None for a in decided)
    assert ApplicationDailyStat.objects.exists()
    before = ApplicationEvent.objects.filter(action__in=["warn", "overdue", "past_legal"]).count()
    swept = sweep(now)
    assert (swept.warned, swept.overdue, swept.past_legal) == (0, 0, 0)
    assert ApplicationEvent.objects.filter(action__in=["warn", "overdue", "past_legal"]).count() == before
    assert applications_generate(n=600, days=30, now=now, seed=7).skipped
    live, _made = apply(data=draft(), channel="kiosk", by=None)
    assert live.number > numbers[-1]
