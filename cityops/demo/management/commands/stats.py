import json

from django.core.management.base import BaseCommand

from cityops.demo.selectors import entity_counts


class Command(BaseCommand):
    help = "Print the count of every entity: geography, places by kind, organisation, people, audit."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON object instead of a table")

    def handle(self, *args, **opts):
        counts = entity_counts()
        if opts["json"]:
            self.stdout.write(json.dumps(counts, ensure_ascii=False, indent=2))
            return
        rows = []
        for key, value in counts.items():
            if isinstance(value, dict):
                rows += [(f"{key}.{k}", v) for k, v in value.items()]
            else:
                rows.append((key, value))
        width = max(len(k) for k, _ in rows) + 2
        for key, value in rows:
            self.stdout.write(f"{key:<{width}}{value:>10,}")
