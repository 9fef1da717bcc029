"""The restore drill, end to end on the database the suite runs on (SQLite and PostgreSQL): back up
a small town, restore it into an empty database, and find the same trail, counts, rows and photos."""

import json
import tarfile

import pytest

from cityops.audit.models import AuditRecord
from cityops.audit.selectors import audit_verify
from cityops.backup.services import backup_create, backup_restore
from cityops.backup.state import using_database
from cityops.cases.models import Case
from cityops.databrain import datastore
from cityops.databrain.models import Resource
from cityops.org.models import Department
from tests.backup.conftest import counts, media_tree, wipe
from tests.builders import audit_chained

pytestmark = pytest.mark.django_db(transaction=True)


def test_drill_a_backup_restored_into_an_empty_database_is_the_same_town(
    dataset, media, empty_target, tmp_path, settings
):
    photos = media_tree(media)
    result = backup_create(out=tmp_path / "drill.tar")
    manifest = result.manifest

    names = [m["name"] for m in manifest["members"]]
    assert names[0] in ("database.pgdump", "database.sqlite3")
    assert sorted(n.removeprefix("media/") for n in names[1:]) == sorted(photos)  # photos and thumbnails
    assert len(photos) == 6 and manifest["media"] == {
        "included": True,
        "files": 6,
        "bytes": sum(map(len, photos.values())),
    }
    assert manifest["state"]["stats"]["cases"] == 3
    head = manifest["state"]["audit_head"]
    audit_chained()  # the backup's own record, written after the copy
    assert head["seq"] == AuditRecord.objects.filter(action__startswith="backup.").first().seq - 1
    with tarfile.open(result.path) as tar:  # keys by reference: no secret in any member
        blob = b"".join(tar.extractfile(m).read() for m in tar.getmembers())
    assert settings.SECRET_KEY.encode() not in blob
    assert manifest["secrets"]["secret_key"]["kept_in"] in (
        "environment variable CITYOPS_SECRET_KEY",
        f"file {settings.VAR_DIR / 'secret_key'}",
    )

    wipe(media)
    target = empty_target()
    restored = backup_restore(path=result.path, db=target)

    assert restored.replaced == "" and restored.audit_records == head["seq"]
    with using_database(target):
        assert audit_verify().ok
        last = AuditRecord.objects.order_by("-seq").first()
        assert (last.seq, last.action) == (head["seq"] + 1, "backup.restore")
        assert last.after["manifest_sha256"] == manifest["manifest_sha256"]
        assert sorted(Case.objects.values_list("number", flat=True)) == sorted(dataset["cases"])
        resource = Resource.objects.get(code=dataset["resource"].code)
        assert datastore.totals(resource) == (3, 1)  # the data brain's own table came back
    stats = counts(target)
    assert stats == {**manifest["state"]["stats"], "audit_records": head["seq"] + 1}
    assert media_tree(media) == photos


def test_a_forced_restore_replaces_what_the_database_and_media_held(dataset, media, live_target, tmp_path):
    result = backup_create(out=tmp_path / "before.tar")
    expected = result.manifest["state"]["stats"]
    (media / "later.jpg").write_bytes(b"a photo taken after the backup")
    with using_database(live_target):
        Department.objects.create(code="D-LATER", name="备份之后新建的部门")

    restored = backup_restore(path=result.path, db=live_target, force=True)

    assert "holds" in restored.replaced and "media directory" in restored.replaced
    assert {**counts(live_target), "audit_records": 0} == {**expected, "audit_records": 0}
    assert not (media / "later.jpg").exists()
    with using_database(live_target):
        assert not Department.objects.filter(code="D-LATER").exists()
        assert Case.objects.count() == 3 and audit_verify().ok
    # what was restored by force is backed up and restored again like any database
    again = backup_create(out=tmp_path / "after.tar")
    assert again.manifest["state"]["stats"]["cases"] == 3
    assert (
        json.loads(json.dumps(again.manifest["state"]["migrations"]))
        == result.manifest["state"]["migrations"]
    )
