"""PostgreSQL extended statistics on a case's area, village and grid.

A village user's scope filters on both the area and the village; the planner, taking the two as
independent, expected about one row where there are thousands, and chose plans that join and sort
every closed case of a village (about 100 ms on a year of history instead of about 10 ms). The
functional dependency between the columns tells it the village implies the area. SQLite has no
such statistics and needs none.
"""

from django.db import migrations

NAME = "cases_case_units_stx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {NAME} (dependencies, ndistinct) "
            "ON area_id, village_id, grid_id FROM cases_case"
        )
        schema_editor.execute("ANALYZE cases_case")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_village_rollups")]

    operations = [migrations.RunPython(create, drop)]
