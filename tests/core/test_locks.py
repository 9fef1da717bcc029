"""Named locks across processes (core/locks.py): one holder at a time, released with the block, the
transaction or the session that held it; no-ops that say yes on SQLite."""

import time

import pytest
from django.db import connection, transaction

from cityops.core import locks
from tests.concurrency import at_once, require_postgres


def taken_elsewhere(name: str) -> bool:
    """Whether a session of another thread could take the lock ``name`` now."""

    def try_it():
        with locks.exclusive(name) as mine:
            return mine

    return not at_once(try_it)[0]


@pytest.mark.django_db(transaction=True)  # no test transaction around it
def test_serialize_outside_a_transaction_is_refused_naming_the_lock():
    with pytest.raises(RuntimeError, match=r"serialize\('x.rebuild'\) holds its lock until the transaction"):
        locks.serialize("x.rebuild")


def test_on_sqlite_every_lock_is_granted(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's no-op locks")
    with locks.exclusive("x.sweep") as mine:
        assert mine
    with transaction.atomic():
        locks.serialize("x.rebuild")  # nothing to wait for: the transaction holds the write lock


@pytest.mark.django_db(transaction=True)
def test_an_exclusive_lock_has_one_holder_until_its_block_ends():
    require_postgres()
    with locks.exclusive("x.sweep") as mine:
        assert mine and taken_elsewhere("x.sweep")
        assert not taken_elsewhere("x.other")
    assert not taken_elsewhere("x.sweep")


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_lock_lasts_until_the_commit():
    require_postgres()
    with transaction.atomic():
        with locks.exclusive("x.sweep") as mine:
            assert mine
        assert taken_elsewhere("x.sweep")  # the block has ended, the transaction has not
        locks.serialize("x.rebuild")
        assert taken_elsewhere("x.rebuild")
    assert not taken_elsewhere("x.sweep") and not taken_elsewhere("x.rebuild")


@pytest.mark.django_db(transaction=True)
def test_a_lock_goes_with_the_session_that_held_it():
    """A worker killed while holding a lock: its connection ends, and the server drops the lock."""
    require_postgres()
    import psycopg

    s = connection.settings_dict
    other = psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        dbname=s["NAME"],
        autocommit=True,
    )
    assert other.execute(
        "SELECT pg_try_advisory_lock(%s, %s)", [locks.NAMED, locks._key("x.sweep")]
    ).fetchone()[0]
    assert taken_elsewhere("x.sweep")
    other.close()
    deadline = time.monotonic() + 10  # the server process of that session ends a moment later
    while taken_elsewhere("x.sweep"):
        assert time.monotonic() < deadline, "the lock outlived its session"
