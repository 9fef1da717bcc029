"""Backup and restore of the demo town's year, as an operator runs them: `cityops backup`, then
`cityops restore --check` and `cityops restore` into a new, empty database, each timed, with the
size of what they copy.

PostgreSQL: `.venv/bin/python bench/backup.py [--reuse]` on $CITYOPS_BENCH_PG_URL. With --reuse the
database must already hold the demo's year (`cityops seed-demo`); without it the database is
created again, migrated and seeded, and the seed is timed too. SQLite: `--sqlite FILE` (seeded into
FILE when it does not exist). $CITYOPS_BENCH_VAR is the var directory (secret key, media; default a
new temporary one). The demo town has no photos, so `--photos N` (default 2,000) puts N files of
250 KB of random bytes (incompressible, as JPEG is) into its media directory first.

The restore goes where a recovery would: an empty database (PostgreSQL: the same database, dropped
and created again once the archive is written, so run it on a database you can seed again;
SQLite: a new file) and a new var directory holding only the secret key, as a spare machine has
once its keys are put back from the key store (removed at the end). The archive is kept and its
path printed.
"""

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import _server  # noqa: E402
from bench.ops_load import loadavg  # noqa: E402

PHOTO_BYTES = 250 * 1024


def cityops(env: dict, *args: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "cityops.cli", *args],
        cwd=_server.ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"cityops {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return seconds, proc.stdout


def photos(media: Path, count: int) -> tuple[int, int]:
    """At least ``count`` bench photos in the media directory; its files and bytes."""
    folder = media / "cases" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        path = folder / f"{n:06d}.jpg"
        if not path.exists():
            path.write_bytes(os.urandom(PHOTO_BYTES))
    files = [p.stat().st_size for p in media.rglob("*") if p.is_file()]
    return len(files), sum(files)


def pg_size(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def recreate_pg(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def prepare(env: dict, args, url: str) -> float | None:
    """The database with the demo's year; the seed's seconds when this run seeded it."""
    if args.sqlite and Path(args.sqlite).exists():
        return None
    if not args.sqlite and args.reuse:
        return None
    if not args.sqlite:
        recreate_pg(url)
    cityops(env, "migrate", "-v0")
    seconds, _out = cityops(env, "seed-demo", "--quiet")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reuse", action="store_true", help="PostgreSQL: the database already holds the year"
    )
    parser.add_argument("--sqlite", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--photos", type=int, default=2000)
    args = parser.parse_args()

    var = Path(os.environ.get("CITYOPS_BENCH_VAR") or tempfile.mkdtemp(prefix="cityops-bench-"))
    url = f"sqlite:///{Path(args.sqlite).resolve()}" if args.sqlite else _server.PG_URL
    env = {**os.environ, "DATABASE_URL": url, "CITYOPS_VAR_DIR": str(var), "PYTHONPATH": str(_server.ROOT)}
    seeded = prepare(env, args, url)
    media_files, media_bytes = photos(var / "media", args.photos)
    db_bytes = Path(args.sqlite).stat().st_size if args.sqlite else pg_size(url)
    before = loadavg()

    out = var / "archives"
    out.mkdir(exist_ok=True)
    backup_s, backup_out = cityops(env, "backup", "--out", str(out))
    archive = Path(re.search(r"Backed up into (\S+) \(", backup_out).group(1))

    spare = Path(tempfile.mkdtemp(prefix="cityops-spare-"))
    shutil.copy(var / "secret_key", spare / "secret_key")
    if args.sqlite:
        target = spare / "restored.sqlite3"
        spare_url = f"sqlite:///{target}"
    else:
        recreate_pg(url)
        spare_url = url
    spare_env = {**env, "DATABASE_URL": spare_url, "CITYOPS_VAR_DIR": str(spare)}
    check_s, _ = cityops(spare_env, "restore", "--check", str(archive))
    restore_s, restore_out = cityops(spare_env, "restore", str(archive))
    restored_bytes = target.stat().st_size if args.sqlite else pg_size(url)
    after = loadavg()
    shutil.rmtree(spare)

    print(f"database: {'SQLite ' + sqlite3.sqlite_version if args.sqlite else 'PostgreSQL'} ({url})")
    if seeded is not None:
        print(f"seed-demo (the year): {seeded:,.0f} s")
    print(backup_out.strip())
    print(restore_out.strip())
    rows = [
        ("database size", f"{db_bytes / 1e9:.2f} GB (restored: {restored_bytes / 1e9:.2f} GB)"),
        ("media", f"{media_files:,} files, {media_bytes / 1e9:.2f} GB"),
        ("archive", f"{archive.stat().st_size / 1e9:.2f} GB ({archive})"),
        ("cityops backup", f"{backup_s:.1f} s"),
        ("cityops restore --check", f"{check_s:.1f} s"),
        ("cityops restore", f"{restore_s:.1f} s"),
        ("load average before / after", f"{before} / {after}"),
    ]
    for name, value in rows:
        print(f"{name:<30}{value}")


if __name__ == "__main__":
    main()
