from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cityops.cases.catalogue import catalogue_import
from cityops.core.errors import DomainError


class Command(BaseCommand):
    help = "Import the patrol item catalogue (巡查事项) from a CSV or XLSX file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .csv (UTF-8 or GBK) or .xlsx file")

    def handle(self, *args, path, **opts):
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        try:
            result = catalogue_import(data=data, filename=Path(path).name, actor_name="cli")
        except DomainError as exc:
            for err in exc.errors:
                self.stderr.write(f"  - {err['message']}")
            raise CommandError(exc.detail) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {path}: items created {result.created}, updated {result.updated}, "
                f"unchanged {result.unchanged}; categories created {result.categories_created}, "
                f"updated {result.categories_updated}."
            )
        )
