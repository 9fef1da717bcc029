"""Case numbers from a PostgreSQL sequence per year (see cityops/cases/numbering.py): the function
that takes them, making the year's sequence on first use. SQLite keeps the yearly counter row."""

from django.db import migrations

from cityops.cases.numbering import POSTGRES_FUNCTION, POSTGRES_FUNCTION_REMOVE


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION_REMOVE)


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_case_unit_statistics")]
    operations = [migrations.RunPython(create, remove)]
