"""Scheduled SQL pulls from a real PostgreSQL source (a scratch database created and dropped here),
on either database of cityops: the rows loaded by the saved mapping, a replacing pull deleting what
the source no longer holds, a read-only connection, and a bad source — an address that leads nowhere,
a database or user that does not exist, a wrong password, a query error, a writing statement, a
timeout — giving its reason in the load log and losing nothing."""

import pytest

from cityops.core.errors import ValidationFailed
from cityops.databrain import datastore
from cityops.databrain.models import Load, PullSource, SyncChange
from cityops.databrain.pulls import fetch
from cityops.databrain.pulls.services import PullIn, pull_run, pull_source_save
from tests.databrain.files import rid
from tests.databrain.pgsource import (
    PasswordRefuser,
    admin_connection,
    scratch_name,
    server_url,
    with_database,
)

pytestmark = pytest.mark.django_db

PEOPLE = [(rid(f"441900199001010{n:02d}"), f"人{n}", n) for n in range(1, 6)]


@pytest.fixture(scope="module")
def pg_source():
    """The address of a scratch PostgreSQL database holding table p (id, name, rooms) and a sequence."""
    import psycopg

    url = server_url()
    name = scratch_name(url)
    with admin_connection(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    source = with_database(url, name)
    try:
        with psycopg.connect(source, autocommit=True) as db:
            db.execute("CREATE TABLE p (id text PRIMARY KEY, name text, rooms integer)")
            db.execute("CREATE SEQUENCE s")
            with db.cursor() as cur:
                cur.executemany("INSERT INTO p VALUES (%s, %s, %s)", PEOPLE)
        yield source
    finally:
        with admin_connection(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def source_rows(pg_source):
    """Put the source's table back as it was after a test that changed it."""
    import psycopg

    yield
    with psycopg.connect(pg_source, autocommit=True) as db:
        db.execute("DELETE FROM p")
        with db.cursor() as cur:
            cur.executemany("INSERT INTO p VALUES (%s, %s, %s)", PEOPLE)


@pytest.fixture
def mapped(rented):
    rented.mapping = {"id": "id_number", "name": "name", "rooms": "rooms"}
    rented.save(update_fields=["mapping"])
    return rented


def sql_source(resource, db_url, query="SELECT id, name, rooms FROM p ORDER BY id", **changes):
    data = PullIn(**{"name": "人口库", "kind": "sql", "db_url": db_url, "query": query, **changes})
    return pull_source_save(resource_code=resource.code, data=data)


def stored(resource) -> dict[str, tuple]:
    fields = list(resource.fields.all())
    rows = (
        datastore.page(resource, fields, filters=[], limit=1000).rows
        if datastore.table_exists(resource)
        else []
    )
    return {r["id_number"]: (r["name"], r["rooms"]) for r in rows}


def test_a_sql_pull_from_postgresql_loads_its_rows_by_the_mapping(mapped, pg_source):
    source = sql_source(mapped, pg_source)
    assert pg_source not in source.db_url_sealed  # sealed at rest
    load = pull_run(source_id=source.pk)
    assert (load.status, load.inserted, load.filename) == ("done", 5, "pull: 人口库"), load.errors
    assert stored(mapped) == {idn: (name, str(rooms)) for idn, name, rooms in PEOPLE}
    again = pull_run(source_id=source.pk)
    assert (again.status, again.inserted, again.updated) == ("done", 0, 5)  # unchanged: nothing new


def test_a_replacing_pull_deletes_what_the_source_no_longer_holds(mapped, pg_source, source_rows):
    import psycopg

    source = sql_source(mapped, pg_source, replace=True)
    assert pull_run(source_id=source.pk).inserted == 5
    with psycopg.connect(pg_source, autocommit=True) as db:
        db.execute("DELETE FROM p WHERE rooms > 3")
    load = pull_run(source_id=source.pk)
    assert (load.status, load.updated, load.deleted) == ("done", 3, 2)
    assert set(stored(mapped)) == {p[0] for p in PEOPLE[:3]}
    deletion = SyncChange.objects.get(kind="deletions")
    assert (deletion.load_id, deletion.rows, deletion.tombstones.count()) == (load.pk, 2, 2)


def refused_with(resource, source, before) -> str:
    load = pull_run(source_id=source.pk)
    assert load.status == "refused" and load.inserted == load.updated == load.deleted == 0
    assert Load.objects.filter(pk=load.pk, status="refused").exists()  # in the load log
    assert stored(resource) == before  # nothing lost, nothing half-loaded
    return load.errors[0]["message"]


@pytest.mark.parametrize(
    ("where", "query", "reason"),
    [
        ("no-server", None, "the query failed: connection failed"),
        ("no-database", None, 'database "nope_{name}" does not exist'),
        ("no-user", None, 'role "nobody_here" does not exist'),
        ("ok", "SELECT id, name, nope FROM p", 'the query failed: column "nope" does not exist'),
        (
            "ok",
            "SELECT id, nextval('s') AS rooms FROM p",
            "cannot execute nextval() in a read-only transaction",
        ),
        (
            "ok",
            "SELECT id, name, rooms FROM p WHERE pg_sleep(3) IS NOT NULL",
            "the query ran longer than 1 s",
        ),  # exact below
    ],
)
def test_a_bad_postgresql_source_is_a_refused_load_with_its_reason(
    mapped, pg_source, monkeypatch, where, query, reason
):
    import psycopg

    loaded = pull_run(source_id=sql_source(mapped, pg_source, name="全部").pk)
    assert loaded.status == "done"
    before = stored(mapped)
    name = pg_source.rsplit("/", 1)[1]
    url = {
        "no-server": "postgres://postgres@127.0.0.1:1/db",
        "no-database": pg_source.rsplit("/", 1)[0] + f"/nope_{name}",
        "no-user": pg_source.replace("postgres@", "nobody_here@", 1),
        "ok": pg_source,
    }[where]
    monkeypatch.setattr(fetch, "TIMEOUT_S", 1)
    source = sql_source(mapped, url, **({"query": query} if query else {}))
    message = refused_with(mapped, source, before)
    assert reason.format(name=name) in message
    if "pg_sleep" in (query or ""):
        assert message == "the query ran longer than 1 s"
    with psycopg.connect(pg_source) as db:
        assert db.execute("SELECT count(*) FROM p").fetchone()[0] == 5  # the source is untouched
        assert db.execute("SELECT last_value, is_called FROM s").fetchone() == (1, False)


def test_a_wrong_password_is_a_refused_load_naming_it_without_the_password(mapped, pg_source):
    refuser = PasswordRefuser()
    try:
        url = f"postgres://reader:Wr0ng-pass@127.0.0.1:{refuser.port}/people?sslmode=disable"
        message = refused_with(mapped, sql_source(mapped, url), {})
    finally:
        refuser.close()
    assert refuser.passwords == [b"Wr0ng-pass"]  # it was sent, and refused
    assert 'password authentication failed for user "reader"' in message
    assert "Wr0ng-pass" not in message


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("DELETE FROM p", "only a SELECT may be run, not DELETE"),
        ("UPDATE p SET rooms = 0", "only a SELECT may be run, not UPDATE"),
        ("SELECT 1; DROP TABLE p", "the query must be exactly one SELECT statement (found 2)"),
    ],
)
def test_a_statement_that_is_not_one_select_is_refused_when_saved(mapped, pg_source, query, message):
    import psycopg

    with pytest.raises(ValidationFailed) as exc:
        sql_source(mapped, pg_source, query=query)
    assert {"field": "query", "message": message} in exc.value.errors
    assert not PullSource.objects.exists()
    with psycopg.connect(pg_source) as db:
        assert db.execute("SELECT count(*) FROM p").fetchone()[0] == 5


def test_a_writing_statement_inside_a_select_meets_the_read_only_connection(mapped, pg_source):
    """A WITH … SELECT passes the check when saved; the read-only connection is what stops its DELETE."""
    import psycopg

    query = "WITH gone AS (DELETE FROM p RETURNING id, name, rooms) SELECT * FROM gone"
    message = refused_with(mapped, sql_source(mapped, pg_source, query=query), {})
    assert message == "the query failed: cannot execute SELECT in a read-only transaction"
    with psycopg.connect(pg_source) as db:
        assert db.execute("SELECT count(*) FROM p").fetchone()[0] == 5
