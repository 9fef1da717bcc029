"""Reads that may be served by a PostgreSQL streaming replica (docs/deployment.md, "Scale-out").

With ``DATABASE_REPLICA_URL`` set, the ``replica`` alias names a read-only standby of the primary.
Nothing reads from it unless a caller says so: the reads inside ``with replica_reads():`` go to the
replica, every other read and every write go to the primary. A global router would send a page's
read right after its own write to a standby that has not replayed that write yet; only reads that
tolerate a few seconds of lag — the big screen's figures and map, the KPI page, a report of a closed
period — are wrapped.

Unset, or ``CITYOPS_REPLICA_READS=false``: the block changes nothing and every read goes to the
primary, as before.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections

REPLICA = "replica"
PRIMARY = "default"

# per thread (and per asyncio task): one request's block never reaches another's queries
_reading: ContextVar[bool] = ContextVar("cityops_replica_reads", default=False)


def enabled() -> bool:
    """Whether reads may go to the replica at all (the alias exists and reads are not turned off)."""
    return settings.CITYOPS_REPLICA_READS and REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[str]:
    """Send the reads of the block to the replica when there is one; yields the alias read."""
    if not enabled():
        yield PRIMARY
        return
    token = _reading.set(True)
    try:
        yield REPLICA
    finally:
        _reading.reset(token)


def replayed_since(lsn: str | None) -> bool:
    """Whether the replica has replayed the primary's WAL up to ``lsn`` (from ``primary_lsn``).
    A server that is no standby (a test mirror, SQLite) has nothing to catch up; one that does not
    answer has not."""
    if lsn is None:
        return True
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            recovering, caught_up = cursor.fetchone()
    except DatabaseError:
        connections[REPLICA].close()  # a new connection next time, once the standby is back
        return False
    return not recovering or bool(caught_up)


def primary_lsn() -> str | None:
    """The primary's current WAL position (None on SQLite or without a replica)."""
    if not enabled() or connections[PRIMARY].vendor != "postgresql":
        return None
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


@contextmanager
def replica_reads_after(lsn: str | None, *, wait: float = 30.0, poll: float = 0.5) -> Iterator[str]:
    """``replica_reads`` once the replica has replayed up to ``lsn``; after ``wait`` seconds
    without it, the block reads the primary instead: a lagging or unreachable replica delays the
    block by ``wait`` at most, and never gives it an older answer than the primary had at ``lsn``."""
    deadline = time.monotonic() + wait
    if enabled():
        while not replayed_since(lsn):
            if time.monotonic() >= deadline:
                yield PRIMARY
                return
            time.sleep(poll)
    with replica_reads() as alias:
        yield alias


class ReplicaRouter:
    """Reads inside ``replica_reads`` go to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reading.get() else None

    def db_for_write(self, model, **hints):
        # an object read from the replica is saved to the primary, never to the standby
        instance = hints.get("instance")
        return PRIMARY if instance is not None and instance._state.db == REPLICA else None

    def allow_relation(self, obj1, obj2, **hints):
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA} or None

    def allow_migrate(self, db, app_label, **hints):
        return False if db == REPLICA else None
