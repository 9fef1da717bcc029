"""`cityops backup` and `cityops restore`: one archive of the database and the media files with a
checksum manifest, and its restore into an empty database, verified afterwards (docs/deployment.md,
"Backup and restore")."""

import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from cityops.audit.services import audit_chain, audit_record
from cityops.backup import archive, postgres, sqlite
from cityops.backup.checks import check_compatible, check_keys, compare_restored, other_keys, target_contents
from cityops.backup.errors import BackupError
from cityops.backup.state import (
    cityops_version,
    database_state,
    secret_references,
    using_database,
)

ARCHIVE_PATTERN = "cityops-*.tar"


@dataclass
class BackupResult:
    path: Path
    size: int
    manifest: dict
    seconds: dict[str, float] = field(default_factory=dict)
    pruned: list[Path] = field(default_factory=list)


@dataclass
class RestoreResult:
    manifest: dict
    replaced: str = ""  # what a forced restore replaced, in words
    audit_records: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def engine_of(db: dict) -> str:
    engine = db.get("ENGINE", "")
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise BackupError(f"cityops backs up PostgreSQL and SQLite databases, not {engine or 'this one'}.")


def archive_path(out: Path | None) -> Path:
    """``out`` if it names a new file; a new timestamped name in it if it is a directory."""
    folder = Path(out) if out else Path(settings.CITYOPS_BACKUP_DIR)
    if out is None or folder.is_dir() or str(out).endswith(os.sep):
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        path, n = folder / f"cityops-{stamp}.tar", 1
        while path.exists():
            n += 1
            path = folder / f"cityops-{stamp}-{n}.tar"
        return path
    if not folder.parent.is_dir():
        raise BackupError(f"The folder {folder.parent} does not exist; create it or name another.")
    if folder.exists():
        raise BackupError(f"{folder} already exists; a backup never overwrites an archive.")
    return folder


def _snapshot(connection, staging: Path, seconds: dict) -> tuple[Path, dict, dict]:
    """The database copied into ``staging`` and its state, both as of one moment."""
    started = time.monotonic()
    if connection.in_atomic_block:
        raise BackupError("A backup cannot run inside a transaction (its copy would see uncommitted rows).")
    if connection.vendor == "postgresql":
        dump_file = staging / "database.pgdump"
        major = postgres.server_major(connection)
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cur.execute("SELECT pg_export_snapshot()")
                snapshot = cur.fetchone()[0]
            tool = postgres.dump(db=connection.settings_dict, snapshot=snapshot, out=dump_file, major=major)
            seconds["dump"] = time.monotonic() - started
            state = database_state(connection)
        info = {"engine": "postgresql", "server_version": postgres.server_version(connection)}
        return dump_file, state, {**info, "dump_tool": tool.version, "dump_major": tool.major}
    copy = staging / "database.sqlite3"
    sqlite.copy(connection, copy)
    seconds["dump"] = time.monotonic() - started
    with using_database({"NAME": f"file:{copy}?mode=ro", "OPTIONS": {}}) as snapshot_db:
        state = database_state(snapshot_db)
    return copy, state, {"engine": "sqlite", "server_version": sqlite3.sqlite_version}


def _media_files(root: Path):
    """Every regular file under the media root, in a stable order, as (archive name, path)."""
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield archive.MEDIA_PREFIX + path.relative_to(root).as_posix(), path


def backup_create(
    *, out: Path | None = None, media: bool = True, keep: int = 0, actor_name: str = "cli"
) -> BackupResult:
    """One archive of the database, as of one moment, and the media files, with its manifest."""
    connection = connections["default"]
    path = archive_path(out)
    seconds: dict[str, float] = {}
    staging = Path(tempfile.mkdtemp(prefix=".cityops-backup-", dir=path.parent))
    writer = None
    try:
        started = time.monotonic()
        audit_chain()  # the manifest's audit head then covers every record committed before now
        db_file, state, database = _snapshot(connection, staging, seconds)
        seconds["database"] = time.monotonic() - started
        writer = archive.ArchiveWriter(path)
        writer.add_file(db_file.name, db_file)
        db_file.unlink()
        started = time.monotonic()
        files = size = 0
        if media:
            for name, file in _media_files(Path(settings.MEDIA_ROOT)):
                if writer.add_file(name, file):
                    files, size = files + 1, size + writer.members[-1]["size"]
        seconds["media"] = time.monotonic() - started
        manifest = writer.finish(
            {
                "format": archive.FORMAT,
                "format_version": archive.FORMAT_VERSION,
                "created_at": timezone.localtime().isoformat(timespec="seconds"),
                "cityops_version": cityops_version(),
                "database": database,
                "state": state,
                "media": {"included": media, "files": files, "bytes": size},
                "secrets": secret_references(),
            }
        )
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result = BackupResult(path=path, size=path.stat().st_size, manifest=manifest, seconds=seconds)
    _audit_backup(result, actor_name)
    if keep:
        result.pruned = prune(path.parent, keep=keep, actor_name=actor_name)
    return result


def _audit_backup(result: BackupResult, actor_name: str) -> None:
    state = result.manifest["state"]
    audit_record(
        action="backup.create",
        actor_name=actor_name,
        object_type="backup",
        object_id=result.path.name,
        after={
            "archive": str(result.path),
            "bytes": result.size,
            "members": len(result.manifest["members"]),
            "audit_seq": state["audit_head"]["seq"],
            "manifest_sha256": result.manifest["manifest_sha256"],
        },
    )


def prune(folder: Path, *, keep: int, actor_name: str = "cli") -> list[Path]:
    """Delete all but the newest ``keep`` archives named cityops-….tar in ``folder``."""
    archives = sorted(folder.glob(ARCHIVE_PATTERN), key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
    gone = archives[keep:]
    for path in gone:
        path.unlink(missing_ok=True)
    if gone:
        audit_record(
            action="backup.prune",
            actor_name=actor_name,
            object_type="backup",
            object_id=str(folder)[:64],
            after={"deleted": [p.name for p in gone], "kept": keep},
        )
    return gone


def archive_check(*, path: Path) -> tuple[dict, list[str]]:
    """Read the whole archive and check every checksum and whether this cityops could restore it
    into its database; nothing is written but a staging directory, removed again. Returns the
    manifest and notes on what a restore here would need (other keys) or meet."""
    db = connections["default"].settings_dict
    with tempfile.TemporaryDirectory(prefix=".cityops-check-", dir=_staging_parent()) as staging:
        manifest = archive.unpack(Path(path), Path(staging))
        notes = check_compatible(manifest, engine=engine_of(db))
    if problem := other_keys(manifest):
        notes.append(problem + " before restoring it here.")
    return manifest, notes


def _staging_parent(media_root: Path | None = None) -> Path:
    parent = Path(media_root or settings.MEDIA_ROOT).parent
    parent.mkdir(parents=True, exist_ok=True)
    return parent


def backup_restore(
    *,
    path: Path,
    force: bool = False,
    accept_new_keys: bool = False,
    db: dict | None = None,
    media_root: Path | None = None,
    actor_name: str = "cli",
) -> RestoreResult:
    """Restore an archive into an empty database (and media directory): every checksum is checked
    before anything is touched, and afterwards the audit trail is verified and `stats` compared
    with the manifest. A non-empty target is refused unless ``force``."""
    db = {**connections["default"].settings_dict, **(db or {})}
    media_root = Path(media_root or settings.MEDIA_ROOT)
    engine = engine_of(db)
    seconds: dict[str, float] = {}
    staging = Path(tempfile.mkdtemp(prefix=".cityops-restore-", dir=_staging_parent(media_root)))
    try:
        started = time.monotonic()
        manifest = archive.unpack(Path(path), staging)
        notes = check_compatible(manifest, engine=engine) + check_keys(
            manifest, accept_new_keys=accept_new_keys
        )
        seconds["verify archive"] = time.monotonic() - started
        replaced = target_contents(
            db=db, engine=engine, media_root=media_root, manifest=manifest, force=force
        )
        started = time.monotonic()
        _restore_database(db=db, engine=engine, manifest=manifest, staging=staging, replace=bool(replaced))
        seconds["database"] = time.monotonic() - started
        if manifest["media"]["included"]:
            _swap_media(staging / "media", media_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    started = time.monotonic()
    with using_database(db):
        checked = compare_restored(manifest)
        audit_record(
            action="backup.restore",
            actor_name=actor_name,
            object_type="backup",
            object_id=Path(path).name[:64],
            after={
                "archive": str(path),
                "created_at": manifest["created_at"],
                "manifest_sha256": manifest["manifest_sha256"],
                "audit_records_verified": checked,
                "stats_match": True,
                "forced": bool(replaced),
            },
        )
        audit_chain()  # the restored trail ends with its restore, chained
    seconds["verify restored copy"] = time.monotonic() - started
    return RestoreResult(manifest, replaced, checked, notes, seconds)


def _restore_database(*, db: dict, engine: str, manifest: dict, staging: Path, replace: bool) -> None:
    if engine == "postgresql":
        with using_database(db) as conn:
            server = postgres.server_major(conn)
        postgres.restore(
            db=db,
            dump_file=staging / "database.pgdump",
            replace=replace,
            dump_major=manifest["database"]["dump_major"],
            server=server,
        )
    else:
        sqlite.restore(path=str(db["NAME"]), staged=staging / "database.sqlite3")


def _swap_media(staged: Path, media_root: Path) -> None:
    """Put the archive's media in place of the media root by renaming (same file system)."""
    old = None
    if media_root.exists():
        old = media_root.with_name(f"{media_root.name}.replaced-{datetime.now():%Y%m%d%H%M%S}")
        media_root.rename(old)
    if staged.exists():
        staged.rename(media_root)
    else:
        media_root.mkdir(parents=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
