from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cityops.core.errors import DomainError
from cityops.video.registry_import import registry_export, registry_import


class Command(BaseCommand):
    help = (
        "Import video sites and channels from a CSV (UTF-8 or GBK/GB18030) or XLSX file, one row per "
        "channel, all or nothing; or, with --export, write every channel to such a file (never its "
        "stream credentials)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .csv or .xlsx file")
        parser.add_argument("--project", default="", help="project code of rows that name none")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--update", action="store_true", help="rows of existing channels and sites change them"
        )
        parser.add_argument("--export", action="store_true", help="write the channels to PATH instead")

    def handle(self, *args, path, project, dry_run, update, export, **opts):
        if export:
            fmt = "xlsx" if path.lower().endswith(".xlsx") else "csv"
            Path(path).write_bytes(registry_export(fmt=fmt))
            self.stdout.write(self.style.SUCCESS(f"Wrote the channels to {path}."))
            return
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        try:
            result = registry_import(
                data=data,
                filename=Path(path).name,
                project=project,
                update=update,
                dry_run=dry_run,
                actor_name="cli",
            )
        except DomainError as exc:
            for err in exc.errors:
                self.stderr.write(f"  - {err['message']}")
            raise CommandError(exc.detail) from None
        verb = "Checked (dry run, nothing written)" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {path}: sites created {result.sites_created}, updated {result.sites_updated}; "
                f"channels created {result.channels_created}, updated {result.channels_updated}, "
                f"unchanged {result.channels_unchanged}."
            )
        )
