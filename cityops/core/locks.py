"""Locks that hold across processes, for work that must not run twice at once.

Most background work claims its rows one by one (a conditional UPDATE, or a row lock taken inside
the transaction that does the work). What cannot be claimed row by row — a sweep that reads many
rows and then writes what it found, a rollup that deletes a range and inserts it again — takes a
named lock here: a PostgreSQL advisory lock, which needs no table and is released by the server
when the session that holds it ends, so a killed worker never leaves one behind.

On SQLite these are no-ops, and say so by returning True: SQLite runs one writer at a time, every
transaction takes the write lock when it begins (``transaction_mode=IMMEDIATE``), and the job
claim (``core/jobs.py``) keeps two workers from running the same job. docs/architecture.md,
"Workers that run twice", lists which work takes which lock.
"""

import contextlib
import zlib
from collections.abc import Iterator

from django.db import connection

# The first of the two 32-bit keys of PostgreSQL's advisory locks, one per kind of lock, so that
# the kinds never collide (7301: an intake's patrol item, in cases/intake.py; 7303: a year's case
# number sequence being made, in cases/numbering.py).
NAMED = 7302


def _key(name: str) -> int:
    """A stable signed 32-bit key for ``name`` (the second half of the advisory lock's key)."""
    value = zlib.crc32(name.encode())
    return value - (1 << 32) if value >= 1 << 31 else value


def _postgres() -> bool:
    return connection.vendor == "postgresql"


@contextlib.contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Try to take the lock ``name`` without waiting; yields whether it was taken.

    Inside a transaction the lock lasts until that transaction ends (so whoever takes it next sees
    everything written under it); outside one it is released when the block ends.
    """
    if not _postgres():
        yield True
        return
    held_by_transaction = connection.in_atomic_block
    function = "pg_try_advisory_xact_lock" if held_by_transaction else "pg_try_advisory_lock"
    with connection.cursor() as cur:
        cur.execute(f"SELECT {function}(%s, %s)", [NAMED, _key(name)])
        taken = bool(cur.fetchone()[0])
    try:
        yield taken
    finally:
        if taken and not held_by_transaction:
            _unlock(name)


def _unlock(name: str) -> None:
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s, %s)", [NAMED, _key(name)])
    except Exception:  # noqa: BLE001 - a broken connection has dropped the lock with the session
        connection.close_if_unusable_or_obsolete()


def serialize(name: str) -> None:
    """Wait for the lock ``name`` and hold it until the current transaction ends.

    For work that must happen whole, one at a time (delete a range of rows and insert it again):
    a second caller waits, then sees the first one's rows and replaces them.
    """
    if not connection.in_atomic_block:
        raise RuntimeError(f"serialize({name!r}) holds its lock until the transaction ends: call it in one")
    if _postgres():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NAMED, _key(name)])
