from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from cityops.cases.patrols.services import coverage_compute, sessions_close_stale
from cityops.core.inputs import cli_day, cli_whole

MAX_DAYS = 366


class Command(BaseCommand):
    help = (
        "Recompute the patrol coverage of every grid (visits against the plans, share of the grid "
        "walked, missed patrols) for some days; recomputing a day changes nothing if nothing changed. "
        "By default today and yesterday, as the worker does."
    )

    def add_arguments(self, parser):
        parser.add_argument("--day", type=cli_day, help="one day, YYYY-MM-DD")
        parser.add_argument("--since", type=cli_day, help="every day from YYYY-MM-DD to today")
        parser.add_argument(
            "--days", type=cli_whole(1, 36600), default=2, help="the last N days up to today (default 2)"
        )
        parser.add_argument(
            "--close-stale", action="store_true", help="first close sessions open for more than 12 hours"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, day, since, days, close_stale, quiet, **opts):
        today = timezone.localdate()
        if day and since:
            raise CommandError("Give --day or --since, not both.")
        first = day or since or today - timedelta(days=days - 1)
        last = day or today
        if first > last:
            raise CommandError(f"{first} is after {last}; coverage is computed up to today.")
        if (last - first).days >= MAX_DAYS:
            raise CommandError(f"At most {MAX_DAYS} days at once.")
        if close_stale:
            self.stdout.write(f"closed {sessions_close_stale()} sessions open for more than 12 hours")
        span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        for d in tqdm(span, disable=quiet or len(span) < 3, leave=False, desc="coverage", unit="day"):
            result = coverage_compute(day=d)
            self.stdout.write(
                f"{d.isoformat()}: {result.grids} grids, {result.visits} visits, {result.missed} missed"
            )
