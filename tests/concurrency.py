"""Two of a worker at once against the same rows, for the tests that show each effect happens once
(docs/architecture.md, "Workers that run twice").

The race needs PostgreSQL: SQLite runs one writer at a time, so two workers there take turns and
there is nothing to race. On SQLite these tests are skipped, saying why. Under CI=true a skip is
allowed only when a PostgreSQL server is reachable (scripts/test.sh then runs them in its PostgreSQL
lane); with none reachable they fail instead, since nothing would run them.
"""

import os
import threading
import urllib.parse

import pytest
from django.db import connection, connections

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cityops"


def _server_reachable() -> str | None:
    """None when the PostgreSQL server of the test runs answers, else why not."""
    import psycopg

    url = os.environ.get("CITYOPS_TEST_PG_URL", DEFAULT_URL)
    admin = urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres", query=""))
    try:
        psycopg.connect(admin, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL is not reachable at {admin}: {exc}"
    return None


def require_postgres() -> None:
    """Skip (or, under CI=true with no PostgreSQL at all, fail) unless the tests run on PostgreSQL."""
    if connection.vendor == "postgresql":
        return
    missing = _server_reachable()
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"two workers at once need PostgreSQL, required under CI=true: {missing}")
    why = missing or "the PostgreSQL run of the suite runs it"
    pytest.skip(f"needs PostgreSQL: SQLite runs one writer, so two workers cannot race ({why})")


def at_once(*calls, timeout: float = 120):
    """Run the calls in threads of their own (each with its own database connection), released
    together by a barrier; their results in order. The first error any of them raised is raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index, call):
        try:
            barrier.wait(timeout)
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - raised in the test's thread below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), f"a worker did not finish within {timeout} s"
    if errors:
        raise errors[0]
    return results


def twice(call, timeout: float = 120) -> list:
    """``call`` run by two workers at once."""
    return at_once(call, call, timeout=timeout)
