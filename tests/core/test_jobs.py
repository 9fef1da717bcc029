"""The background-work runtime: one claim per due run, retries with backoff, errors kept, a worker
that outlives its jobs, and the page and command that show it all."""

import csv
import io
import os
import random
import socket
import subprocess
import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from cityops.core import jobs
from cityops.core.jobs import JobSpec, job_run, jobs_sync, registry, run_due, work
from cityops.core.models import Job, JobRun

pytestmark = pytest.mark.django_db


def spec(name="test.job", func=lambda: "done", every=30.0, **kw) -> JobSpec:
    return JobSpec(name=name, func=func, every=every, title=name, **kw)


def make_due(name: str) -> None:
    Job.objects.filter(name=name).update(next_run_at=timezone.now() - timedelta(seconds=1))


# claims ------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_run_each_due_run_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers itself, so there is no race to test")
    ran: list[str] = []
    lock = threading.Lock()

    def counting(name):
        def run():
            with lock:
                ran.append(name)
            return name

        return run

    specs = [spec(f"race.{n:02d}", counting(f"race.{n:02d}")) for n in range(20)]
    jobs_sync(specs)
    start = threading.Barrier(4)
    errors = []

    def worker(n):
        try:
            order = specs[:]
            random.Random(n).shuffle(order)
            start.wait()
            run_due(order, worker=f"w{n}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(ran) == sorted(s.name for s in specs)  # every job once, none twice
    assert JobRun.objects.count() == 20
    assert not Job.objects.exclude(claimed_by="").exists()
    assert not Job.objects.filter(next_run_at__lte=timezone.now()).exists()


def test_a_job_is_claimed_only_when_due_and_free():
    s = spec()
    jobs_sync([s])
    assert job_run(s, worker="w1").ok  # new: due at once
    assert job_run(s, worker="w1") is None  # not due again for 30 s
    make_due(s.name)
    Job.objects.filter(name=s.name).update(
        claimed_by="w2", claimed_until=timezone.now() + timedelta(minutes=5)
    )
    assert job_run(s, worker="w1") is None  # another worker holds it
    assert job_run(s, worker="w1", force=True) is None  # even when asked to run it now
    Job.objects.filter(name=s.name).update(claimed_until=timezone.now() - timedelta(seconds=1))
    outcome = job_run(s, worker="w1")  # a claim past its lease was a dead worker's
    assert outcome.ok and outcome.result == "done"
    row = Job.objects.get(name=s.name)
    assert row.claimed_by == "" and row.claimed_until is None and row.last_ok is True


# failures ----------------------------------------------------------------------------------------


def test_a_failing_job_is_retried_with_backoff_and_its_error_is_kept():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) <= 5:
            raise ConnectionRefusedError(f"the upstream refused attempt {len(calls)}")
        return "pulled 12 rows"

    s = spec("test.flaky", flaky, every=30, retry_base=10, retry_max=60)
    jobs_sync([s])
    delays = []
    for attempt in range(1, 6):
        outcome = job_run(s, worker="w1")
        assert not outcome.ok and outcome.attempt == attempt
        row = Job.objects.get(name=s.name)
        delays.append(round((row.next_run_at - row.last_finished_at).total_seconds()))
        assert row.attempts == attempt and row.last_ok is False
        assert row.last_error.startswith(f"ConnectionRefusedError: the upstream refused attempt {attempt}")
        assert job_run(s, worker="w1") is None  # not before its backoff is over
        make_due(s.name)
    assert delays == [10, 20, 40, 60, 60]
    outcome = job_run(s, worker="w1")
    assert outcome.ok and outcome.result == "pulled 12 rows"
    row = Job.objects.get(name=s.name)
    assert row.attempts == 0 and round((row.next_run_at - row.last_finished_at).total_seconds()) == 30
    assert "attempt 5" in row.last_error and row.last_failed_at  # the last failure stays visible
    failures = list(JobRun.objects.filter(job=row, ok=False).order_by("started_at"))
    assert [r.attempt for r in failures] == [1, 2, 3, 4, 5]
    assert "Traceback" in failures[0].error and "flaky" in failures[0].error


def test_the_backoff_doubles_up_to_its_ceiling():
    s = spec(every=30, retry_base=10, retry_max=900)
    assert [s.backoff(n) for n in range(1, 9)] == [10, 20, 40, 80, 160, 320, 640, 900]
    hourly = spec(every=3600, retry_base=10, retry_max=900)
    assert hourly.backoff(12) == 3600  # never waits longer than its own interval would


def test_a_job_that_raises_never_kills_the_worker():
    stop = threading.Event()
    good_runs = []

    def boom():
        raise RuntimeError("broken on purpose")

    def good():
        good_runs.append(1)
        if len(good_runs) == 3:
            stop.set()
        return "fine"

    fast = {"every": 0.001, "retry_base": 0.001, "retry_max": 0.001}
    specs = [spec("test.boom", boom, **fast), spec("test.good", good, **fast)]
    reported, trouble = [], []
    work(specs, worker="w1", stop=stop, poll=0.01, report=reported.append, trouble=trouble.append)
    assert len(good_runs) == 3 and trouble == []
    boom_runs = JobRun.objects.filter(job__name="test.boom")
    assert boom_runs.count() >= 2 and not boom_runs.filter(ok=True).exists()
    assert all("RuntimeError: broken on purpose" in r.error for r in boom_runs)
    assert {o.name for o in reported if not o.ok} == {"test.boom"}


def test_the_worker_command_once_names_the_failed_jobs(monkeypatch, capsys):
    def boom():
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(jobs, "_REGISTRY", {"zz.boom": spec("zz.boom", boom), "zz.ok": spec("zz.ok")})
    monkeypatch.setattr(jobs, "_discovered", True)
    with pytest.raises(CommandError, match=r"1 of 2 jobs failed: zz.boom"):
        call_command("worker", "--once", "--only", "zz.")
    out, err = capsys.readouterr()
    assert "zz.ok: done" in out
    assert "zz.boom failed (attempt 1, next try in 10 s): RuntimeError: broken on purpose" in err
    with pytest.raises(
        CommandError, match=r"no background job starts with nope\.; the jobs are: zz.boom, zz.ok"
    ):
        call_command("worker", "--once", "--only", "nope.")


# the registry ------------------------------------------------------------------------------------


def test_every_app_registers_its_jobs_with_the_old_loops_cadence(settings):
    every = {name: s.interval for name, s in registry().items()}
    assert every == {
        "accounts.reviews": 3600,
        "accounts.sessions": 86400,
        "audit.verify": 60,
        "auditchain.link": 0.25 if connection.vendor == "postgresql" else 0,  # the chain's sequencer
        "cases.escalate": 30,
        "cases.kpi_rollup": 3600,
        "cases.patrols": 30,
        "cases.webhooks": 30,
        "core.prune_job_runs": 3600,
        "core.prune_screen_events": 3600,
        "core.purge_rate_counts": 3600,
        "databrain.sharing_sweep": 600,
        "databrain.sync_push": 0,  # off until an upstream address is configured
        "databrain.sync_prune": 3600,
        "databrain.pulls": 30,
        "databrain.loads": 3,
        "demo.trickle": 0,  # off unless the demo asks for it
        "iot.case_retries": 30,
        "iot.compact": 300,
        "ops.duty_decisions": 30,
        "iot.follow_cases": 30,
        "iot.offline": 30,
        "ops.reports": 10,
        "ops.forecast": 60,
        "security.assessments": 3600,
        "security.timers": 30,
        "video.alert_cases": 30,
        "video.alert_follow": 60,
        "egov.clocks": 60,
        "egov.ratings": 60,
        "egov.rollup": 300,
        "video.rollup": 600,
        "video.sweep": 60,
    }
    settings.CITYOPS_DEMO_TRICKLE_SECONDS = 30
    assert registry()["demo.trickle"].enabled
    settings.CITYOPS_DATABRAIN_SYNC_URL = "https://city.example/sync"
    assert registry()["databrain.sync_push"].interval == settings.CITYOPS_DATABRAIN_SYNC_INTERVAL == 60


def test_old_runs_are_pruned(settings):
    settings.CITYOPS_JOB_HISTORY_DAYS = 7
    s = spec()
    jobs_sync([s])
    job_run(s, worker="w1")
    old = JobRun.objects.get()
    JobRun.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(days=8))
    make_due(s.name)
    job_run(s, worker="w1")
    assert jobs.runs_prune() == 1 and JobRun.objects.count() == 1


# what an operator sees ---------------------------------------------------------------------------


def failed_escalation():
    """The real cases.escalate job, failed once with a recognisable error."""
    s = registry()["cases.escalate"]
    jobs_sync([s])

    def boom():
        raise RuntimeError("workstation DLS-A1 has no area")

    job_run(JobSpec(s.name, boom, s.every, s.title), worker="w1")


def test_the_jobs_command_lists_every_job_and_the_failures(capsys):
    failed_escalation()
    call_command("jobs", "--failures", "5")
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line[:1].isalpha()}
    assert set(registry()) <= set(lines)
    assert "Failing, retrying" in lines["cases.escalate"]
    assert "RuntimeError: workstation DLS-A1 has no area" in lines["cases.escalate"]
    assert "every 30 seconds" in lines["iot.offline"] and "every 5 minutes" in lines["iot.compact"]
    assert "every 1 hour" in lines["cases.kpi_rollup"] and "Switched off" in lines["demo.trickle"]
    assert "cases.escalate attempt 1 on w1" in out and "Traceback" in out


def test_the_jobs_page_shows_jobs_and_failures_to_the_duty_officer_and_the_administrator(client, users):
    failed_escalation()
    for who in ("officer", "admin"):
        client.force_login(users[who])
        html = client.get("/jobs/").content.decode()
        for name in registry():
            assert f'data-job="{name}"' in html
        assert "RuntimeError: workstation DLS-A1 has no area" in html
        assert "失败，重试中" in html and "每 30 秒" in html
    html = client.get("/jobs/?job=cases.escalate&runs=all").content.decode()
    assert html.count("data-run=") == 1
    assert client.get("/jobs/?job=iot.offline").content.decode().count("data-run=") == 0


def test_the_jobs_export_gives_the_runs_the_page_lists_with_the_whole_error(client, users):
    failed_escalation()
    s = registry()["iot.offline"]
    jobs_sync([s])
    job_run(JobSpec(s.name, lambda: "=HYPERLINK(0 devices)", s.every, s.title), worker="w2")
    client.force_login(users["officer"])

    def table(query):
        response = client.get(f"/jobs/export.csv{query}")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert "job-" in response["Content-Disposition"]
        return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    failures = table("")
    assert failures[0][:3] == ["开始时间", "结束时间", "任务"]
    assert [r[2] for r in failures[1:]] == ["cases.escalate"]
    assert failures[1][6] == "否" and "Traceback" in failures[1][8]  # the trace, not only its last line
    assert "RuntimeError: workstation DLS-A1 has no area" in failures[1][8]
    every = table("?runs=all")
    assert sorted(r[2] for r in every[1:]) == ["cases.escalate", "iot.offline"]
    offline = table("?job=iot.offline&runs=all")
    assert len(offline) == 2 and offline[1][7] == "'=HYPERLINK(0 devices)"  # neutralised for Excel
    assert client.get("/jobs/").content.decode().count("/jobs/export.csv") == 1


@pytest.mark.parametrize("who", ["area_dispatcher", "inspector_g1", "handler", "resident", "steward"])
def test_the_jobs_page_is_refused_to_other_roles(client, users, who):
    client.force_login(users[who])
    assert client.get("/jobs/").status_code == 403
    assert client.get("/jobs/export.csv").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_long_job_of_one_app_does_not_hold_back_another_apps_jobs():
    stop, fast_done = threading.Event(), threading.Event()
    fast_runs, waited = [], []

    def slow():  # a long compaction, say: it ends only when the other app's job has run three times
        waited.append(fast_done.wait(timeout=20))
        stop.set()
        return "slow"

    def fast():
        fast_runs.append(1)
        if len(fast_runs) == 3:
            fast_done.set()
        return "fast"

    tick = {"every": 0.001, "retry_base": 0.001, "retry_max": 0.001}
    specs = [spec("aa.slow", slow, **tick), spec("bb.fast", fast, **tick)]
    work(specs, worker="w1", stop=stop, poll=0.01)
    assert waited == [True] and len(fast_runs) >= 3


def test_a_dead_workers_claim_is_released_and_counted_as_a_failure():
    s, other, renewed = spec("test.dead"), spec("test.live"), spec("test.renewed")
    jobs_sync([s, other, renewed])
    gone = subprocess.Popen(["true"])
    gone.wait()
    host, now = socket.gethostname(), timezone.now()
    silent = now + timedelta(seconds=s.lease - 60)  # last renewed a minute ago: four beats missed
    Job.objects.filter(name=s.name).update(claimed_by=f"{host}:{gone.pid}:dead", claimed_until=silent)
    Job.objects.filter(name=other.name).update(claimed_by=f"{host}:{os.getpid()}:live", claimed_until=silent)
    # a PID this process cannot see, but a claim renewed just now: a worker in another PID namespace
    Job.objects.filter(name=renewed.name).update(
        claimed_by=f"{host}:{gone.pid}:elsewhere", claimed_until=now + timedelta(seconds=renewed.lease)
    )
    assert jobs.claims_release_dead() == 1
    assert Job.objects.get(name=renewed.name).claimed_by.endswith(":elsewhere")
    row = Job.objects.get(name=s.name)
    assert row.claimed_by == "" and row.attempts == 1 and row.last_ok is False
    assert row.last_error == f"the worker {host}:{gone.pid}:dead ended during this run"
    assert JobRun.objects.get(job=row).error == row.last_error
    assert Job.objects.get(name=other.name).claimed_by.endswith(":live")  # its worker is alive
    assert job_run(s, worker="w1").ok  # and the job runs again at once


@pytest.mark.django_db(transaction=True)
def test_a_job_running_longer_than_its_lease_keeps_its_claim():
    """The worker renews its claim while the job runs: a second worker never takes over a live run."""
    started, release = threading.Event(), threading.Event()

    def long_run():
        started.set()
        release.wait(20)
        return "long"

    s = spec("test.long", long_run, lease=0.4)  # renewed every 0.1 s
    jobs_sync([s])
    outcomes = []

    def first_worker():
        try:
            outcomes.append(job_run(s, worker="w1"))
        finally:
            connections.close_all()

    running = threading.Thread(target=first_worker)
    running.start()
    try:
        assert started.wait(20)
        claimed_until = Job.objects.get(name=s.name).claimed_until
        threading.Event().wait(1.2)  # three leases: unrenewed, the claim would have lapsed twice over
        assert timezone.now() > claimed_until
        assert job_run(s, worker="w2", force=True) is None
        row = Job.objects.get(name=s.name)
        assert row.claimed_by == "w1" and row.claimed_until > timezone.now()
    finally:
        release.set()
        running.join()
    assert outcomes[0].ok and list(JobRun.objects.values_list("worker", flat=True)) == ["w1"]
    assert Job.objects.get(name=s.name).claimed_by == ""  # released at the end, renewed no more


def test_a_schedule_of_less_than_a_second_is_said_per_second():
    from django.utils import translation

    from cityops.core.selectors import every_text

    with translation.override("en"):
        assert [every_text(s) for s in (0.25, 0.5, 1, 30)] == [
            "4 times a second",
            "2 times a second",
            "every 1 second",
            "every 30 seconds",
        ]
    with translation.override("zh-hans"):
        assert every_text(0.25) == "每秒 4 次"
