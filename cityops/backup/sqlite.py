"""SQLite: a copy through the online backup API, and a restore through the same API.

The copy is made in one step from the server's own connection: one read transaction, so the copy
is the database as of one moment while the server goes on writing (WAL readers never block
writers). The restore copies the staged file into the target in one step too, which SQLite does
as one write transaction: the target is the archive's database or, on any failure, what it was.
"""

import sqlite3
from pathlib import Path

from cityops.backup.errors import BackupError


def copy(connection, out: Path) -> None:
    """The database of Django ``connection`` into the new file ``out``, consistent as of one moment."""
    if connection.in_atomic_block:
        raise BackupError("A backup cannot run inside a transaction (its copy would see uncommitted rows).")
    connection.ensure_connection()
    target = sqlite3.connect(out)
    try:
        connection.connection.backup(target)
    except sqlite3.Error as exc:
        raise BackupError(f"The SQLite online backup failed: {exc}.") from exc
    finally:
        target.close()


def table_count(path: str) -> int:
    """Tables and views in the database file at ``path`` (0 when there is no such file)."""
    if not path or path == ":memory:" or "mode=memory" in path:
        raise BackupError("A restore needs a database file; an in-memory database cannot be restored into.")
    file = Path(path)
    if not file.parent.is_dir():
        raise BackupError(f"The folder {file.parent} of the database file does not exist; create it first.")
    if not file.exists() or file.stat().st_size == 0:
        return 0
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            return conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view')"
            ).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc}).") from exc


def restore(*, path: str, staged: Path) -> None:
    """Replace the database at ``path`` (created if absent) with the staged copy, in one transaction."""
    source = sqlite3.connect(f"file:{staged}?mode=ro", uri=True)
    try:
        check = source.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"The archived SQLite database fails its integrity check ({check}).")
        target = sqlite3.connect(path, timeout=20)
        try:
            source.backup(target)
        except sqlite3.Error as exc:
            raise BackupError(
                f"The restore into {path} failed ({exc}); the database is as it was. Stop the "
                "server and the workers that use it and try again."
            ) from exc
        finally:
            target.close()
    finally:
        source.close()
