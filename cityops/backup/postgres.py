"""PostgreSQL: pg_dump in its custom format from an exported snapshot, and a restore through
pg_restore and psql in one transaction.

The tools are looked for where Debian and the PostgreSQL packages put them: ``CITYOPS_PG_BINDIR``
when set (and then only there), else ``/usr/lib/postgresql/<server's major>/bin``, ``PATH``, and
the newest ``/usr/lib/postgresql/*/bin``. pg_dump refuses a server newer than itself, and
pg_restore an archive written by a newer pg_dump, so both are checked before anything runs.
"""

import contextlib
import glob
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.backends.postgresql.client import DatabaseClient

from cityops.backup.errors import BackupError, ToolMissing

VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")

# Everything a forced restore replaces: each table, view, sequence and function of the public schema
# (the schema itself stays, with its owner and grants). Run in the restore's own transaction.
CLEAR_PUBLIC = """
SET LOCAL lock_timeout = '60s';
DO $clear$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') LOOP
    EXECUTE format(CASE r.relkind WHEN 'v' THEN 'DROP VIEW IF EXISTS public.%I CASCADE'
                                  WHEN 'm' THEN 'DROP MATERIALIZED VIEW IF EXISTS public.%I CASCADE'
                                  WHEN 'f' THEN 'DROP FOREIGN TABLE IF EXISTS public.%I CASCADE'
                                  ELSE 'DROP TABLE IF EXISTS public.%I CASCADE' END, r.relname);
  END LOOP;
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'S'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', r.relname);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
    EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', r.sig);
  END LOOP;
END
$clear$;
"""

# What makes a database not empty: any table, view, sequence or function outside the system schemas.
OBJECTS_SQL = """
SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_%'),
       (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e'))
"""


@dataclass(frozen=True)
class Tool:
    path: str
    major: int
    version: str  # as the tool prints it: "pg_dump (PostgreSQL) 15.20 (Debian …)"


def _version(path: str) -> Tool | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    match = VERSION.search(out)
    return Tool(path, int(match.group(1)), out.strip()) if match else None


def _candidates(name: str, major: int) -> list[str]:
    bindir = getattr(settings, "CITYOPS_PG_BINDIR", "")
    if bindir:
        return [os.path.join(bindir, name)]
    found = [f"/usr/lib/postgresql/{major}/bin/{name}"]
    if on_path := shutil.which(name):
        found.append(on_path)
    found += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_dir_major, reverse=True)
    return found


def _dir_major(path: str) -> int:
    match = re.search(r"/postgresql/(\d+)/", path)
    return int(match.group(1)) if match else 0


def find_tool(name: str, *, at_least: int, purpose: str) -> Tool:
    """The first ``name`` found whose major version is ``at_least`` or newer."""
    looked, too_old = [], []
    for path in dict.fromkeys(_candidates(name, at_least)):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            looked.append(path)
            continue
        tool = _version(path)
        if tool is None:
            looked.append(path)
        elif tool.major >= at_least:
            return tool
        else:
            too_old.append(f"{path} is version {tool.major}")
    where = "CITYOPS_PG_BINDIR" if getattr(settings, "CITYOPS_PG_BINDIR", "") else "the usual places"
    if too_old:
        raise ToolMissing(
            f"{name} {at_least} or newer is needed {purpose}, but {'; '.join(too_old)}. Install "
            f"postgresql-client-{at_least} or set CITYOPS_PG_BINDIR to its bin directory."
        )
    raise ToolMissing(
        f"{name} was not found in {where} ({', '.join(looked)}); it is needed {purpose}. Install "
        f"postgresql-client-{at_least} or set CITYOPS_PG_BINDIR to the directory that holds it."
    )


def tool_env(db: dict) -> dict:
    """The environment that points libpq at the database of a Django settings dict: host, port,
    user, database and the password in PGPASSWORD, never on a command line."""
    _args, env = DatabaseClient.settings_to_cmd_args_env(db, [])
    env = {**os.environ, **(env or {})}
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGDATABASE", "NAME")):
        if db.get(key):
            env[var] = str(db[key])
    env["PGAPPNAME"] = "cityops-backup"
    return env


def server_major(connection) -> int:
    return connection.pg_version // 10000


def server_version(connection) -> str:
    major, minor = divmod(connection.pg_version, 10000)
    return f"{major}.{minor}"


def dump(*, db: dict, snapshot: str, out: Path, major: int) -> Tool:
    """pg_dump of the database in the custom format, seeing exactly the exported ``snapshot``."""
    tool = find_tool("pg_dump", at_least=major, purpose=f"to back up a PostgreSQL {major} server")
    args = [tool.path, "--format=custom", f"--snapshot={snapshot}", "--no-password", f"--file={out}"]
    _run(args, tool_env(db), "pg_dump")
    return tool


def _run(args: list[str], env: dict, what: str) -> None:
    proc = subprocess.run(args, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"{what} failed (exit {proc.returncode}): {_tail(proc.stderr)}")


def _tail(text: str, lines: int = 6) -> str:
    return " | ".join(line for line in text.strip().splitlines()[-lines:]) or "no message"


def objects_in(connection) -> tuple[int, int]:
    """Relations and functions the database holds outside the system schemas."""
    with connection.cursor() as cur:
        cur.execute(OBJECTS_SQL)
        relations, functions = cur.fetchone()
    return relations, functions


def restore_tools(dump_major: int, server: int) -> tuple[Tool, Tool]:
    """pg_restore able to read the archive and write for the server, and the psql beside it (the
    script pg_restore writes may use meta-commands only its own psql knows)."""
    need = max(dump_major, server)
    why = f"to restore an archive written by pg_dump {dump_major} into PostgreSQL {server}"
    pg_restore = find_tool("pg_restore", at_least=need, purpose=why)
    beside = str(Path(pg_restore.path).with_name("psql"))
    psql = _version(beside) if os.access(beside, os.X_OK) else None
    if psql is None or psql.major != pg_restore.major:
        psql = find_tool("psql", at_least=pg_restore.major, purpose=why)
    return pg_restore, psql


def restore(*, db: dict, dump_file: Path, replace: bool, dump_major: int, server: int) -> None:
    """The dump into the database in one transaction: with ``replace``, what the public schema
    held is dropped first, in the same transaction. The COMMIT is sent only once pg_restore has
    written the whole script, so a failure anywhere leaves the database as it was."""
    pg_restore, psql = restore_tools(dump_major, server)
    env = tool_env(db)
    with (
        tempfile.TemporaryFile(mode="w+") as script_errors,
        tempfile.TemporaryFile(mode="w+") as apply_errors,
    ):
        script = subprocess.Popen(
            [pg_restore.path, "--no-owner", "--no-privileges", "--file=-", str(dump_file)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=script_errors,
        )
        apply = subprocess.Popen(
            [psql.path, "-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "-f", "-"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=apply_errors,
        )
        script_rc = _feed(script, apply, CLEAR_PUBLIC if replace else "")
        apply_rc = apply.wait()
        if script_rc != 0 or apply_rc != 0:
            script_errors.seek(0)
            apply_errors.seek(0)
            detail = _tail(apply_errors.read()) if apply_rc else _tail(script_errors.read())
            raise BackupError(f"The restore failed and was rolled back; the database is as it was. {detail}")


def _feed(script: subprocess.Popen, apply: subprocess.Popen, prelude: str) -> int:
    """Copy pg_restore's script into psql between BEGIN and COMMIT; COMMIT only if pg_restore ended
    well. Returns pg_restore's exit status."""
    rc = None
    try:
        apply.stdin.write(f"BEGIN;\n{prelude}\n".encode())
        shutil.copyfileobj(script.stdout, apply.stdin, 1024 * 1024)
        script.stdout.close()
        rc = script.wait()
        if rc == 0:
            apply.stdin.write(b"COMMIT;\n")
    except BrokenPipeError:
        pass  # psql stopped at an error: its message says which
    finally:
        for stream in (apply.stdin, script.stdout):
            with contextlib.suppress(BrokenPipeError):
                stream.close()
    if rc is None:
        rc = script.wait()
    return rc
