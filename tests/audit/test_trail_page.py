"""The auditor's page: filters, keyset pages, exports, the chain verified by a worker with its
progress, and records kept past the 180 days the rules ask for."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cityops.audit import triggers
from cityops.audit.choices import VerificationStatus
from cityops.audit.models import AuditRecord, AuditVerification
from cityops.audit.selectors import AuditFilter, audit_verify, trail_page
from cityops.audit.services import audit_record
from cityops.audit.tasks import verify_requested
from cityops.audit.verification import verification_request, verification_run
from cityops.core import jobs
from cityops.core.models import Job
from tests.builders import audit_chained

pytestmark = pytest.mark.django_db


def records(n: int, **fields):
    base = {"action": "test.event", "actor_name": "tester", "object_type": "x"}
    return audit_chained(
        *[audit_record(object_id=str(i), after={"i": i}, **{**base, **fields}) for i in range(n)]
    )


def seqs(page) -> list[int]:
    return [r.seq for r in page.records]


def test_each_filter_narrows_the_trail(users):
    records(3)
    records(2, action="other.event", actor_name="mallory", object_type="test.thing")
    auditor = users["auditor"]

    def found(**f):
        return {
            (r.actor, r.action, r.object_id)
            for r in trail_page(user=auditor, filters=AuditFilter(**f)).records
        }

    assert found(actor="mallory") == {("mallory", "other.event", "0"), ("mallory", "other.event", "1")}
    assert {a for _, a, _ in found(action="test.event")} == {"test.event"}
    assert found(object_type="test.thing", object_id="1") == {("mallory", "other.event", "1")}
    first_other = AuditRecord.objects.get(action="other.event", object_id="0").at
    assert found(start=first_other) == {("mallory", "other.event", "0"), ("mallory", "other.event", "1")}
    assert ("mallory", "other.event", "0") not in found(end=first_other)


def test_pages_walk_the_trail_newest_first_by_keyset(users):
    records(120)
    auditor, f = users["auditor"], AuditFilter(action="test.event")
    first = trail_page(user=auditor, filters=f)
    top = AuditRecord.objects.filter(action="test.event").order_by("-seq").values_list("seq", flat=True)
    assert seqs(first) == list(top[:50]) and first.newer is None
    second = trail_page(user=auditor, filters=f, before=first.older)
    third = trail_page(user=auditor, filters=f, before=second.older)
    assert seqs(second) == list(top[50:100]) and seqs(third) == list(top[100:120])
    assert third.older is None
    assert seqs(trail_page(user=auditor, filters=f, after=third.newer)) == seqs(second)
    assert seqs(trail_page(user=auditor, filters=f, after=second.newer)) == seqs(first)


def test_the_page_shows_filters_and_records_and_refuses_others(client, users, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    records(3)
    client.force_login(users["auditor"])
    page = client.get("/audit/", {"actor": "tester", "action": "test.event"})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-seq="') == 3 and 'list="audit-actions"' in html
    assert '<option value="test.event">' in html  # the actions offered in the filter
    wrong = client.get("/audit/", {"object_id": "7"})  # an id without its type
    assert wrong.status_code == 200 and 'data-seq="' not in wrong.content.decode()
    assert "needs its object type" in wrong.content.decode()
    client.force_login(users["dispatcher_v1"])
    assert client.get("/audit/").status_code == 403


def test_the_export_holds_every_matching_record_and_is_itself_audited(client, users):
    records(60)
    records(2, action="other.event")
    client.force_login(users["auditor"])
    response = client.get("/audit/export.csv", {"action": "test.event"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 61 and {r[3] for r in rows[1:]} == {"test.event"}
    assert rows[1][10] == '{"i": 59}'  # the after, whole, newest first
    book = client.get("/audit/export.xlsx", {"actor": "tester"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(book.streaming_content))).active
    assert sheet.max_row == 63
    exported = AuditRecord.objects.filter(action="audit.export").order_by("seq")
    assert [(r.actor, r.after["format"]) for r in exported] == [("auditor", "csv"), ("auditor", "xlsx")]
    assert exported[0].after["action"] == "test.event"


def test_verify_from_the_page_runs_in_the_worker_with_its_progress(client, users):
    records(12)
    jobs.jobs_sync(jobs.select(["audit."]))
    Job.objects.filter(name="audit.verify").update(next_run_at=timezone.now() + timedelta(hours=1))
    client.force_login(users["auditor"])
    card = client.post("/audit/verify/request/", HTTP_HX_REQUEST="true")
    assert card.status_code == 200 and 'data-status="queued"' in card.content.decode()
    assert 'hx-trigger="every 2s"' in card.content.decode()  # the card polls while it waits
    # asked for: the job is due now, and a second ask is the same request
    assert Job.objects.get(name="audit.verify").next_run_at <= timezone.now()
    client.post("/audit/verify/request/")
    assert AuditVerification.objects.count() == 1
    outcome = jobs.job_run(jobs.registry()["audit.verify"], worker="test")
    assert outcome.ok and "intact" in outcome.result
    row = AuditVerification.objects.get()
    assert row.status == VerificationStatus.INTACT and row.checked >= 13 and row.percent == 100
    card = client.get("/audit/verify/").content.decode()
    assert 'data-status="intact"' in card and "every 2s" not in card
    done = AuditRecord.objects.filter(action="audit.verify.done").get()
    assert done.actor == "auditor" and done.after["status"] == "intact"


def test_progress_is_written_while_the_chain_is_walked(users, monkeypatch):
    records(25)
    verification_request(by=users["auditor"])
    import cityops.audit.verification as verification

    walked = []
    real_verify = verification.audit_verify

    def small_chunks(*, progress):
        def spy(checked, total):
            progress(checked, total)
            walked.append(AuditVerification.objects.get().checked)

        return real_verify(chunk=10, progress=spy)

    monkeypatch.setattr(verification, "audit_verify", small_chunks)
    verification_run(worker="w1")
    assert walked[:2] == [10, 20] and walked[-1] >= 26


def test_a_broken_chain_is_reported_on_the_page(client, users, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    records(5)
    triggers.remove(connection)
    with connection.cursor() as cur:
        cur.execute("UPDATE audit_auditrecord SET actor = 'someone else' WHERE seq = 3")
    verification_request(by=users["auditor"])
    assert verify_requested().startswith("verification")
    row = AuditVerification.objects.get()
    assert row.status == VerificationStatus.BROKEN and row.broken_seq == 3
    client.force_login(users["auditor"])
    card = client.get("/audit/verify/").content.decode()
    assert "#3" in card and "its content does not match its hash" in card


def test_a_walk_left_by_a_dead_worker_is_taken_over(users):
    row = verification_request(by=users["auditor"])
    stale = timezone.now() - timedelta(minutes=10)
    AuditVerification.objects.filter(pk=row.pk).update(status="running", worker="dead", heartbeat_at=stale)
    assert verification_run(worker="alive").status == VerificationStatus.INTACT


def test_records_appended_during_the_walk_are_verified_not_reported_missing():
    records(30)
    appended = []

    def busy(checked, total):
        if not appended:
            appended.extend(records(3, action="during.walk"))

    result = audit_verify(chunk=10, progress=busy)
    assert result.ok and result.checked == 33


def test_a_record_written_around_the_chain_is_found():
    recs = records(3)
    triggers.remove(connection)
    with connection.cursor() as cur:  # a row appended without moving the head
        cur.execute(
            "INSERT INTO audit_auditrecord (seq, at, actor, action, object_type, object_id, object_repr, ip, "
            "request_id, prev_hash, hash) VALUES (4, %s, 'x', 'forged', '', '', '', '', '', %s, %s)",
            [timezone.now(), recs[-1].hash, "f" * 64],
        )
    result = audit_verify()
    assert not result.ok and result.broken_seq == 4 and "beyond the chain's head" in result.reason


def test_records_are_kept_past_six_months():
    old = records(1)[0]
    with connection.cursor() as cur:  # a record written 200 days ago (moved back with the triggers off)
        triggers.remove(connection)
        cur.execute(
            "UPDATE audit_auditrecord SET at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=200), old.pk],
        )
        triggers.install(connection)
    # every background job that deletes old rows (job runs, rate counts, screen events, readings …)
    for name, spec in jobs.registry().items():
        if name.startswith(("core.", "audit.", "accounts.")):
            spec.func()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditrecord WHERE at < %s", [timezone.now() - timedelta(days=180)])
    assert AuditRecord.objects.filter(pk=old.pk).exists()
