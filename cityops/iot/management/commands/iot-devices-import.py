from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cityops.core.errors import DomainError
from cityops.iot.device_import import device_export, device_import


class Command(BaseCommand):
    help = (
        "Import devices from a CSV (UTF-8 or GBK) or XLSX file, all or nothing; "
        "or, with --export, write every device to such a file."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .csv or .xlsx file")
        parser.add_argument("--export", action="store_true", help="write the devices to PATH instead")

    def handle(self, *args, path, export, **opts):
        if export:
            fmt = "xlsx" if path.lower().endswith(".xlsx") else "csv"
            Path(path).write_bytes(device_export(fmt=fmt))
            self.stdout.write(self.style.SUCCESS(f"Wrote the devices to {path}."))
            return
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        try:
            result = device_import(data=data, filename=Path(path).name, actor_name="cli")
        except DomainError as exc:
            for err in exc.errors:
                self.stderr.write(f"  - {err['message']}")
            raise CommandError(exc.detail) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {path}: created {result.created}, updated {result.updated} "
                f"(moved {result.moved}), unchanged {result.unchanged}."
            )
        )
