"""A backup is the database as of one moment while other sessions go on writing."""

import sqlite3
import subprocess
import tarfile
import threading
from types import SimpleNamespace

import pytest
from django.db import connection

from cityops.backup import postgres, sqlite
from cityops.backup.services import backup_create
from cityops.backup.state import using_database
from cityops.org.models import Department


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


@pytest.mark.django_db(transaction=True)
def test_a_row_written_while_the_backup_runs_is_in_neither_the_copy_nor_the_counts(
    users, media, tmp_path, monkeypatch
):
    """The dump and the manifest's counts are one moment: what another session writes after that
    moment (here between the snapshot and pg_dump, or between the SQLite copy and the counting) is
    in neither, though the live database has it."""
    before = Department.objects.count()

    def another_session_writes():
        with using_database({}):
            Department.objects.create(code="D-DURING", name="备份进行中新建的部门")

    if connection.vendor == "postgresql":
        real = postgres.dump

        def dump(**kwargs):
            another_session_writes()
            return real(**kwargs)

        monkeypatch.setattr(postgres, "dump", dump)
    else:
        real = sqlite.copy

        def copy(conn, out):
            real(conn, out)
            another_session_writes()

        monkeypatch.setattr(sqlite, "copy", copy)

    result = backup_create(out=tmp_path / "during.tar")

    assert Department.objects.filter(code="D-DURING").exists()
    assert result.manifest["state"]["stats"]["departments"] == before
    member = result.manifest["members"][0]["name"]
    with tarfile.open(result.path) as tar:
        tar.extract(member, tmp_path, filter="data")
    if connection.vendor == "postgresql":
        tool = postgres.find_tool(
            "pg_restore", at_least=result.manifest["database"]["dump_major"], purpose=""
        )
        script = subprocess.run(
            [tool.path, "--file=-", str(tmp_path / member)], capture_output=True, check=True
        )
        assert b"D-CG" in script.stdout and b"D-DURING" not in script.stdout
    else:
        copied = sqlite3.connect(tmp_path / member)
        codes = {code for (code,) in copied.execute("SELECT code FROM org_department")}
        copied.close()
        assert "D-CG" in codes and "D-DURING" not in codes
