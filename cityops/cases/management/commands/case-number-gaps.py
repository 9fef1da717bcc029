from django.core.management.base import BaseCommand
from django.utils import timezone

from cityops.cases.numbering import format_number, number_gaps
from cityops.core.inputs import cli_whole


class Command(BaseCommand):
    help = (
        "List the case numbers of a year that were given out but that no case carries. On "
        "PostgreSQL a number is taken from the year's sequence when an intake numbers its case; an "
        "intake that then fails and rolls back (a lost connection, a database error) leaves its "
        "number unused, and a sequence never gives a number twice. An intake still in progress "
        "shows as a gap for a moment. On SQLite numbering has no gaps."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=cli_whole(2000, 9999), help="the year (default this year)")

    def handle(self, *args, year, **opts):
        year = year or timezone.localdate().year
        gaps = number_gaps(year)
        for first, last in gaps.ranges:
            span = format_number(year, first)
            if last > first:
                span += f" – {format_number(year, last)} ({last - first + 1} numbers)"
            self.stdout.write(span)
        self.stdout.write(
            f"{year}: {gaps.last:,} numbers given out, {gaps.used:,} carried by cases, {gaps.missing:,} missing"
        )
