"""The archive format on its own: every damaged, truncated or foreign archive is refused with a
message that says what is wrong, and nothing is extracted outside the staging directory."""

import io
import json
import tarfile

import pytest

from cityops.backup import archive
from cityops.backup.errors import ArchiveBroken, ArchiveIncompatible
from tests.backup.archives import data_offset, flip_byte, rewrite, write

DB = b"SQLite format 3\x00" + bytes(range(256)) * 64
PHOTO = b"\xff\xd8\xff" + b"jpeg" * 500


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.tar"
    write(path, {"database.sqlite3": DB, "media/cases/2026/01/a.jpg": PHOTO}, cityops_version="0.1.0")
    return path


def unpack(path, tmp_path):
    staging = tmp_path / "staging"
    staging.mkdir(exist_ok=True)
    return archive.unpack(path, staging), staging


def test_a_sound_archive_unpacks_with_its_manifest_and_members(good, tmp_path):
    manifest, staging = unpack(good, tmp_path)

    assert [m["name"] for m in manifest["members"]] == ["database.sqlite3", "media/cases/2026/01/a.jpg"]
    assert (staging / "database.sqlite3").read_bytes() == DB
    assert (staging / "media/cases/2026/01/a.jpg").read_bytes() == PHOTO
    assert good.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only
    assert not list(tmp_path.glob("*.partial"))


def test_a_flipped_byte_in_a_member_is_found_by_its_checksum(good, tmp_path):
    bad = flip_byte(good, tmp_path / "bad.tar", data_offset(good, "database.sqlite3") + 1000)

    with pytest.raises(ArchiveBroken) as err:
        unpack(bad, tmp_path)

    assert err.value.detail == (
        f"{bad}: 'database.sqlite3' does not match its SHA-256 in the manifest; the archive is corrupt."
    )


def test_a_changed_manifest_is_found_by_its_own_checksum(good, tmp_path):
    def more_cases(m):
        m["cityops_version"] = "0.2.0"

    bad = rewrite(good, tmp_path / "bad.tar", change=more_cases, reseal=False)

    with pytest.raises(
        ArchiveBroken, match="the manifest does not match its own checksum; the archive is corrupt"
    ):
        unpack(bad, tmp_path)


@pytest.mark.parametrize(
    "where, says",
    [
        ("in a member", "is damaged or truncated"),
        ("before the manifest", "ends before its manifest: the archive is truncated"),
        ("in the manifest", "truncated"),
        ("nothing left", r"is empty \(0 bytes\), not a cityops backup archive"),
    ],
)
def test_a_truncated_archive_is_refused(good, tmp_path, where, says):
    data = good.read_bytes()
    manifest_at = data_offset(good, archive.MANIFEST)
    cut = {
        "in a member": data_offset(good, "database.sqlite3") + len(DB) // 2,
        "before the manifest": manifest_at - 512,  # the manifest's header is gone with it
        "in the manifest": manifest_at + 10,
        "nothing left": 0,
    }[where]
    short = tmp_path / "short.tar"
    short.write_bytes(data[:cut])

    with pytest.raises(ArchiveBroken, match=says):
        unpack(short, tmp_path)


def test_a_member_the_manifest_does_not_list_or_a_missing_one_is_refused(good, tmp_path):
    extra = rewrite(good, tmp_path / "extra.tar", members=lambda ms: [*ms, ("media/x.jpg", b"x")])
    with pytest.raises(ArchiveBroken, match="holds 'media/x.jpg', which its manifest does not list"):
        unpack(extra, tmp_path)

    lacking = rewrite(good, tmp_path / "lacking.tar", members=lambda ms: ms[:1])
    with pytest.raises(ArchiveBroken, match="lacks 'media/cases/2026/01/a.jpg', which its manifest lists"):
        unpack(lacking, tmp_path)


@pytest.mark.parametrize(
    "name, says",
    [
        ("media/../../escaped.txt", "unsafe name"),
        ("/etc/cron.d/x", "unsafe name"),
        ("settings.py", "which a cityops archive never holds"),
        ("media/", "which a cityops archive never holds"),
    ],
)
def test_members_outside_the_archive_layout_are_refused_before_extraction(tmp_path, name, says):
    path = tmp_path / "evil.tar"
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo(name)
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))

    with pytest.raises(ArchiveBroken, match=says):
        unpack(path, tmp_path)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path.parent / "escaped.txt").exists()


def test_a_link_member_is_refused(tmp_path):
    path = tmp_path / "link.tar"
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo("media/passwd")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)

    with pytest.raises(ArchiveBroken, match="'media/passwd', which is not a regular file"):
        unpack(path, tmp_path)


def test_unreadable_and_foreign_files_are_refused(tmp_path):
    with pytest.raises(
        ArchiveBroken, match="Cannot read the archive .*nothing.tar: No such file or directory"
    ):
        unpack(tmp_path / "nothing.tar", tmp_path)
    with pytest.raises(ArchiveBroken, match="Cannot read the archive"):
        unpack(tmp_path, tmp_path)  # a directory
    text = tmp_path / "notes.tar"
    text.write_text("这不是备份文件\n" * 100)
    with pytest.raises(ArchiveBroken, match="is damaged or truncated"):
        unpack(text, tmp_path)
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as tar:
        data = json.dumps({"hello": 1}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ArchiveBroken, match="is not a cityops backup archive"):
        unpack(other, tmp_path)


def test_a_newer_archive_format_is_refused_by_name(good, tmp_path):
    def newer(m):
        m["format_version"] = 2

    with pytest.raises(ArchiveIncompatible) as err:
        unpack(rewrite(good, tmp_path / "v2.tar", change=newer), tmp_path)

    assert "is in archive format 2; this cityops reads format 1" in err.value.detail
    assert "Restore it with the cityops version that made it (0.1.0)" in err.value.detail


def test_a_manifest_without_what_a_restore_reads_is_refused(good, tmp_path):
    def no_counts(m):
        del m["state"]["stats"]

    with pytest.raises(
        ArchiveBroken, match="the manifest has no state.stats; it was not written by cityops backup"
    ):
        unpack(rewrite(good, tmp_path / "bare.tar", change=no_counts), tmp_path)
