"""Rate limits: how many times one client may do one thing in a fixed window of time.

Every limit in cityops (resident reports, tracking look-ups, sign-in failures) counts here. A count
is a ``RateCounter`` row keyed by the limit, the client and the *start of the window*, added or
incremented with one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` — atomic on SQLite and
PostgreSQL, shared by every process and machine, and unable to outlive its window: when the window
ends the next hit lands on a new row. (A cache is not used: Django's file and database caches
implement ``incr`` as read-then-write with the *default* timeout, which both loses hits under
concurrency and turned an hourly limit into a five-minute one.)

Fixed windows let a client use its allowance at the end of one window and again at the start of
the next, at most twice the limit in a short time; every limit here is set with that in mind.

A limit checked on *every* request of a client (the API's per-token limit) counts with
``cache_hit`` instead: in the cache alias ``ratelimit`` rather than a table, because on SQLite a
write per request would take the database's one write lock for every read of the API, and queue
those reads behind the ingest's and the workers' long transactions. The increment is made atomic
there (see ``cache_hit``), and each count expires with its window. ``CITYOPS_RATELIMIT_STORE=database``
counts these in the table too, for several web machines sharing one PostgreSQL.
"""

import fcntl
import hashlib
import threading
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.utils import timezone

from cityops.core.models import RateCounter

MAX_KEY = 200


def _now() -> datetime:
    """The clock of every limit (tests replace it to walk through windows without sleeping)."""
    return timezone.now()


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` hits in each window of ``seconds`` for one client of the limit ``name``."""

    name: str
    limit: int
    seconds: int

    def key(self, who: str) -> str:
        key = f"{self.name}:{who}"
        if len(key) > MAX_KEY:  # a long user name or address must not overflow the column
            key = f"{self.name}:sha256:{hashlib.sha256(who.encode()).hexdigest()}"
        return key


def window_start(limit: Limit, now: datetime) -> int:
    """The start of the window that holds ``now``, in whole seconds since the epoch."""
    epoch = int(now.timestamp())
    return epoch - epoch % limit.seconds


def window_end(limit: Limit, now: datetime | None = None) -> datetime:
    """When the window that holds ``now`` ends (the moment a refused client may try again)."""
    now = now or _now()
    return datetime.fromtimestamp(window_start(limit, now) + limit.seconds, tz=UTC)


def hits(limit: Limit, who: str, *, now: datetime | None = None) -> int:
    """How many hits ``who`` has in the current window (reads only)."""
    now = now or _now()
    row = RateCounter.objects.filter(key=limit.key(who), window_start=window_start(limit, now)).first()
    return row.hits if row else 0


def exceeded(limit: Limit, who: str, *, now: datetime | None = None) -> bool:
    """Whether ``who`` has used the whole allowance of the current window."""
    return hits(limit, who, now=now) >= limit.limit


def hit(limit: Limit, who: str, *, now: datetime | None = None) -> int:
    """Count one hit of ``who`` in the current window; returns the window's count including it."""
    now = now or _now()
    start = window_start(limit, now)
    expires = datetime.fromtimestamp(start + limit.seconds, tz=UTC)
    q = connection.ops.quote_name
    table, key, window, count = q(RateCounter._meta.db_table), q("key"), q("window_start"), q("hits")
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} ({key}, {window}, {count}, {q('expires_at')}) VALUES (%s, %s, 1, %s) "
            f"ON CONFLICT ({key}, {window}) DO UPDATE SET {count} = {table}.{count} + 1 RETURNING {count}",
            [limit.key(who), start, expires],
        )
        return cur.fetchone()[0]


def purge(*, now: datetime | None = None, keep: timedelta = timedelta(0)) -> int:
    """Delete the counts of windows that ended before ``now - keep`` (the job core.purge_rate_counts calls this)."""
    now = now or _now()
    return RateCounter.objects.filter(expires_at__lt=now - keep).delete()[0]


# --- counting in the cache ------------------------------------------------------------------------

CACHE_ALIAS = "ratelimit"
LOCK_STRIPES = 64  # lock files in a file cache's folder: hits of different keys seldom wait on each other
_thread_lock = threading.Lock()


@contextmanager
def _exclusive(store, key: str):
    """Hold the lock that makes a read-then-write of ``key`` in ``store`` atomic.

    Django's file cache reads and rewrites a whole file for ``incr`` (two processes at once lose a
    hit), so its increments are serialised by ``flock`` on one of a few lock files beside the cache
    (across processes and threads of the machine: every open is its own lock). A process-local cache
    needs only a thread lock; a shared cache server (Redis, Memcached) increments atomically itself.
    """
    if isinstance(store, FileBasedCache):
        folder = Path(store._dir) / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        stripe = zlib.crc32(key.encode()) % LOCK_STRIPES
        with open(folder / f"{stripe}.lock", "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield  # closing the file releases the lock
    elif isinstance(store, LocMemCache):
        with _thread_lock:
            yield
    else:
        yield


def cache_hit(limit: Limit, who: str, *, now: datetime | None = None) -> int:
    """Count one hit of ``who`` in the current window without writing to the database; returns the
    window's count including it. The count lives in the cache alias ``ratelimit`` (the table when
    ``CITYOPS_RATELIMIT_STORE`` is ``database``) and expires when its window has ended."""
    if settings.CITYOPS_RATELIMIT_STORE == "database":
        return hit(limit, who, now=now)
    now = now or _now()
    start = window_start(limit, now)
    key = f"{limit.key(who)}:{start}"
    expires_in = max(1, start + limit.seconds - int(now.timestamp()))
    store = caches[CACHE_ALIAS]
    with _exclusive(store, key):
        if isinstance(store, FileBasedCache | LocMemCache):
            count = (store.get(key) or 0) + 1
            store.set(key, count, expires_in)
            return count
        store.add(key, 0, expires_in)
        return store.incr(key)


def cache_purge() -> int:
    """Delete the counts of ended windows that a file cache still holds (nobody reads them again,
    and Django's file cache drops an expired entry only when it is read); returns how many."""
    store = caches[CACHE_ALIAS]
    if not isinstance(store, FileBasedCache):
        return 0  # other caches expire their entries themselves
    purged = 0
    for path in store._list_cache_files():
        try:
            with open(path, "rb") as fh:
                purged += store._is_expired(fh)  # which deletes the file of an expired entry
        except FileNotFoundError:
            pass  # read and dropped by a request meanwhile
    return purged
