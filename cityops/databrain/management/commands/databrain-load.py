"""Load a CSV or XLSX file into a resource: cityops databrain-load <resource code> <file> [--header-rows N]
[--replace]."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cityops.databrain.loads import load_file


class Command(BaseCommand):
    help = "Load a CSV (UTF-8 or GBK/GB18030) or XLSX file into a data resource, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("resource")
        parser.add_argument("file", type=Path)
        parser.add_argument("--header-rows", type=int, default=1)
        parser.add_argument(
            "--replace", action="store_true", help="delete the records the file does not hold"
        )

    def handle(self, *args, resource, file, header_rows, replace, **options):
        load = load_file(
            resource_code=resource,
            data=file.read_bytes(),
            filename=file.name,
            header_rows=header_rows,
            replace=replace,
            actor_name="cli",
        )
        if load.status != "done":
            raise CommandError(
                "\n".join(["Refused; nothing was written:", *(e["message"] for e in load.errors)])
            )
        self.stdout.write(
            f"{load.rows_read} rows: {load.inserted} inserted, {load.updated} updated, {load.deleted} deleted, "
            f"{load.flagged} flagged ({load.duration_ms} ms); load {load.pk}"
        )
