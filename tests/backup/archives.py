"""Making and spoiling archives for the tests."""

import io
import json
import tarfile
from pathlib import Path

from cityops.backup import archive


def write(path: Path, members: dict[str, bytes], **manifest) -> dict:
    """An archive holding ``members`` (name → bytes) and a manifest with ``manifest``'s fields."""
    staging = path.parent / f"{path.name}.files"
    writer = archive.ArchiveWriter(path)
    for name, data in members.items():
        file = staging / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)
        writer.add_file(name, file)
    skeleton = {
        "format": archive.FORMAT,
        "format_version": archive.FORMAT_VERSION,
        "created_at": "2026-11-24T02:30:00+08:00",
        "database": {"engine": "sqlite"},
        "state": {"migrations": [], "stats": {}, "audit_head": {"seq": 0, "hash": ""}},
        "media": {"included": True},
        "secrets": {"sealing": {"fingerprints": []}},
    }
    return writer.finish({**skeleton, **manifest})


def read_members(path: Path) -> list[tuple[str, bytes]]:
    with tarfile.open(path) as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]


def rewrite(path: Path, out: Path, *, change=None, members=None, reseal: bool = True) -> Path:
    """A copy of the archive with its manifest changed by ``change(manifest)`` (its checksum
    recomputed when ``reseal``) and its other members replaced by ``members(list)`` if given."""
    items = read_members(path)
    body = dict(items)
    manifest = json.loads(body.pop(archive.MANIFEST))
    if change:
        change(manifest)
        if reseal:
            manifest["manifest_sha256"] = archive.manifest_digest(manifest)
    others = [(n, d) for n, d in items if n != archive.MANIFEST]
    if members:
        others = members(others)
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in [*others, (archive.MANIFEST, json.dumps(manifest).encode())]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def flip_byte(path: Path, out: Path, offset: int) -> Path:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


def data_offset(path: Path, name: str) -> int:
    """Where the bytes of member ``name`` start in the archive file."""
    with tarfile.open(path) as tar:
        return tar.getmember(name).offset_data
