"""Deletions in the upstream sync: a load that replaces a resource's records and a withdrawn resource
reach the city in order with the upserts, once, through failures; and the prune of what was delivered."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.audit.models import AuditRecord
from cityops.core.errors import ValidationFailed
from cityops.databrain import datastore
from cityops.databrain.loads import load_file
from cityops.databrain.models import PullSource, QualityIssue, SyncBatch, SyncChange, SyncState, SyncTombstone
from cityops.databrain.pulls.services import PullIn, pull_run, pull_source_save, pulls_due
from cityops.databrain.services import resource_in, resource_update, resource_withdraw
from cityops.databrain.sync import pusher
from cityops.databrain.sync.services import sync_prune
from tests.databrain.files import csv_bytes, rid
from tests.databrain.test_sync import HEADER, people, push, receiver, retry_now  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def load(resource, rows, *, replace=False):
    done = load_file(
        resource_code=resource.code,
        data=csv_bytes([HEADER, *rows]),
        filename="p.csv",
        replace=replace,
        actor_name="t",
    )
    assert done.status == "done", done.errors
    return done


def ids_by_name(resource) -> dict[str, int]:
    fields = list(resource.fields.all())
    rows = datastore.page(resource, fields, filters=[], limit=1000).rows
    return {r["name"]: r["_id"] for r in rows}


def test_a_replacing_load_deletes_what_its_file_lacks_and_queues_the_deletions_after_its_upserts(rented):
    load(rented, people(5))
    before = ids_by_name(rented)
    kept = people(5)[1:3]  # 住户1, 住户2
    done = load(
        rented, kept + [[rid("44010119900101001"), "新住户", "1990-01-01", "440101", "", "1"]], replace=True
    )
    assert (done.inserted, done.updated, done.deleted) == (1, 2, 3)
    rented.refresh_from_db()
    assert rented.record_count == 3
    assert set(ids_by_name(rented)) == {"住户1", "住户2", "新住户"}
    changes = list(SyncChange.objects.order_by("seq").values_list("seq", "kind", "load_id", "rows"))
    assert changes[1:] == [
        (2, "records", changes[1][2], 5),
        (3, "records", done.pk, 3),
        (4, "deletions", done.pk, 3),
    ]
    gone = [before["住户0"], before["住户3"], before["住户4"]]
    stones = list(SyncTombstone.objects.order_by("record_id").values_list("record_id", "key"))
    assert [s[0] for s in stones] == sorted(gone)
    assert all(k["id_number"].startswith("4401") and "*" in k["id_number"] for _i, k in stones)  # masked


def test_a_plain_load_deletes_nothing(rented):
    load(rented, people(3))
    done = load(rented, people(1))
    assert done.deleted == 0 and rented.__class__.objects.get(pk=rented.pk).record_count == 3
    assert not SyncChange.objects.filter(kind="deletions").exists()


def test_a_refused_replacing_load_deletes_nothing(rented):
    load(rented, people(3))
    refused = load_file(
        resource_code=rented.code,
        data=csv_bytes([HEADER, people(1)[0], ["", "无号"]]),
        filename="p.csv",
        replace=True,
    )
    assert refused.status == "refused" and refused.deleted == 0
    assert len(ids_by_name(rented)) == 3 and not SyncChange.objects.filter(kind="deletions").exists()


def test_the_city_receives_the_deletions_in_order_once_even_through_a_dropped_batch(receiver, rented):  # noqa: F811
    load(rented, people(5))
    push()
    before = ids_by_name(rented)
    assert len(receiver.records) == 5
    load(rented, people(5)[:1], replace=True)  # 住户0 stays, 4 records go
    receiver.faults = ["", "drop"]  # the upsert goes through; the first deletion batch is cut half-way
    first = push()
    assert (first.acked, first.failed) == (1, 1)
    failed = SyncBatch.objects.get(status="failed")
    gone = sorted(before[n] for n in ("住户1", "住户2", "住户3", "住户4"))
    assert failed.batch_id == f"dls:{rented.code}:4:d{gone[0]}-{gone[1]}"
    assert (failed.first_row, failed.last_row, failed.rows) == (gone[0], gone[1], 2)
    second = push(now=retry_now())
    assert (second.acked, second.failed) == (2, 0)
    assert set(receiver.records) == {(rented.code, before["住户0"])}
    assert {k[1]: len(v) for k, v in receiver.deleted.items()} == dict.fromkeys(gone, 1)  # once each
    sent = [r["batch_id"] for r in receiver.requests]
    code = rented.code
    assert sent[-4:] == [
        f"dls:{code}:3:2-2",
        f"dls:{code}:4:d{gone[0]}-{gone[1]}",
        f"dls:{code}:4:d{gone[0]}-{gone[1]}",
        f"dls:{code}:4:d{gone[2]}-{gone[3]}",
    ]
    last = receiver.batches[sent[-1]]
    assert last["kind"] == "deletions" and last["range"]["last_batch_of_change"] is True
    assert last["records"][0]["key"]["id_number"].startswith("4401")
    s = SyncState.objects.get(resource=rented)
    assert (s.seq, s.row) == (4, 0)
    assert push().summary() == ""


def test_a_record_deleted_before_its_load_was_pushed_is_deleted_upstream_without_being_sent(
    receiver,  # noqa: F811
    rented,
):
    load(rented, people(3))
    load(rented, people(3)[:1], replace=True)
    push()
    assert len(receiver.records) == 1 and len(receiver.deleted) == 2
    assert all(len(v) == 1 for v in receiver.deleted.values())


def test_a_withdrawn_resource_loses_its_records_and_the_city_is_told_after_its_upserts(
    receiver,  # noqa: F811
    rented,
    users,
):
    load(rented, people(4))
    push()
    with pytest.raises(ValidationFailed, match="reason"):
        resource_withdraw(code=rented.code, reason=" ", by=users["steward"])
    with pytest.raises(Exception, match="may not"):
        resource_withdraw(code=rented.code, reason="合并到户籍人口", by=users["handler"])
    load(rented, people(5))  # one more record, not yet pushed
    resource_withdraw(code=rented.code, reason="合并到户籍人口", by=users["steward"])
    rented.refresh_from_db()
    assert rented.withdrawn_at and rented.record_count == 0 and not ids_by_name(rented)
    assert not QualityIssue.objects.filter(resource=rented).exists()
    assert AuditRecord.objects.filter(action="databrain.resource.withdraw").get().after == {
        "reason": "合并到户籍人口",
        "records_deleted": 5,
    }
    result = push()
    assert result.acked == 1  # the load's records are gone: only the withdrawal is sent
    assert receiver.withdrawn == {rented.code: "合并到户籍人口"} and not receiver.records
    assert receiver.requests[-1]["batch_id"] == f"dls:{rented.code}:4:withdrawn"
    with pytest.raises(ValidationFailed, match="withdrawn"):
        load_file(resource_code=rented.code, data=csv_bytes([HEADER, *people(1)]), filename="p.csv")
    data = resource_in(rented)
    data.abstract = "再改一次摘要，说明用途。"
    with pytest.raises(ValidationFailed, match="withdrawn"):
        resource_update(code=rented.code, data=data, actor_name="t")
    with pytest.raises(ValidationFailed, match="withdrawn"):
        resource_withdraw(code=rented.code, reason="again", by=users["steward"])


def test_a_withdrawn_resource_is_not_pulled_into(rented, users, tmp_path):
    source = pull_source_save(
        resource_code=rented.code,
        data=PullIn(
            name="库",
            kind="sql",
            db_url=f"sqlite:///{tmp_path}/none.db",
            query="SELECT 1 AS id",
            every_minutes=5,
        ),
    )
    resource_withdraw(code=rented.code, reason="停止维护", by=users["steward"])
    PullSource.objects.filter(pk=source.pk).update(next_run_at=timezone.now() - timedelta(minutes=1))
    assert pulls_due() == []  # the job passes it by
    load = pull_run(source_id=source.pk)
    assert (
        load.status == "refused"
        and load.errors[0]["message"] == "the resource was withdrawn from the catalogue"
    )


def test_delivered_changes_and_their_log_are_pruned_after_the_days_kept(
    receiver,  # noqa: F811
    rented,
    enterprises,
    settings,
):
    settings.CITYOPS_DATABRAIN_SYNC_KEEP_DAYS = 30
    load(rented, people(3))
    load(rented, people(1), replace=True)
    push()
    assert SyncState.objects.get(resource=rented).seq == 4 and SyncTombstone.objects.count() == 2
    load(rented, people(2))  # change 5, not delivered
    receiver.faults = ["500"]
    push()
    now = timezone.now()
    assert sync_prune(now=now) == (0, 0)  # nothing is old enough
    SyncBatch.objects.update(at=now - timedelta(days=31))
    logged = SyncBatch.objects.count()
    changes, log = sync_prune(now=now + timedelta(days=31))
    # rented: 1-4 delivered (4 is not its latest: 5 is, and 5 is not delivered); enterprises: its one
    # change is its latest, kept so that its numbering goes on
    assert changes == 4
    left = set(SyncChange.objects.values_list("resource__code", "seq"))
    assert left == {(rented.code, 5), (enterprises.code, 1)}
    assert not SyncTombstone.objects.exists()
    assert log == logged - 1
    assert list(SyncBatch.objects.values_list("resource", "seq", "status")) == [(rented.pk, 5, "failed")]
    load(rented, people(2))
    assert SyncChange.objects.filter(resource=rented).order_by("-seq").first().seq == 6  # numbering goes on
    assert pusher.push(worker="t", now=retry_now()).failed == 0
    assert SyncState.objects.get(resource=rented).seq == 6


def test_the_status_page_shows_how_far_into_a_deletion_the_city_is(
    client,
    settings,
    receiver,  # noqa: F811
    rented,
    users,
):
    load(rented, people(5))
    push()
    before = ids_by_name(rented)
    load(rented, people(5)[:1], replace=True)
    receiver.faults = ["", "", "500"]  # the upserts and the first deletions go through, then a failure
    push()
    gone = sorted(before[n] for n in ("住户1", "住户2", "住户3", "住户4"))
    assert SyncState.objects.get(resource=rented).row == gone[1]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(users["steward"])
    page = client.get("/data/sync/").content.decode()
    assert f"to record #{gone[1]}" in page
    assert f"#{gone[0]}–#{gone[1]}" in page and f"#{gone[2]}–#{gone[3]}" in page
