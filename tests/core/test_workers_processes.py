"""Two real worker processes on one PostgreSQL database, and a worker killed mid-batch
(docs/architecture.md, "Workers that run twice").

The workers are `cityops worker` processes started on the test database itself (the test is
transactional, so they see its rows); what they did is then counted there. Between them they
escalate each overdue case once, tell each person once, POST each webhook delivery once and raise
each silent device's alarm once. A worker killed with SIGKILL while POSTing leaves its claims
behind; once their leases have run out (moved into the past here, rather than waited for) the
other worker sends what was left, the interrupted delivery again with the same delivery id, and
nothing twice that had been acknowledged.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from cityops.cases.models import Case, CaseEvent, DepartmentWebhook, Notification, WebhookDelivery
from cityops.core.models import Job
from cityops.iot.choices import Connectivity
from cityops.iot.models import Alarm, Device
from cityops.iot.profiles import profiles_install
from cityops.org.models import Department
from tests.cases.conftest import catalogue  # noqa: F401 - a fixture
from tests.cases.test_workers_twice import CASES, Receiver, open_cases
from tests.concurrency import require_postgres
from tests.iot.rules.conftest import add_device

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker(tmp_path: Path, name: str, *only: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CITYOPS_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "cityops.settings",
    }
    args = [a for prefix in only for a in ("--only", prefix)]
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "cityops.cli", "worker", *args, "--poll", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the workers did not finish in time"
        threading.Event().wait(0.1)


def stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=60)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_two_worker_processes_do_each_thing_once(catalogue, receiver, tmp_path):  # noqa: F811
    require_postgres()
    DepartmentWebhook.objects.create(
        department=Department.objects.get(code="D-CG"), url=receiver.url, secret="s"
    )
    open_cases(CASES)
    Case.objects.update(step_deadline=timezone.now() - timedelta(days=30))  # long overdue: to the town
    profiles_install(actor_name="test")
    bins = [add_device(f"BIN-{n}", "waste_bin", n) for n in range(1, 9)]
    Device.objects.update(last_seen_at=timezone.now() - timedelta(hours=3), connectivity=Connectivity.ONLINE)
    deliveries = CASES * 2  # each case's report and its escalation

    workers = [start_worker(tmp_path, f"w{n}", "cases.", "iot.") for n in (1, 2)]
    try:
        wait_for(
            lambda: (
                CaseEvent.objects.filter(action="escalate").count() >= CASES
                and Alarm.objects.filter(rule__code="offline").count() >= len(bins)
            )
        )
        # the escalations' deliveries are due at the webhooks' next run: bring it forward
        Job.objects.filter(name="cases.webhooks").update(next_run_at=timezone.now())
        wait_for(lambda: WebhookDelivery.objects.filter(state="sent").count() == deliveries)
        threading.Event().wait(1.0)  # time for a second run of anything, were there one
    finally:
        codes = [stop(w) for w in workers]
    assert codes == [0, 0], [(tmp_path / f"w{n}.log").read_text() for n in (1, 2)]

    assert set(Case.objects.values_list("escalation", flat=True)) == {2}
    assert CaseEvent.objects.filter(action="escalate").count() == CASES
    assert Notification.objects.filter(kind="escalate").count() == CASES  # the town's duty officer
    assert sorted(receiver.ids) == sorted(WebhookDelivery.objects.values_list("id", flat=True))
    offline = Alarm.objects.filter(rule__code="offline")
    assert offline.values("device").distinct().count() == len(bins)
    assert set(offline.values_list("trigger_count", flat=True)) == {1}


class StallingReceiver(Receiver):
    """Takes the first two POSTs and holds the third open until ``release`` is set (its worker is
    killed meanwhile); every POST after that is taken at once."""

    def __init__(self):
        super().__init__()
        self.third, self.release = threading.Event(), threading.Event()
        handler, receiver = self.server.RequestHandlerClass, self
        post = handler.do_POST

        def do_post(h):
            if len(receiver.ids) == 2 and not receiver.third.is_set():
                receiver.third.set()
                receiver.release.wait(60)
                receiver.ids.append(int(h.headers["X-Cityops-Delivery"]))
                return  # no answer: the worker that sent it is gone
            post(h)

        handler.do_POST = do_post


def test_a_worker_killed_mid_batch_leaves_the_rest_to_the_other_once(catalogue, tmp_path):  # noqa: F811
    require_postgres()
    receiver = StallingReceiver()
    try:
        DepartmentWebhook.objects.create(
            department=Department.objects.get(code="D-CG"), url=receiver.url, secret="s"
        )
        open_cases(5)
        everything = sorted(WebhookDelivery.objects.values_list("id", flat=True))
        first = start_worker(tmp_path, "first", "cases.webhooks")
        assert receiver.third.wait(90), (tmp_path / "first.log").read_text()
        first.send_signal(signal.SIGKILL)  # killed while its third POST is open
        first.wait(30)
        receiver.release.set()
        interrupted = WebhookDelivery.objects.get(state="pending", claimed_until__isnull=False)
        assert WebhookDelivery.objects.filter(state="sent").count() == 2
        assert Job.objects.get(name="cases.webhooks").claimed_by.split(":")[1] == str(first.pid)

        # the leases run out: the job's and the delivery's claims were the dead worker's
        lapsed = timezone.now() - timedelta(seconds=1)
        Job.objects.filter(name="cases.webhooks").update(claimed_until=lapsed)
        WebhookDelivery.objects.filter(pk=interrupted.pk).update(claimed_until=lapsed)
        second = start_worker(tmp_path, "second", "cases.webhooks")
        try:
            wait_for(lambda: WebhookDelivery.objects.filter(state="sent").count() == len(everything))
        finally:
            assert stop(second) == 0
    finally:
        receiver.close()

    posted = sorted(receiver.ids)
    assert sorted(set(posted)) == everything
    assert [i for i in everything if posted.count(i) > 1] == [interrupted.pk]  # only it, twice
    assert posted.count(interrupted.pk) == 2
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
