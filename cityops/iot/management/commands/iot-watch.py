import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from cityops.iot.alarms import alarms_follow_cases, alarms_retry_cases
from cityops.iot.compaction import compact_all
from cityops.iot.rules import sweep_offline


class Command(BaseCommand):
    help = (
        "The IoT watcher: every --interval seconds, marks silent devices offline, raises their offline "
        "alarms, records the status of the cases alarms opened and tries again to open the cases that "
        "failed to open; every --compact-every seconds it also "
        "compacts, rolls up and applies retention (as iot-compact). It recomputes everything from the "
        "database, so running it twice or after a restart changes nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0)
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument("--compact-every", type=float, default=300.0, help="seconds; 0: never compact")

    def handle(self, *args, interval, once, compact_every, **opts):
        stop = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
        compacted = 0.0
        while True:
            self._round()
            if compact_every and time.monotonic() - compacted >= compact_every:
                self._compact()
                compacted = time.monotonic()
            if once or stop["now"]:
                return
            slept = 0.0
            while slept < interval and not stop["now"]:
                time.sleep(0.5)
                slept += 0.5

    def _round(self) -> None:
        if not connection.in_atomic_block:  # a caller's transaction (a test) keeps its connection
            close_old_connections()
        try:
            with transaction.atomic():
                raised = sweep_offline(now=timezone.now())
            followed = alarms_follow_cases()
        except Exception as exc:  # noqa: BLE001 - a bad round is logged; the next one starts afresh
            self.stderr.write(f"iot watch round failed: {exc!r}")
            return
        if raised or followed:
            self.stdout.write(f"offline alarms raised {raised}; alarms whose case moved on {followed}")
        try:
            opened = alarms_retry_cases(now=timezone.now())
        except Exception as exc:  # noqa: BLE001 - as above; the retries keep their own schedule
            self.stderr.write(f"iot case retry failed: {exc!r}")
            return
        if opened:
            self.stdout.write(f"cases opened on another attempt {opened}")

    def _compact(self) -> None:
        try:
            stats = compact_all()
        except Exception as exc:  # noqa: BLE001 - as above: logged, and the next round tries again
            self.stderr.write(f"iot compaction failed: {exc!r}")
            return
        if stats.readings_moved or stats.rollups_written:
            self.stdout.write(
                f"compacted {stats.readings_moved:,} readings, wrote {stats.rollups_written:,} rollups"
            )
