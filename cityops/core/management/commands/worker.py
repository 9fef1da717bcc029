import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from cityops.core.jobs import RunOutcome, jobs_sync, registry, run_due, select, work, worker_id


class Command(BaseCommand):
    help = (
        "The background worker: runs every app's jobs (each app's tasks.py; `cityops jobs` lists them) "
        "as they fall due, records each run, retries failures with backoff. Run as many as you like: "
        "each due run is claimed by one of them. TERM or Ctrl-C stops it after the job in hand; a "
        "second one stops it at once."
    )
    prefixes: tuple[str, ...] = ()  # the aliases of the older per-app workers fix these

    def add_arguments(self, parser):
        if not self.prefixes:
            parser.add_argument(
                "--only",
                action="append",
                default=[],
                metavar="PREFIX",
                help="only the jobs whose names start with PREFIX (e.g. cases. or iot.offline); repeatable",
            )
        parser.add_argument("--once", action="store_true", help="run each job once now, then exit")
        parser.add_argument(
            "--poll", type=float, default=5.0, help="at most this many seconds between looks (default 5)"
        )

    def handle(self, *args, once, poll, only=(), **opts):
        specs = self._specs(tuple(only) or self.prefixes)
        worker = worker_id()
        if once:
            jobs_sync(specs)
            failed = [o for o in run_due(specs, worker=worker, force=True) if not self._report(o)]
            if failed:
                raise CommandError(
                    f"{len(failed)} of {len(specs)} jobs failed: {', '.join(o.name for o in failed)}"
                )
            return
        stop = threading.Event()
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

        def on_signal(signum, frame):
            if stop.is_set():
                raise KeyboardInterrupt  # asked twice: give up the job in hand
            stop.set()

        for sig in previous:
            signal.signal(sig, on_signal)
        self.stdout.write(
            f"worker {worker}: {len(specs)} jobs ({', '.join(s.name for s in specs if s.enabled)})"
        )
        try:
            work(specs, worker=worker, stop=stop, poll=poll, report=self._report, trouble=self._trouble)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(f"worker {worker} stopped")

    def _specs(self, prefixes):
        specs = select(prefixes)
        if not specs:
            known = ", ".join(registry())
            raise CommandError(
                f"no background job starts with {' or '.join(prefixes)}; the jobs are: {known}"
            )
        return specs

    def _report(self, outcome: RunOutcome) -> bool:
        if outcome.ok:
            if outcome.result:
                self.stdout.write(f"{outcome.name}: {outcome.result}")
            return True
        first = outcome.error.splitlines()[0] if outcome.error else "?"
        self.stderr.write(
            f"{outcome.name} failed (attempt {outcome.attempt}, next try in {outcome.retry_in:.0f} s): {first}"
        )
        return False

    def _trouble(self, exc: BaseException) -> None:
        self.stderr.write(f"worker pass failed, trying again shortly: {exc!r}")
