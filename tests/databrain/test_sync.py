"""The upstream sync against a local receiver: change capture in the change's own transaction, batches
acknowledged one by one, failures mid-batch that lose and duplicate nothing, resends that change
nothing, a restart that resumes, a 4xx that stops and says why, pause, the sharing rule and the claim."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.audit.models import AuditRecord
from cityops.databrain.loads import load_file
from cityops.databrain.models import SyncBatch, SyncChange, SyncControl, SyncState
from cityops.databrain.services import resource_in, resource_update
from cityops.databrain.sync import pusher, services
from tests.databrain.files import csv_bytes, rid
from tests.databrain.receiver import Receiver

pytestmark = pytest.mark.django_db

HEADER = ["id_number", "name", "birth_date", "division_code", "phone", "rooms"]


def people(n: int, rooms: str = "1") -> list[list]:
    return [
        [rid(f"44010119800101{i:03d}"), f"住户{i}", "1980-01-01", "440101", "13812345678", rooms]
        for i in range(n)
    ]


def load(resource, rows) -> None:
    done = load_file(
        resource_code=resource.code, data=csv_bytes([HEADER, *rows]), filename="p.csv", actor_name="t"
    )
    assert done.status == "done", done.errors


@pytest.fixture
def receiver(settings):
    r = Receiver()
    settings.CITYOPS_DATABRAIN_SYNC_URL = r.url
    settings.CITYOPS_DATABRAIN_SYNC_TOKEN = "s3cret"
    settings.CITYOPS_DATABRAIN_SYNC_SOURCE = "dls"
    settings.CITYOPS_DATABRAIN_SYNC_BATCH = 2
    settings.CITYOPS_DATABRAIN_SYNC_TIMEOUT = 5
    yield r
    r.close()


def push(**kwargs) -> pusher.PushResult:
    return pusher.push(worker=kwargs.pop("worker", "test"), **kwargs)


def retry_now():
    return timezone.now() + timedelta(seconds=pusher.RETRY_MAX + 1)


def state(resource) -> SyncState:
    return SyncState.objects.get(resource=resource)


def test_each_catalogue_version_and_each_load_is_one_outbox_row(rented):
    assert list(SyncChange.objects.values_list("seq", "kind", "version")) == [(1, "catalogue", 1)]
    load(rented, people(5))
    data = resource_in(rented)
    data.abstract = "改过的摘要，说明出租屋信息的用途。"
    resource_update(code=rented.code, data=data, actor_name="t")
    refused = load_file(resource_code=rented.code, data=csv_bytes([HEADER, ["", "x"]]), filename="p.csv")
    assert refused.status == "refused"
    changes = list(SyncChange.objects.values_list("seq", "kind", "version", "rows"))
    assert changes == [(1, "catalogue", 1, 0), (2, "records", None, 5), (3, "catalogue", 2, 0)]


def test_a_push_sends_the_catalogue_and_every_record_in_acknowledged_batches(receiver, rented):
    load(rented, people(5))
    result = push()
    assert (result.acked, result.rows, result.failed) == (4, 5, 0)  # metadata, then rows 2-3, 4-5, 6
    assert receiver.catalogue[rented.code]["name"] == rented.name
    assert len(receiver.records) == 5
    assert receiver.requests[0]["auth"] == "Bearer s3cret"
    log = list(
        SyncBatch.objects.order_by("id").values_list("batch_id", "status", "first_row", "last_row", "rows")
    )
    assert log == [
        (f"dls:{rented.code}:1:v1", "acked", 0, 0, 0),
        (f"dls:{rented.code}:2:2-3", "acked", 2, 3, 2),
        (f"dls:{rented.code}:2:4-5", "acked", 4, 5, 2),
        (f"dls:{rented.code}:2:6-6", "acked", 6, 6, 1),
    ]
    s = state(rented)
    assert (s.seq, s.row, s.failures) == (2, 0, 0) and s.last_success_at
    sent = receiver.batches[f"dls:{rented.code}:2:2-3"]
    values = sent["records"][0]["values"]
    assert values["phone"] == "138****5678" and values["rooms"] == "1"  # personal data masked
    assert values["id_number"].startswith("4401") and "*" in values["id_number"]
    assert sent["range"] == {"first_row": 2, "last_row": 3, "last_batch_of_load": False}
    assert push().summary() == ""  # caught up: nothing to send


@pytest.mark.parametrize("fault", ["drop", "500"])
def test_a_receiver_failing_mid_batch_loses_nothing_and_duplicates_nothing(receiver, rented, fault):
    load(rented, people(5))
    push()
    load(
        rented, people(5, rooms="2") + [[rid("44010119900101001"), "新住户", "1990-01-01", "440101", "", "1"]]
    )
    receiver.faults = [fault]
    first = push()
    assert (first.acked, first.failed) == (0, 1)
    s = state(rented)
    assert (s.seq, s.row, s.failures) == (2, 0, 1) and s.next_try_at > timezone.now()
    failed = SyncBatch.objects.get(status="failed")
    assert failed.batch_id == f"dls:{rented.code}:3:2-3" and failed.http_status == (
        500 if fault == "500" else None
    )
    assert ("upstream database unavailable" if fault == "500" else "Remote") in failed.error
    assert push().acked == 0  # waiting for its retry
    second = push(now=retry_now())
    assert (second.acked, second.rows, second.failed) == (3, 6, 0)
    assert SyncBatch.objects.filter(status="acked", batch_id=failed.batch_id).count() == 1  # same batch again
    assert len(receiver.records) == 6
    assert all(v["rooms"] == "2" for k, v in receiver.records.items() if v["name"].startswith("住"))
    assert all(
        len(ids) == 2 for k, ids in receiver.seen_in.items() if receiver.records[k]["name"].startswith("住")
    )


def test_a_resend_after_a_timeout_is_recognised_and_changes_nothing(receiver, rented, settings):
    load(rented, people(2))
    settings.CITYOPS_DATABRAIN_SYNC_TIMEOUT = 0.3
    receiver.slow_seconds = 0.6
    receiver.faults = ["", "slow"]  # the metadata goes through; the records' ack comes too late
    assert push().failed == 1
    stored = dict(receiver.records)
    assert len(stored) == 2 and state(rented).seq == 1
    assert push(now=retry_now()).acked == 1
    sent = [r["batch_id"] for r in receiver.requests]
    assert sent == [f"dls:{rented.code}:1:v1", f"dls:{rented.code}:2:2-3", f"dls:{rented.code}:2:2-3"]
    assert receiver.records == stored and len(receiver.batches) == 2
    assert state(rented).seq == 2


def test_a_restarted_pusher_resumes_after_the_last_acknowledged_batch(receiver, rented):
    load(rented, people(6))
    receiver.faults = ["", "", "500"]  # metadata and rows 2-3 acknowledged, then the receiver fails
    push(worker="one")
    s = state(rented)
    assert (s.seq, s.row) == (1, 3)
    push(worker="two", now=retry_now())  # another process, the same rows
    sent = [r["batch_id"] for r in receiver.requests]
    code = rented.code
    assert sent == [
        f"dls:{code}:1:v1",
        f"dls:{code}:2:2-3",
        f"dls:{code}:2:4-5",
        f"dls:{code}:2:4-5",
        f"dls:{code}:2:6-7",
    ]
    assert len(receiver.records) == 6 and state(rented).seq == 2


def test_a_rejection_stops_the_resource_with_the_receivers_words_until_resumed(receiver, rented, users):
    receiver.faults = ["400"]
    result = push()
    assert result.rejected == 1
    s = state(rented)
    assert s.stopped and "HTTP 400: unknown resource code" in s.last_error
    assert SyncBatch.objects.get().status == "rejected"
    push(now=retry_now())
    assert len(receiver.requests) == 1  # stopped: nothing sent until a person resumes
    services.sync_resume(code=rented.code, by=users["steward"])
    assert push().acked == 1 and not state(rented).stopped
    assert AuditRecord.objects.filter(action="databrain.sync.resume").exists()


def test_pause_holds_a_resource_or_everything(receiver, rented, enterprises, users):
    services.sync_pause(code=rented.code, by=users["steward"])
    push()
    assert set(receiver.catalogue) == {enterprises.code}
    services.sync_pause(by=users["steward"])
    load(rented, people(1))
    services.sync_resume(code=rented.code, by=users["steward"])
    assert push().note == "the upstream sync is paused" and set(receiver.catalogue) == {enterprises.code}
    services.sync_resume(by=users["steward"])
    assert push().acked == 2 and len(receiver.records) == 1
    with pytest.raises(Exception, match="may not"):
        services.sync_pause(by=users["handler"])


def test_a_resource_not_shared_sends_its_catalogue_entry_but_no_records(receiver, rented):
    data = resource_in(rented)
    data.share_type, data.share_condition = "none", "《个人信息保护法》第十三条"
    resource_update(code=rented.code, data=data, actor_name="t")
    load(rented, people(3))
    result = push()
    assert (result.acked, result.withheld) == (2, 1)
    assert receiver.catalogue[rented.code]["share_type"] == "none" and not receiver.records
    assert SyncBatch.objects.get(status="withheld").rows == 3
    assert state(rented).seq == 3


def test_only_one_pusher_runs_at_a_time(receiver, rented):
    assert pusher.claim("other", now=timezone.now())
    assert push().note == "another pusher is running" and not receiver.requests
    SyncControl.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))  # the other one died
    assert push().acked == 1
    assert SyncControl.objects.get().claimed_by == ""


def test_without_an_address_nothing_is_sent(settings, rented):
    settings.CITYOPS_DATABRAIN_SYNC_URL = ""
    assert "CITYOPS_DATABRAIN_SYNC_URL" in push().note and not SyncBatch.objects.exists()


def test_the_status_page_shows_each_resource_and_the_log_and_its_buttons_work(
    client, settings, receiver, users, rented, enterprises
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    load(rented, people(3))
    receiver.faults = ["", "", "500"]
    push()
    client.force_login(users["steward"])
    page = client.get("/data/sync/").content.decode()
    assert 'data-resource="101001-0003"' in page and 'data-health="failing"' in page
    assert 'data-health="in_sync"' in page and "upstream database unavailable" in page
    failed = client.get("/data/sync/?status=failed&resource=101001-0003").content.decode()
    assert failed.count('data-status="failed"') == 1 and 'data-status="acked"' not in failed
    client.post("/data/sync/pause/", {"resource": enterprises.code})
    assert SyncState.objects.get(resource=enterprises).paused
    client.post("/data/sync/resume/", {"resource": rented.code})
    assert state(rented).failures == 0 and state(rented).next_try_at is None
    client.post("/data/sync/pause/")
    assert 'data-testid="sync-resume-all"' in client.get("/data/sync/").content.decode()
    assert client.post("/data/sync/push/").status_code == 302
    assert client.post("/data/sync/resume/", {"resource": "NOPE"}).status_code == 404
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"databrain.sync.pause", "databrain.sync.resume", "databrain.sync.push_now"} <= actions
    client.force_login(users["handler"])
    assert client.get("/data/sync/").status_code == 403
    assert client.post("/data/sync/pause/").status_code == 403
