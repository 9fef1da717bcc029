"""A small town with cases, photos and a data brain table, committed (pg_dump reads it from another
session), and the databases a restore goes into: an empty one and one that holds data."""

import contextlib
import shutil

import pytest
from django.core.management import call_command
from django.db import connection

from cityops.backup import postgres, sqlite
from cityops.backup.state import using_database
from cityops.cases.choices import Channel
from cityops.cases.intake import IntakeIn, Reporter, case_intake
from cityops.cases.photos import read_photo
from cityops.databrain import datastore
from tests.builders import grid_centre
from tests.cases.conftest import jpeg, make_items, make_workstations
from tests.databrain.conftest import categories, people, rented  # noqa: F401 (fixtures)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def _cases(users) -> list[str]:
    numbers = []
    for n, (grid, colour) in enumerate([(1, (200, 40, 40)), (2, (40, 200, 40)), (5, (40, 40, 200))]):
        lon, lat = grid_centre(grid)
        by = users["inspector_g1"] if grid == 1 else None
        data = IntakeIn(
            channel=Channel.PATROL if by else Channel.HOTLINE,
            item_code="E-GARBAGE",
            lon=lon + 0.001 * n,
            lat=lat,
            description=f"路边有垃圾 {n}",
            reporter=Reporter(user=by, name="" if by else "王先生", phone="" if by else "13812345678"),
            photos=[read_photo(f"scene{n}.jpg", jpeg(colour=colour))],
        )
        numbers.append(case_intake(data, by=by).case.number)
    return numbers


@pytest.fixture
def dataset(users, media, request):
    """Committed rows: the town, its users, three cases with a photo each, a data resource with a
    table of its own (not a Django model: only a database-level copy has it)."""
    resource = request.getfixturevalue("people")
    make_workstations()
    make_items()
    numbers = _cases(users)
    yield {"cases": numbers, "resource": resource}
    with contextlib.suppress(Exception):
        datastore.drop_table(resource)


@pytest.fixture
def schema_back():
    """After a test that emptied the PostgreSQL test database, its tables are there again for the
    next test, whatever happened in between."""
    yield
    if "django_migrations" not in connection.introspection.table_names():
        call_command("migrate", verbosity=0)


@pytest.fixture
def empty_target(tmp_path, schema_back):
    """Makes an empty database to restore into, when called (after the backup): on PostgreSQL the
    test database itself, emptied (its tables come back with the restore); on SQLite a new file."""

    def make() -> dict:
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(postgres.CLEAR_PUBLIC.replace("SET LOCAL lock_timeout = '60s';", ""))
            assert connection.introspection.table_names() == []
            return {}
        return {"NAME": str(tmp_path / "restored.sqlite3")}

    return make


@pytest.fixture
def live_target(tmp_path, schema_back):
    """A database that holds data: on PostgreSQL the test database; on SQLite a file copy of it."""
    if connection.vendor == "postgresql":
        return {}
    path = tmp_path / "live.sqlite3"
    sqlite.copy(connection, path)
    return {"NAME": str(path)}


def counts(db: dict) -> dict:
    from cityops.backup.state import stats

    with using_database(db):
        return stats()


def media_tree(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def wipe(root) -> None:
    shutil.rmtree(root)
    root.mkdir()
