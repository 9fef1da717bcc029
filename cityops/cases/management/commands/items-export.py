from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cityops.cases.catalogue import catalogue_export
from cityops.cases.models import PatrolItem


class Command(BaseCommand):
    help = "Export the patrol item catalogue as CSV or XLSX (by the file's extension) in the import format."

    def add_arguments(self, parser):
        parser.add_argument("path", help="output file ending in .csv or .xlsx")

    def handle(self, *args, path, **opts):
        fmt = Path(path).suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx"):
            raise CommandError(f"{path}: the file name must end in .csv or .xlsx")
        data = catalogue_export(fmt=fmt)
        try:
            Path(path).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc}") from None
        self.stdout.write(self.style.SUCCESS(f"Wrote {PatrolItem.objects.count()} items to {path}."))
