"""Two cases-workers at once (docs/architecture.md, "Workers that run twice"): each overdue case rises
once per level, with one event, one notification per person and one webhook delivery; each delivery
is POSTed once, and once more only when the worker holding it died mid-POST; the KPI rollup and
the patrol sweep leave the rows of a single run. The two workers run the jobs' own code, not the
job claim, which would have let only one of them in: these are the effects' own guards."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db.models import Count
from django.utils import timezone

from cityops.audit.models import AuditRecord
from cityops.cases import webhooks
from cityops.cases.intake import intake_alarm
from cityops.cases.models import (
    Case,
    CaseEvent,
    DepartmentWebhook,
    Notification,
    PatrolCoverage,
    WebhookDelivery,
)
from cityops.cases.notify import recipients
from cityops.cases.patrols.services import patrol_sweep, session_start
from cityops.cases.rollup import local_day, rollup_days, rollup_recent
from cityops.cases.sweeper import sweep
from cityops.demo.history import history_generate
from cityops.org.models import Department
from tests.builders import grid_centre
from tests.cases.test_rollup import _stat_rows, add_inspectors
from tests.concurrency import require_postgres, twice
from tests.conftest import _user

pytestmark = pytest.mark.django_db(transaction=True)
CASES = 24


class Receiver:
    """A department's webhook endpoint on loopback that records each POST's delivery id."""

    def __init__(self):
        self.ids: list[int] = []
        seen = self.ids

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                seen.append(int(self.headers["X-Cityops-Delivery"]))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def open_cases(n: int) -> list[Case]:
    """n cases of the town's garbage item spread over its eight grids (as alarms open them)."""
    made = []
    for i in range(n):
        lon, lat = grid_centre(i % 8 + 1)
        made.append(
            intake_alarm(
                channel="iot",
                item_code="E-GARBAGE",
                lon=lon + 0.001 * (i // 8),
                lat=lat,
                description=f"满溢 {i}",
                source_ref=f"twice-{i}",
            ).case
        )
    return made


def assert_told_once(action: str) -> None:
    """Every event of ``action`` told each of its people once, and its department's webhook once."""
    events = list(CaseEvent.objects.filter(action=action).select_related("case"))
    for e in events:
        e.case.escalation = e.data.get("level", e.case.escalation)  # whom it went to then
    expected = sum(len(recipients(e.case, e)) for e in events)
    told = Notification.objects.filter(kind=action)
    assert told.count() == expected > 0
    assert not told.values("user", "case").annotate(n=Count("id")).filter(n__gt=1).exists()
    deliveries = WebhookDelivery.objects.filter(event__action=action)
    assert deliveries.count() == len(events) == deliveries.values("event").distinct().count()


def test_two_sweeps_at_once_escalate_each_case_once_per_level(catalogue, receiver):
    require_postgres()
    DepartmentWebhook.objects.create(
        department=Department.objects.get(code="D-CG"), url=receiver.url, secret="s"
    )
    cases = open_cases(CASES)
    assert Case.objects.count() == CASES
    latest = max(c.step_deadline for c in cases)

    for level, now in ((1, latest + timedelta(minutes=1)), (2, latest + timedelta(days=10))):
        swept = twice(lambda now=now: sweep(now=now))
        assert sum(s.escalated for s in swept) == CASES
        assert set(Case.objects.values_list("escalation", flat=True)) == {level}
        per_case = CaseEvent.objects.filter(action="escalate", data__level=level).values("case")
        assert per_case.count() == CASES == per_case.distinct().count()
    assert_told_once("escalate")
    assert AuditRecord.objects.filter(action="cases.case.escalate").count() == 2 * CASES


def test_two_workers_post_each_webhook_delivery_once(catalogue, receiver):
    require_postgres()
    DepartmentWebhook.objects.create(
        department=Department.objects.get(code="D-CG"), url=receiver.url, secret="s"
    )
    open_cases(20)
    ids = sorted(WebhookDelivery.objects.values_list("id", flat=True))
    assert len(ids) == 20

    results = twice(webhooks.deliver_due)
    assert sum(sent for sent, _ in results) == 20 and sum(failed for _, failed in results) == 0
    assert sorted(receiver.ids) == ids  # each POSTed once
    assert set(WebhookDelivery.objects.values_list("state", "attempts")) == {("sent", 1)}


def test_a_delivery_held_by_a_worker_that_died_is_posted_again_once(catalogue, receiver):
    require_postgres()
    DepartmentWebhook.objects.create(
        department=Department.objects.get(code="D-CG"), url=receiver.url, secret="s"
    )
    [case] = open_cases(1)
    delivery = WebhookDelivery.objects.get(event__case=case)
    now = timezone.now()
    assert webhooks._claim(delivery.pk, now)  # a worker claimed it, began the POST and was killed

    assert twice(webhooks.deliver_due) == [(0, 0), (0, 0)]  # the claim stands until its lease ends
    assert receiver.ids == []
    lapsed = now + timedelta(seconds=webhooks.CLAIM_SECONDS + 1)
    results = twice(lambda: webhooks.deliver_due(now=lapsed))
    assert sorted(results) == [(0, 0), (1, 0)]
    assert receiver.ids == [delivery.pk]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.claimed_until) == ("sent", 1, None)


def test_two_kpi_rollups_at_once_leave_the_rows_of_one(catalogue):
    require_postgres()
    add_inspectors(catalogue)
    now = timezone.now()
    history_generate(n=500, now=now)
    today = local_day(now)
    rollup_days(today - timedelta(days=364), today, now=now)
    one = _stat_rows()
    assert one

    results = twice(lambda: rollup_recent(now=now))
    assert results[0].rows == results[1].rows > 0
    assert _stat_rows() == one


def test_two_patrol_sweeps_at_once_close_each_stale_session_once(catalogue):
    require_postgres()
    now = timezone.now()
    for n in range(1, 9):
        walker = _user(f"walker_g{n}", "inspector", "grid", f"G{n}")
        lon, lat = grid_centre(n)
        session_start(by=walker, lon=lon, lat=lat, accuracy=10, now=now - timedelta(hours=13))

    results = twice(lambda: patrol_sweep(now=now))
    assert sum(r["closed"] for r in results) == 8
    assert AuditRecord.objects.filter(action="cases.patrol.timeout").count() == 8
    today = timezone.localdate(now)
    for day in (today - timedelta(days=1), today):
        assert PatrolCoverage.objects.filter(day=day).count() == 8
