"""Rewrite the word tables of the records' free text: cityops databrain-words [<resource code> …]."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cityops.databrain import datastore
from cityops.databrain.models import Resource


class Command(BaseCommand):
    help = (
        "Rewrite the word table of each loaded resource (or of those named) from its stored records: "
        "indexes a table loaded before the word tables existed, and drops the words of values no "
        "record holds any more."
    )

    def add_arguments(self, parser):
        parser.add_argument("resources", nargs="*")

    def handle(self, *args, resources, **options):
        qs = Resource.objects.order_by("code")
        if resources:
            qs = qs.filter(code__in=resources)
            missing = sorted(set(resources) - set(qs.values_list("code", flat=True)))
            if missing:
                raise CommandError(f"No resource {', '.join(missing)}.")
        for resource in qs:
            if not datastore.table_exists(resource):
                continue
            with transaction.atomic():
                Resource.objects.select_for_update().get(pk=resource.pk)  # not beside a load
                rows = datastore.rebuild_words(resource, list(resource.fields.all()))
            self.stdout.write(f"{resource.code}: {rows} words")
