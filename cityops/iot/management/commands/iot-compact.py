from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from cityops.iot.compaction import compact_all


class Command(BaseCommand):
    help = (
        "Move raw readings older than each device type's raw period into compressed hourly blocks, roll "
        "up closed minutes, hours and days (again where late readings arrived), and delete what is past "
        "each tier's retention. Idempotent: run it every few minutes from cron or a timer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO 8601 time to act as of (for replays and tests)")

    def handle(self, *args, now, **opts):
        when = None
        if now:
            try:
                when = datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now {now!r} is not an ISO 8601 time") from None
            if when.tzinfo is None:
                raise CommandError("--now needs a UTC offset, e.g. 2026-11-24T09:00:00+08:00")
        stats = compact_all(now=when)
        deleted = ", ".join(f"{k} {v:,}" for k, v in sorted(stats.deleted.items()) if v) or "nothing"
        self.stdout.write(
            f"moved {stats.readings_moved:,} readings into {stats.blocks_written:,} blocks; "
            f"wrote {stats.rollups_written:,} rollups; deleted {deleted}"
        )
