# The operations centre's first migration: its domains add their tables in the ones after it.

from django.db import migrations


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = []
