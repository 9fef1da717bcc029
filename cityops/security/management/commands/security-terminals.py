from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cityops.core.errors import DomainError
from cityops.security.register.terminals import terminals_file, terminals_import


class Command(BaseCommand):
    help = (
        "Import the terminals file of the endpoint agent's console (CSV in UTF-8 or GBK, or XLSX), "
        "all or nothing; or, with --export, write every terminal to such a file."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .csv or .xlsx file")
        parser.add_argument("--export", action="store_true", help="write the terminals to PATH instead")

    def handle(self, *args, path, export, **opts):
        if export:
            Path(path).write_bytes(terminals_file(fmt="xlsx" if path.lower().endswith(".xlsx") else "csv"))
            self.stdout.write(self.style.SUCCESS(f"Wrote the terminals to {path}."))
            return
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        try:
            result = terminals_import(data=data, filename=Path(path).name, actor_name="cli")
        except DomainError as exc:
            for err in exc.errors:
                self.stderr.write(f"  - {err['message']}")
            raise CommandError(exc.detail) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {path}: created {result.created}, updated {result.updated}, unchanged {result.unchanged}."
            )
        )
