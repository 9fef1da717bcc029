import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from cityops.cases.patrols import patrol_sweep
from cityops.cases.rollup import rollup_recent
from cityops.cases.sweeper import sweep
from cityops.cases.webhooks import deliver_due
from cityops.core.ratelimit import purge as purge_rate_counts

ROLLUP_EVERY_S = 3600


class Command(BaseCommand):
    help = (
        "The grid-governance worker: escalates overdue cases and sends department webhooks, every "
        "--interval seconds. Everything it does is recomputed from the database, so a restart loses nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0)
        parser.add_argument("--once", action="store_true", help="one round, then exit")

    rolled_at = 0.0

    def _rollup(self) -> None:
        """The KPI rollups of recent days, hourly (a restart just rolls up once more: it is idempotent)."""
        if time.monotonic() - self.rolled_at < ROLLUP_EVERY_S and self.rolled_at:
            return
        try:
            rollup_recent()
        except Exception as exc:  # noqa: BLE001 - logged; retried next hour
            self.stderr.write(f"rollup failed: {exc!r}")
        self.rolled_at = time.monotonic()

    def handle(self, *args, interval, once, **opts):
        stop = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
        while True:
            self._round()
            if once or stop["now"]:
                return
            slept = 0.0
            while slept < interval and not stop["now"]:
                time.sleep(0.5)
                slept += 0.5

    def _round(self) -> None:
        if not connection.in_atomic_block:  # a caller's transaction (a test) keeps its connection
            close_old_connections()
        self._rollup()
        try:
            swept = sweep()
            patrols = patrol_sweep()
            sent, failed = deliver_due()
            purge_rate_counts()  # counts of windows that have ended
        except Exception as exc:  # noqa: BLE001 - a bad round is logged; the next one starts afresh
            self.stderr.write(f"worker round failed: {exc!r}")
            return
        if swept.escalated or sent or failed or patrols["closed"]:
            self.stdout.write(
                f"escalated {swept.escalated} of {swept.checked} overdue; webhooks sent {sent}, "
                f"failed {failed}; stale patrols closed {patrols['closed']}"
            )
