"""The archive: one tar file holding the database, the media files and, as its last member, a
manifest with the size and SHA-256 of every other member and a checksum of its own.

Writing hashes each member as it goes into the tar, so the checksum covers exactly the bytes
archived. Reading extracts every member into a staging directory while hashing it and compares
the result with the manifest only once the whole archive has been read: a restore learns that an
archive is damaged or truncated before it touches the database or the media.
"""

import contextlib
import hashlib
import io
import json
import os
import tarfile
import time
from pathlib import Path, PurePosixPath

from cityops.backup.errors import ArchiveBroken, ArchiveIncompatible, BackupError

FORMAT = "cityops-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DATABASE_MEMBERS = ("database.pgdump", "database.sqlite3")
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024
# What a restore reads from the manifest (a path of keys each).
REQUIRED = (
    ("created_at",),
    ("members",),
    ("database", "engine"),
    ("state", "migrations"),
    ("state", "stats"),
    ("state", "audit_head"),
    ("media", "included"),
    ("secrets", "sealing", "fingerprints"),
)


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def manifest_digest(manifest: dict) -> str:
    """SHA-256 of the manifest without its own checksum field."""
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(_canonical(body)).hexdigest()


class _Hashing:
    """A file that hashes and counts what is read from it (tarfile reads the member through it)."""

    def __init__(self, fh):
        self.fh, self.sha, self.size = fh, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


class ArchiveWriter:
    """Members into ``path + '.partial'`` (mode 0600); ``finish`` adds the manifest and renames it
    into place, ``abort`` removes it. A reader never sees a half-written archive under the name."""

    def __init__(self, path: Path):
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        fd = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.fh = os.fdopen(fd, "wb")
        self.tar = tarfile.open(fileobj=self.fh, mode="w|", format=tarfile.PAX_FORMAT)  # noqa: SIM115
        self.members: list[dict] = []

    def add_file(self, name: str, source: Path) -> bool:
        """Archive one file under ``name``; False if it vanished before it could be opened."""
        try:
            fh = open(source, "rb")  # noqa: SIM115 (closed below, after tarfile has read it)
        except FileNotFoundError:
            return False
        with fh:
            st = os.fstat(fh.fileno())
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = st.st_size, int(st.st_mtime), 0o600
            hashing = _Hashing(fh)
            try:
                self.tar.addfile(info, hashing)
            except OSError as exc:  # the file shrank while it was read
                raise BackupError(f"Cannot archive {source}: {exc}; run the backup again.") from exc
        self.members.append({"name": name, "size": info.size, "sha256": hashing.sha.hexdigest()})
        return True

    def finish(self, manifest: dict) -> dict:
        """Write the manifest (with every member's checksum) last, then move the archive into place."""
        manifest = {**manifest, "members": self.members}
        manifest["manifest_sha256"] = manifest_digest(manifest)
        data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
        self.tar.addfile(info, io.BytesIO(data))
        self.tar.close()
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.partial, self.path)
        _fsync_dir(self.path.parent)
        return manifest

    def abort(self) -> None:
        for close in (self.tar.close, self.fh.close):
            with contextlib.suppress(OSError, tarfile.TarError):
                close()
        self.partial.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _member_name(member: tarfile.TarInfo, path: Path) -> str:
    """The member's name, if it is one a cityops archive can hold: a regular file named
    manifest.json, database.* or media/… with no absolute path and no '..'."""
    name = member.name
    parts = PurePosixPath(name).parts
    if not member.isreg():
        raise ArchiveBroken(
            f"{path} holds {name!r}, which is not a regular file; a cityops archive holds only files."
        )
    if name.startswith("/") or "\\" in name or ".." in parts or not parts:
        raise ArchiveBroken(f"{path} holds a member with an unsafe name ({name!r}); nothing was restored.")
    media = name.startswith(MEDIA_PREFIX) and len(parts) > 1
    if name != MANIFEST and name not in DATABASE_MEMBERS and not media:
        raise ArchiveBroken(f"{path} holds {name!r}, which a cityops archive never holds.")
    return name


def _copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path) -> tuple[int, str]:
    """Extract one member to ``dest`` while hashing it: its size and SHA-256."""
    src = tar.extractfile(member)
    sha, size = hashlib.sha256(), 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        out = open(dest, "wb")  # noqa: SIM115
    except OSError as exc:
        raise BackupError(f"Cannot write the staging file {dest}: {exc.strerror}.") from exc
    with out:
        while chunk := src.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
            try:
                out.write(chunk)
            except OSError as exc:
                raise BackupError(f"Cannot write the staging file {dest}: {exc.strerror}.") from exc
    return size, sha.hexdigest()


def unpack(path: Path, staging: Path) -> dict:
    """Extract the archive into ``staging`` and return its manifest, once every member has the
    size and SHA-256 the manifest gives it and the manifest has its own checksum. Raises
    ArchiveBroken naming the first problem (unreadable, not an archive, truncated, corrupt)."""
    try:
        fh = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise ArchiveBroken(f"Cannot read the archive {path}: {exc.strerror}.") from exc
    seen: dict[str, tuple[int, str]] = {}
    manifest_bytes = None
    with fh:
        if os.fstat(fh.fileno()).st_size == 0:
            raise ArchiveBroken(f"{path} is empty (0 bytes), not a cityops backup archive.")
        try:
            tar = tarfile.open(fileobj=fh, mode="r|")  # noqa: SIM115 (fh is closed by the with)
            for member in tar:
                name = _member_name(member, path)
                if manifest_bytes is not None:
                    raise ArchiveBroken(f"{path} holds {name!r} after its manifest, which ends an archive.")
                if name in seen:
                    raise ArchiveBroken(f"{path} holds {name!r} twice.")
                if name == MANIFEST:
                    if member.size > MANIFEST_MAX_BYTES:
                        raise ArchiveBroken(f"{path}: the manifest is {member.size:,} bytes, too large.")
                    manifest_bytes = tar.extractfile(member).read()
                    if len(manifest_bytes) != member.size:
                        raise ArchiveBroken(f"{path} ends inside its manifest: the archive is truncated.")
                else:
                    seen[name] = _copy_member(tar, member, staging / name)
        except (tarfile.TarError, EOFError) as exc:
            raise ArchiveBroken(
                f"{path} is damaged or truncated ({exc}); nothing was restored from it."
            ) from exc
        except OSError as exc:
            raise ArchiveBroken(f"Cannot read the archive {path}: {exc}.") from exc
    if manifest_bytes is None:
        if not seen:
            raise ArchiveBroken(f"{path} is not a cityops backup archive (it holds no members).")
        raise ArchiveBroken(
            f"{path} ends before its manifest: the archive is truncated (its last {len(seen)} "
            "members were read); nothing was restored from it."
        )
    manifest = parse_manifest(manifest_bytes, path)
    check_members(manifest, seen, path)
    return manifest


def parse_manifest(data: bytes, path: Path) -> dict:
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveBroken(
            f"{path}: the manifest is not valid JSON ({exc}); the archive is corrupt."
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveBroken(f"{path} is not a cityops backup archive (its manifest names no such format).")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ArchiveIncompatible(
            f"{path} is in archive format {version!r}; this cityops reads format {FORMAT_VERSION}. "
            f"Restore it with the cityops version that made it ({manifest.get('cityops_version', '?')})."
        )
    if manifest.get("manifest_sha256") != manifest_digest(manifest):
        raise ArchiveBroken(f"{path}: the manifest does not match its own checksum; the archive is corrupt.")
    for keys in REQUIRED:
        value = manifest
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            raise ArchiveBroken(
                f"{path}: the manifest has no {'.'.join(keys)}; it was not written by cityops backup."
            )
    if manifest["database"]["engine"] not in ("postgresql", "sqlite"):
        raise ArchiveBroken(f"{path}: the manifest names an unknown database engine.")
    return manifest


def check_members(manifest: dict, seen: dict[str, tuple[int, str]], path: Path) -> None:
    """Every member the manifest lists is there with its size and checksum, and nothing else is."""
    listed = {m["name"]: (m["size"], m["sha256"]) for m in manifest.get("members", [])}
    for name, (size, sha) in listed.items():
        if name not in seen:
            raise ArchiveBroken(
                f"{path} lacks {name!r}, which its manifest lists; the archive is incomplete."
            )
        got_size, got_sha = seen[name]
        if got_size != size:
            raise ArchiveBroken(
                f"{path}: {name!r} is {got_size:,} bytes, its manifest says {size:,}; the archive is corrupt."
            )
        if got_sha != sha:
            raise ArchiveBroken(
                f"{path}: {name!r} does not match its SHA-256 in the manifest; the archive is corrupt."
            )
    extra = sorted(set(seen) - set(listed))
    if extra:
        raise ArchiveBroken(f"{path} holds {extra[0]!r}, which its manifest does not list.")
    databases = [name for name in listed if name in DATABASE_MEMBERS]
    if len(databases) != 1:
        raise ArchiveBroken(f"{path} holds {len(databases)} database members; an archive holds one.")
