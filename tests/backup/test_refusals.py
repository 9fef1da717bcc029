"""What a restore refuses, and that a refusal leaves the database and the media as they were: a
corrupt or truncated archive (even with --force), a non-empty database, an archive of another
migration state, engine or sealing key; and counts that differ after a restore fail loudly."""

import pytest

from cityops.audit.models import AuditRecord
from cityops.backup.errors import ArchiveBroken, ArchiveIncompatible, RestoreMismatch, TargetNotEmpty
from cityops.backup.services import backup_create, backup_restore
from cityops.backup.state import using_database
from tests.backup.archives import data_offset, flip_byte, rewrite
from tests.backup.conftest import counts, media_tree, wipe

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def made(dataset, media, tmp_path):
    """The small town's archive, and a photo taken after it (a restore would remove it)."""
    result = backup_create(out=tmp_path / "town.tar")
    (media / "later.jpg").write_bytes(b"a photo taken after the backup")
    return result


def _unchanged(target: dict, before: dict, media, photos: dict) -> None:
    assert counts(target) == before
    assert media_tree(media) == photos
    assert not list(media.parent.glob(".cityops-restore-*"))  # the staging directory is gone too


def test_a_non_empty_database_is_refused_and_left_as_it_was(made, media, live_target):
    before, photos = counts(live_target), media_tree(media)

    with pytest.raises(TargetNotEmpty) as err:
        backup_restore(path=made.path, db=live_target)

    assert err.value.detail.startswith("Refusing to restore: the database ")
    assert " tables" in err.value.detail and f"the media directory {media} is not empty" in err.value.detail
    assert err.value.detail.endswith(
        "Restore into an empty database (createdb, or a new SQLite file) or pass --force to replace "
        "everything in it; nothing was changed."
    )
    _unchanged(live_target, before, media, photos)


def test_a_corrupt_or_truncated_archive_changes_nothing_even_when_forced(made, media, live_target, tmp_path):
    before, photos = counts(live_target), media_tree(media)
    database = made.manifest["members"][0]["name"]
    corrupt = flip_byte(made.path, tmp_path / "corrupt.tar", data_offset(made.path, database) + 700)
    photo = made.manifest["members"][-1]["name"]
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(made.path.read_bytes()[: data_offset(made.path, photo) + 100])

    with pytest.raises(ArchiveBroken, match=f"'{database}' does not match its SHA-256 in the manifest"):
        backup_restore(path=corrupt, db=live_target, force=True)
    with pytest.raises(ArchiveBroken, match="is damaged or truncated"):
        backup_restore(path=truncated, db=live_target, force=True)

    _unchanged(live_target, before, media, photos)


def test_an_archive_this_cityops_cannot_take_is_refused_before_anything_changes(
    made, media, live_target, tmp_path, settings
):
    before, photos = counts(live_target), media_tree(media)

    def newer(m):
        m["state"]["migrations"].append("cases.9999_from_the_future")

    def older(m):
        m["state"]["migrations"].remove("cases.0001_initial")

    def other_engine(m):
        m["database"]["engine"] = "sqlite" if m["database"]["engine"] == "postgresql" else "postgresql"

    refusals = {
        newer: "The archive's database has 1 migrations this cityops does not know (first: "
        "cases.9999_from_the_future); it was made by a newer cityops",
        older: "The archive's database lacks 1 migrations of this cityops (first: cases.0001_initial); "
        "it was made by an older cityops",
        other_engine: "DATABASE_URL names a",
    }
    for change, says in refusals.items():
        spoiled = rewrite(made.path, tmp_path / f"{change.__name__}.tar", change=change)
        with pytest.raises(ArchiveIncompatible) as err:
            backup_restore(path=spoiled, db=live_target, force=True)
        assert says in err.value.detail

    settings.CITYOPS_SEAL_KEY = "another-key-of-another-machine-0123456789"
    with pytest.raises(ArchiveIncompatible) as err:
        backup_restore(path=made.path, db=live_target, force=True)
    assert "sealed under a key this cityops does not have" in err.value.detail
    assert err.value.detail.endswith(
        "or pass --accept-new-keys and enter those passwords again after the restore."
    )

    _unchanged(live_target, before, media, photos)


def test_other_sealing_keys_are_restored_when_accepted_with_a_note(made, empty_target, settings):
    settings.CITYOPS_SEAL_KEY = "another-key-of-another-machine-0123456789"

    result = backup_restore(path=made.path, db=empty_target(), force=True, accept_new_keys=True)

    assert any("restoring anyway (--accept-new-keys)" in note for note in result.notes)


def test_counts_that_differ_from_the_manifest_after_the_restore_fail_loudly(
    made, media, empty_target, tmp_path
):
    def one_more_case(m):
        m["state"]["stats"]["cases"] += 1

    spoiled = rewrite(made.path, tmp_path / "more.tar", change=one_more_case)
    target = empty_target()
    wipe(media)

    with pytest.raises(RestoreMismatch) as err:
        backup_restore(path=spoiled, db=target)

    assert err.value.detail == (
        "The restored copy does not match the archive; do not use it. stats cases: archive 4, restored 3."
    )
    with using_database(target):
        assert not AuditRecord.objects.filter(action="backup.restore").exists()
