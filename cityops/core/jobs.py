"""The one runtime for background work: periodic jobs that every app registers in its ``tasks.py``.

A job is a function of no arguments that returns a short summary of what it did ("" when there was
nothing to do). Its schedule and claim are one ``Job`` row: a worker runs a due job only after a
conditional UPDATE of that row succeeded (due, and not held by a live claim), so any number of
workers on SQLite or PostgreSQL run each due run once. While the job runs, its worker renews the
claim (a heartbeat), so a run longer than the lease is never taken over by a second worker; a
worker that died stops renewing, and its claim lapses. A run that raises is recorded with its
error and retried with exponential backoff; the worker itself goes on. Every run leaves a
``JobRun`` row, which the jobs page and ``cityops jobs`` show. Why our own loop and not a task
library: docs/architecture.md, "Background work" and "Workers that run twice".
"""

import os
import secrets
import socket
import threading
import traceback
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from cityops.core.models import Job, JobRun

RESULT_CHARS = 500
ERROR_CHARS = 8000
BEAT_MAX = 15.0  # seconds between two renewals of a running job's claim, at most

_REGISTRY: dict[str, "JobSpec"] = {}
_discovered = False


@dataclass(frozen=True)
class JobSpec:
    """A registered job: its function, how often it runs, how it backs off after failures."""

    name: str
    func: Callable[[], str | None]
    every: float | Callable[[], float]  # seconds between runs; 0 or less: switched off
    title: str
    retry_base: float = 10.0  # first retry this long after a failure, doubling per failure…
    retry_max: float = 900.0  # …up to this long (or the interval, when that is longer)
    lease: float = 120.0  # a claim not renewed for this long is taken to be a dead worker's

    @property
    def beat(self) -> float:
        """Seconds between two renewals of the claim while the job runs: a few per lease."""
        return max(min(self.lease / 4, BEAT_MAX), 0.05)

    @property
    def interval(self) -> float:
        return float(self.every() if callable(self.every) else self.every)

    @property
    def enabled(self) -> bool:
        return self.interval > 0

    def backoff(self, attempts: int) -> float:
        """Seconds until the next try after ``attempts`` failures in a row."""
        ceiling = max(self.retry_max, self.interval)
        return min(self.retry_base * 2 ** max(attempts - 1, 0), ceiling)


def job(
    name: str,
    *,
    every: float | Callable[[], float],
    title: str,
    retry_base: float = 10.0,
    retry_max: float = 900.0,
    lease: float = 120.0,
):
    """Register the decorated function as the periodic job ``name`` (``app.what``)."""

    def register(func):
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise ValueError(f"two background jobs are named {name!r}")
        _REGISTRY[name] = JobSpec(name, func, every, title, retry_base, retry_max, lease)
        return func

    return register


def registry() -> dict[str, JobSpec]:
    """Every registered job by name, after importing each installed app's ``tasks`` module."""
    global _discovered
    if not _discovered:
        autodiscover_modules("tasks")
        _discovered = True
    return dict(sorted(_REGISTRY.items()))


def select(prefixes: Iterable[str] = ()) -> list[JobSpec]:
    """The registered jobs whose names start with one of ``prefixes`` (all jobs when none given)."""
    prefixes = tuple(prefixes)
    return [s for name, s in registry().items() if not prefixes or name.startswith(prefixes)]


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


def jobs_sync(specs: Iterable[JobSpec], *, now: datetime | None = None) -> None:
    """Give every job its row (due at once when new); bring a next run within one interval of now
    when the interval was shortened since."""
    now = now or timezone.now()
    specs = list(specs)
    Job.objects.bulk_create([Job(name=s.name, next_run_at=now) for s in specs], ignore_conflicts=True)
    for s in specs:
        if s.enabled:
            latest = now + timedelta(seconds=s.interval)
            Job.objects.filter(name=s.name, next_run_at__gt=latest, attempts=0).update(next_run_at=latest)


def run_soon(name: str, *, now: datetime | None = None) -> None:
    """Make the job ``name`` due now (a page asked for its work): a worker runs it within its poll."""
    now = now or timezone.now()
    Job.objects.filter(name=name, next_run_at__gt=now).update(next_run_at=now)


def _unclaimed(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def job_claim(spec: JobSpec, *, worker: str, now: datetime, force: bool = False) -> Job | None:
    """Claim the job for ``worker`` if it is due (any time with ``force``) and nobody holds it;
    the conditional UPDATE is the lock, so of two workers asking at once exactly one gets it."""
    due = Q() if force else Q(next_run_at__lte=now)
    taken = Job.objects.filter(due & _unclaimed(now), name=spec.name).update(
        claimed_by=worker, claimed_until=now + timedelta(seconds=spec.lease), last_started_at=now
    )
    return Job.objects.get(name=spec.name) if taken else None


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_text(exc: BaseException) -> str:
    """The exception on its first line, then the end of the traceback (the part that says where)."""
    head = f"{type(exc).__name__}: {exc}"
    trace = "".join(traceback.format_exception(exc))
    return _short(head + "\n\n" + trace[-(ERROR_CHARS - len(head) - 2) :], ERROR_CHARS)


def _fresh_connection() -> None:
    if not connection.in_atomic_block:  # a caller's transaction (a test) keeps its connection
        close_old_connections()


@dataclass(frozen=True)
class RunOutcome:
    name: str
    ok: bool
    result: str
    error: str
    attempt: int
    retry_in: float | None  # seconds until the retry, for a failure


def _finish(spec: JobSpec, row: Job, worker: str, started: datetime, outcome: dict) -> RunOutcome:
    """Record the run and set the next one: the interval after a success, the backoff after a failure."""
    _fresh_connection()  # a failed job may have left a broken connection behind
    now = timezone.now()
    ok = outcome["ok"]
    attempt = row.attempts + 1
    attempts = 0 if ok else attempt
    wait = spec.interval if ok else spec.backoff(attempts)
    changes = {
        "next_run_at": now + timedelta(seconds=max(wait, 0)),
        "claimed_by": "",
        "claimed_until": None,
        "attempts": attempts,
        "last_finished_at": now,
        "last_ok": ok,
        "last_result": outcome["result"],
    }
    if not ok:
        changes |= {"last_error": outcome["error"], "last_failed_at": now}
    Job.objects.filter(name=spec.name, claimed_by=worker).update(**changes)
    JobRun.objects.create(
        job_id=row.pk,
        worker=worker,
        attempt=attempt,
        started_at=started,
        finished_at=now,
        ok=ok,
        result=outcome["result"],
        error=outcome["error"],
    )
    return RunOutcome(spec.name, ok, outcome["result"], outcome["error"], attempt, None if ok else wait)


def claim_renew(spec: JobSpec, *, worker: str) -> bool:
    """Extend ``worker``'s claim on ``spec`` by a lease from now; False when it no longer holds it."""
    until = timezone.now() + timedelta(seconds=spec.lease)
    return bool(Job.objects.filter(name=spec.name, claimed_by=worker).update(claimed_until=until))


def _beat(spec: JobSpec, worker: str, stop: threading.Event) -> None:
    try:
        while not stop.wait(spec.beat):
            try:
                if not claim_renew(spec, worker=worker):
                    return  # released or taken over: nothing more to renew
            except Exception:  # noqa: BLE001 - the database briefly away: the next beat tries again
                close_old_connections()
    finally:
        connections.close_all()  # this thread's connection


@contextmanager
def heartbeat(spec: JobSpec, *, worker: str):
    """Renew the claim every ``spec.beat`` seconds from a thread of its own while the block runs, so
    that a job running longer than its lease keeps it; a worker that died stops renewing."""
    stop = threading.Event()
    beating = threading.Thread(target=_beat, args=(spec, worker, stop), name=f"beat-{spec.name}", daemon=True)
    beating.start()
    try:
        yield
    finally:
        stop.set()
        beating.join()


def job_run(spec: JobSpec, *, worker: str, force: bool = False) -> RunOutcome | None:
    """Claim ``spec`` and run it once, recording what happened; None when it was not claimed.

    An exception from the job is caught and recorded, never raised: one broken job must not stop
    the others. An interruption (a second Ctrl-C) is recorded as a failure and then passed on.
    """
    _fresh_connection()
    started = timezone.now()
    row = job_claim(spec, worker=worker, now=started, force=force)
    if row is None:
        return None
    try:
        with heartbeat(spec, worker=worker):
            result = spec.func() or ""
    except Exception as exc:  # noqa: BLE001 - recorded with its traceback and retried with backoff
        return _finish(spec, row, worker, started, {"ok": False, "result": "", "error": _error_text(exc)})
    except BaseException as exc:
        _finish(spec, row, worker, started, {"ok": False, "result": "", "error": _error_text(exc)})
        raise
    return _finish(
        spec, row, worker, started, {"ok": True, "result": _short(str(result), RESULT_CHARS), "error": ""}
    )


def run_due(specs: Iterable[JobSpec], *, worker: str, force: bool = False) -> list[RunOutcome]:
    """One pass of a worker: run every enabled job that is due (every one with ``force``) and free."""
    outcomes = []
    for spec in specs:
        if spec.enabled:
            outcome = job_run(spec, worker=worker, force=force)
            if outcome is not None:
                outcomes.append(outcome)
    return outcomes


def next_due_in(specs: Iterable[JobSpec], *, now: datetime | None = None) -> float | None:
    """Seconds until the earliest of ``specs`` is due (0 when one is due now); None when none runs."""
    names = [s.name for s in specs if s.enabled]
    if not names:
        return None
    now = now or timezone.now()
    first = Job.objects.filter(name__in=names).order_by("next_run_at").values_list("next_run_at", flat=True)
    at = first.first()
    return 0.0 if at is None else max((at - now).total_seconds(), 0.0)


def runs_prune(*, now: datetime | None = None) -> int:
    """Delete the job runs older than ``CITYOPS_JOB_HISTORY_DAYS``; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CITYOPS_JOB_HISTORY_DAYS)
    deleted, _ = JobRun.objects.filter(started_at__lt=cutoff).delete()
    return deleted


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def _silent(row: Job, now: datetime) -> bool:
    """Whether the claim has missed two heartbeats (its worker renews it every ``beat`` seconds)."""
    spec = _REGISTRY.get(row.name) or JobSpec(row.name, lambda: None, 0, row.name)
    last_beat = row.claimed_until - timedelta(seconds=spec.lease)
    return now - last_beat > timedelta(seconds=2 * spec.beat)


def claims_release_dead(*, now: datetime | None = None) -> int:
    """Release the claims of this host's workers whose process has ended (killed, crashed), so their
    jobs need not wait out the lease; each counts as a failed run. Returns how many.

    A claim is released only when its process is gone *and* it has missed two heartbeats: a worker
    in another PID namespace on a host of the same name (containers sharing the host's network)
    may have a PID this one cannot see, but it keeps renewing its claim."""
    now = now or timezone.now()
    host = socket.gethostname()
    released = 0
    for row in Job.objects.filter(claimed_by__startswith=f"{host}:", claimed_until__gt=now):
        pid = row.claimed_by.split(":")[1]
        if not pid.isdigit() or _alive(int(pid)) or not _silent(row, now):
            continue
        error = f"the worker {row.claimed_by} ended during this run"
        done = Job.objects.filter(pk=row.pk, claimed_by=row.claimed_by).update(
            claimed_by="",
            claimed_until=None,
            attempts=F("attempts") + 1,
            last_ok=False,
            last_error=error,
            last_failed_at=now,
            last_finished_at=now,
        )
        if done:
            JobRun.objects.create(
                job=row,
                worker=row.claimed_by,
                attempt=row.attempts + 1,
                started_at=row.last_started_at or now,
                finished_at=now,
                ok=False,
                error=error,
            )
            released += 1
    return released


def _lane(specs: list[JobSpec], *, worker, stop, poll, report, trouble) -> None:
    """One app's jobs, one after another, as they fall due, until ``stop`` is set."""
    synced = False
    while not stop.is_set():
        wait = poll
        try:
            if not synced:
                jobs_sync(specs)
                synced = True
            claims_release_dead()
            for spec in specs:
                if stop.is_set():
                    return
                outcome = job_run(spec, worker=worker)
                if outcome is not None:
                    report(outcome)
            due_in = next_due_in(specs)
            wait = poll if due_in is None else min(due_in, poll)
        except Exception as exc:  # noqa: BLE001 - the worker outlives a bad pass; the rows keep the truth
            trouble(exc)
        stop.wait(wait)


def _lane_thread(specs: list[JobSpec], **kwargs) -> None:
    try:
        _lane(specs, **kwargs)
    finally:
        connections.close_all()  # this thread's connections


def work(
    specs: Iterable[JobSpec],
    *,
    worker: str,
    stop,
    poll: float = 5.0,
    report: Callable[[RunOutcome], None] = lambda outcome: None,
    trouble: Callable[[BaseException], None] = lambda exc: None,
) -> None:
    """Run ``specs`` as they fall due until ``stop`` (a ``threading.Event``) is set.

    Each app's jobs form a lane of their own (a thread when there are several), as the separate
    per-app loops did before: a long compaction delays the other IoT jobs, never the escalation
    of cases. Between two passes a lane sleeps until its next job is due, but at most ``poll``
    seconds, so a job that another process made due is seen soon. Nothing a job raises ends a
    lane; nor does a database that is briefly away (the pass goes to ``trouble`` and is tried again
    after ``poll``).
    """
    lanes: dict[str, list[JobSpec]] = {}
    for spec in specs:
        if spec.enabled:
            lanes.setdefault(spec.name.split(".")[0], []).append(spec)
    kwargs = {"worker": worker, "stop": stop, "poll": poll, "report": report, "trouble": trouble}
    if len(lanes) <= 1:
        for lane in lanes.values():
            _lane(lane, **kwargs)
        stop.wait()  # nothing (more) to run: wait to be stopped, as a worker is expected to
        return
    threads = [
        threading.Thread(target=_lane_thread, args=(lane,), kwargs=kwargs, name=f"jobs-{app}", daemon=True)
        for app, lane in lanes.items()
    ]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        for t in threads:
            t.join(0.5)  # with a timeout, so that the main thread still handles signals
