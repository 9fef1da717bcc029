import json
import sys

from django.core.management.base import BaseCommand

from cityops.core.scoping import SYSTEM_READER
from cityops.geo.selectors import geojson_export


class Command(BaseCommand):
    help = "Export the geography (town, areas, villages, grids, places) as GeoJSON in the import format."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="output file, or - for standard output")

    def handle(self, *args, path, **opts):
        data = geojson_export(user=SYSTEM_READER)
        text = json.dumps(data, ensure_ascii=False, indent=1)
        if path == "-":
            sys.stdout.write(text + "\n")
        else:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            self.stdout.write(self.style.SUCCESS(f"Wrote {len(data['features'])} features to {path}."))
