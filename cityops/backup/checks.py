"""The checks around a restore: before it, whether this cityops can take the archive and whether
the target is empty; after it, whether the restored copy is the one the manifest describes."""

from pathlib import Path

from django.db import OperationalError, connections

from cityops.audit.selectors import audit_verify
from cityops.backup import postgres, sqlite
from cityops.backup.errors import ArchiveIncompatible, BackupError, RestoreMismatch, TargetNotEmpty
from cityops.backup.state import (
    cityops_version,
    code_migrations,
    database_state,
    sealing_keys,
    using_database,
)

ENGINE_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def check_compatible(manifest: dict, *, engine: str) -> list[str]:
    """Raise ArchiveIncompatible if this cityops cannot restore the archive into an ``engine``
    database; return notes on what differs but does not stop it."""
    made_on = manifest["database"]["engine"]
    if made_on != engine:
        raise ArchiveIncompatible(
            f"The archive holds a {ENGINE_NAMES[made_on]} database and DATABASE_URL names a "
            f"{ENGINE_NAMES[engine]} one; restore it into {ENGINE_NAMES[made_on]}."
        )
    _check_migrations(manifest)
    if manifest.get("cityops_version") != (here := cityops_version()):
        return [
            f"The archive was made by cityops {manifest.get('cityops_version')}, this is {here}; "
            "their migrations are the same."
        ]
    return []


def other_keys(manifest: dict) -> str:
    """Why the sealed passwords in the archive would not open with this cityops's keys ("" if they would)."""
    missing = [fp for fp in manifest["secrets"]["sealing"]["fingerprints"] if fp not in sealing_keys()]
    if not missing:
        return ""
    return (
        f"The archive's sealed passwords (camera streams, SIP devices, pull sources) were sealed "
        f"under a key this cityops does not have (fingerprint {', '.join(missing)}; where the backup "
        f"was made, CITYOPS_SEAL_KEY was {manifest['secrets']['sealing']['kept_in']}). Set "
        "CITYOPS_SEAL_KEY (or the SECRET_KEY it was derived from) as it was there"
    )


def check_keys(manifest: dict, *, accept_new_keys: bool) -> list[str]:
    """Refuse other sealing keys unless accepted; accepted, a note says what follows."""
    problem = other_keys(manifest)
    if problem and not accept_new_keys:
        raise ArchiveIncompatible(
            problem + ", or pass --accept-new-keys and enter those passwords again after the restore."
        )
    return (
        [problem + "; restoring anyway (--accept-new-keys): enter those passwords again."] if problem else []
    )


def _check_migrations(manifest: dict) -> None:
    archived, here = set(manifest["state"]["migrations"]), set(code_migrations())
    newer, older = sorted(archived - here), sorted(here - archived)
    made_by = f"cityops {manifest.get('cityops_version', '?')}"
    if newer:
        raise ArchiveIncompatible(
            f"The archive's database has {len(newer)} migrations this cityops does not know "
            f"(first: {newer[0]}); it was made by a newer {made_by}. Restore it with that version."
        )
    if older:
        raise ArchiveIncompatible(
            f"The archive's database lacks {len(older)} migrations of this cityops (first: {older[0]}); "
            f"it was made by an older {made_by}. Restore it with that version, then upgrade and "
            "run `cityops migrate`."
        )


def target_contents(*, db: dict, engine: str, media_root: Path, manifest: dict, force: bool) -> str:
    """What the target database and media directory hold, in words ("" when both are empty).
    Raise TargetNotEmpty when they hold anything and ``force`` is not given."""
    found = []
    if engine == "postgresql":
        try:
            with using_database(db) as conn:
                relations, functions = postgres.objects_in(conn)
        except OperationalError as exc:
            raise BackupError(
                f"Cannot connect to the database {db['NAME']} ({str(exc).strip()}); create it "
                f"(createdb {db['NAME']}) and try again."
            ) from exc
        if relations or functions:
            found.append(
                f"the database {db['NAME']} holds {relations:,} tables and other relations and {functions:,} functions"
            )
    else:
        tables = sqlite.table_count(str(db["NAME"]))
        if tables:
            found.append(f"the database {db['NAME']} holds {tables:,} tables")
    if manifest["media"]["included"] and media_root.is_dir() and any(media_root.iterdir()):
        found.append(f"the media directory {media_root} is not empty")
    replaced = "; ".join(found)
    if replaced and not force:
        raise TargetNotEmpty(
            f"Refusing to restore: {replaced}. Restore into an empty database (createdb, or a new "
            "SQLite file) or pass --force to replace everything in it; nothing was changed."
        )
    return replaced


def _flatten(value, prefix: str = "") -> dict:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): value}


def compare_restored(manifest: dict) -> int:
    """audit-verify on the restored copy, and its migration state, audit head and `stats` against
    the manifest; raise RestoreMismatch naming every difference. Returns the records verified."""
    problems = []
    result = audit_verify()
    if not result.ok:
        problems.append(f"audit-verify fails at record #{result.broken_seq}: {result.reason}")
    restored = database_state(connections["default"])
    expected = manifest["state"]
    if restored["audit_head"] != expected["audit_head"]:
        problems.append(
            f"the audit trail ends at record #{restored['audit_head']['seq']}, the archive's at "
            f"#{expected['audit_head']['seq']} (or their last hashes differ)"
        )
    if restored["migrations"] != expected["migrations"]:
        problems.append("the applied migrations differ from the archive's")
    got, want = _flatten(restored["stats"]), _flatten(expected["stats"])
    for key in sorted(set(got) | set(want)):
        if got.get(key) != want.get(key):
            problems.append(f"stats {key}: archive {want.get(key)!r}, restored {got.get(key)!r}")
    if problems:
        raise RestoreMismatch(
            "The restored copy does not match the archive; do not use it. " + "; ".join(problems) + "."
        )
    return result.checked
