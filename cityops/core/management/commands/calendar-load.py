from django.core.management.base import BaseCommand, CommandError

from cityops.core.errors import DomainError
from cityops.core.holidays import bundled_calendar_files, calendar_load_files


class Command(BaseCommand):
    help = (
        "Load holiday data files (one year each: holidays on weekdays, working weekend days), "
        "all or nothing. Without FILE, load the years shipped with cityops."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", metavar="FILE", help="a cn-holidays-YYYY.json file")

    def handle(self, *args, files, **opts):
        paths = files or bundled_calendar_files()
        try:
            result = calendar_load_files(paths)
        except DomainError as exc:
            for err in exc.errors:
                self.stderr.write(f"  - {err['message']}")
            raise CommandError(exc.detail) from None
        for year, source in sorted(result.sources.items()):
            line = f"{year}: {source}"
            self.stdout.write(self.style.WARNING(line) if source.startswith("provisional") else line)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded: created {result.created}, updated {result.updated}, "
                f"unchanged {result.unchanged}, deleted {result.deleted}."
            )
        )
