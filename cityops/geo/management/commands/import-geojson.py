import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cityops.core.errors import DomainError
from cityops.geo.services import geojson_import


class Command(BaseCommand):
    help = "Import a GeoJSON FeatureCollection of town, areas, villages, grids and places (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .geojson file, or - for standard input")

    def handle(self, *args, path, **opts):
        try:
            text = self.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}") from None
        try:
            result = geojson_import(data=data, actor_name="cli")
        except DomainError as exc:
            for err in exc.errors:
                self.stderr.write(f"  - {err['message']}")
            raise CommandError(exc.detail) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: created {result.created or 0}, updated {result.updated or 0}, unchanged {result.unchanged}."
            )
        )
