"""The SQLite copy is the database as of one moment while another connection goes on writing."""

import sqlite3
import threading
from types import SimpleNamespace

from cityops.backup import sqlite


def test_the_copy_is_consistent_while_a_writer_goes_on(tmp_path):
    path = tmp_path / "live.sqlite3"
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE pair (n INTEGER, payload BLOB)")
    db.execute("BEGIN")
    db.executemany("INSERT INTO pair VALUES (?, randomblob(4000))", [(n // 2,) for n in range(8_000)])
    db.execute("COMMIT")
    stop, started, written = threading.Event(), threading.Event(), []

    def writer():
        conn = sqlite3.connect(path, isolation_level=None, timeout=20)
        n = 10_000
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")  # rows come in pairs: a copy of any one moment has an even count
            conn.execute("INSERT INTO pair VALUES (?, randomblob(4000))", (n,))
            conn.execute("INSERT INTO pair VALUES (?, randomblob(4000))", (n,))
            conn.execute("COMMIT")
            written.append(n)
            if len(written) == 5:
                started.set()
            n += 1
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert started.wait(30)
        server = SimpleNamespace(in_atomic_block=False, ensure_connection=lambda: None, connection=db)
        copies = [tmp_path / f"copy{n}.sqlite3" for n in range(3)]
        before = len(written)
        for copy in copies:
            sqlite.copy(server, copy)
        during = len(written) - before
    finally:
        stop.set()
        thread.join()

    for copy in copies:
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count, pairs = conn.execute("SELECT count(*), count(DISTINCT n) FROM pair").fetchone()
        assert count == 2 * pairs and count >= 8_000
        conn.close()
    assert during > 0  # the writer committed while the copies were being made
