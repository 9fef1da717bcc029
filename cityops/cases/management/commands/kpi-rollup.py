import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from cityops.cases.rollup import rollup_all, rollup_days, rollup_recent
from cityops.core.inputs import InputError, check_day, cli_whole


def _date(text: str) -> date:
    try:
        return check_day(date.fromisoformat(text))
    except InputError as exc:
        raise CommandError(str(exc)) from None
    except ValueError:
        raise CommandError(f"{text!r} is not a date; give YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Rebuild the KPI rollups (CaseDailyStat, and its sums by village and day or month). By default "
        "the last --days days and the older days of every case that changed within them; --start/--end "
        "for a range; --all for every day. "
        "Idempotent: run it as often as you like (hourly, and --all nightly)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=cli_whole(1, 36600), default=35, help="recent days to rebuild (default 35)"
        )
        parser.add_argument("--start", help="first day YYYY-MM-DD of a range to rebuild")
        parser.add_argument("--end", help="last day YYYY-MM-DD of the range (default: --start)")
        parser.add_argument(
            "--all", action="store_true", dest="everything", help="every day from the first case to today"
        )

    def handle(self, *args, days, start, end, everything, **opts):
        began = time.monotonic()
        if everything:
            result = rollup_all()
        elif start:
            first = _date(start)
            last = _date(end) if end else first
            if last < first:
                raise CommandError(f"--end {last} is before --start {first}")
            result = rollup_days(first, last)
        else:
            if days < 1:
                raise CommandError("--days must be at least 1")
            result = rollup_recent(days)
        took = time.monotonic() - began
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {result.days} days: {result.rows:,} rollup rows, {result.village_rows:,} village "
                f"rows and {result.month_rows:,} village-month rows in {took:.1f} s."
            )
        )
