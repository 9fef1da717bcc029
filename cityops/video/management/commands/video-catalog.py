from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cityops.core.errors import DomainError
from cityops.video.catalog import catalog_import


class Command(BaseCommand):
    help = (
        "Import a GB/T 28181 Catalog response XML (one or more chunks; UTF-8, GB2312 or GBK) into the "
        "video registry, all or nothing; new channels join --project, each on a site of its own."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="an XML file")
        parser.add_argument("--project", required=True, help="code of the project new channels join")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args, path, project, dry_run, **opts):
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        try:
            result = catalog_import(data, project_code=project, actor_name="cli", dry_run=dry_run)
        except DomainError as exc:
            for err in exc.errors:
                self.stderr.write(f"  - {err['message']}")
            raise CommandError(exc.detail) from None
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {path}: groups {result.groups_created} new, {result.groups_updated} updated; "
                f"channels {result.channels_created} new (sites {result.sites_created}), "
                f"{result.channels_updated} updated, {result.unchanged} unchanged; {result.skipped} skipped "
                f"(status ON {result.status_on}, OFF {result.status_off})."
            )
        )
