"""The audit trail: append-only, hash-chained, tamper-evident, with personal data masked."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from cityops.audit import triggers
from cityops.audit.models import AuditRecord
from cityops.audit.selectors import audit_verify
from cityops.audit.services import audit_record
from tests.builders import audit_chained

pytestmark = pytest.mark.django_db


def make_records(n=5):
    return audit_chained(
        *[
            audit_record(
                action="test.event",
                actor_name="tester",
                object_type="x",
                object_id=str(i),
                after={"i": i, "phone": "13912345678"},
            )
            for i in range(n)
        ]
    )


def drop_triggers():
    """What an attacker with database access would do first."""
    triggers.remove(connection)


def test_records_chain_and_verify():
    recs = make_records()
    assert [r.seq for r in recs] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in zip(recs, recs[1:], strict=False))
    assert audit_verify().ok and audit_verify().checked == 5
    call_command("audit-verify")


def test_personal_data_is_masked():
    rec = make_records(1)[0]
    assert AuditRecord.objects.get(pk=rec.pk).after == {"i": 0, "phone": "139****5678"}


def test_the_orm_refuses_updates_and_deletes():
    rec = make_records(1)[0]
    with pytest.raises(PermissionError):
        AuditRecord.objects.filter(pk=rec.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditRecord.objects.all().delete()
    with pytest.raises(PermissionError):
        rec.delete()
    rec.action = "changed"
    with pytest.raises(PermissionError):
        rec.save()


def test_the_database_refuses_updates_and_deletes_too():
    rec = make_records(1)[0]
    for sql in [
        "UPDATE audit_auditrecord SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditrecord WHERE id = %s",
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [rec.pk])
    assert AuditRecord.objects.get(pk=rec.pk).action == "test.event"


def test_a_changed_record_is_found():
    make_records()
    drop_triggers()
    with connection.cursor() as cur:
        cur.execute("UPDATE audit_auditrecord SET actor = 'someone else' WHERE seq = 3")
    result = audit_verify()
    assert not result.ok and result.broken_seq == 3 and result.checked == 2
    assert result.reason == "its content does not match its hash"
    with pytest.raises(CommandError, match="broken at record #3"):
        call_command("audit-verify")


def test_a_rehashed_record_breaks_the_next_link():
    from cityops.audit.services import record_hash

    make_records()
    drop_triggers()
    rec = AuditRecord.objects.get(seq=2)
    rec.actor = "forged"
    new_hash = record_hash(rec)
    with connection.cursor() as cur:
        cur.execute("UPDATE audit_auditrecord SET actor = 'forged', hash = %s WHERE seq = 2", [new_hash])
    result = audit_verify()
    assert not result.ok and result.broken_seq == 3
    assert result.reason == "its link to the previous record is broken"


def test_a_deleted_record_is_found():
    make_records()
    drop_triggers()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditrecord WHERE seq = 4")
    result = audit_verify()
    assert not result.ok and result.broken_seq == 4 and result.reason == "record #4 is missing"


def test_a_truncated_tail_is_found():
    make_records()
    drop_triggers()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditrecord WHERE seq = 5")
    result = audit_verify()
    assert not result.ok and result.broken_seq == 5


def test_writes_record_who_where_and_the_request(client, users):
    client.force_login(users["officer"])
    resp = client.post(
        "/api/v1/accounts/tokens",
        {"name": "n"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-123",
        REMOTE_ADDR="10.1.2.3",
    )
    assert resp.status_code == 201
    rec = AuditRecord.objects.get(action="accounts.token.create")
    assert (rec.actor, rec.ip, rec.request_id) == ("officer", "10.1.2.3", "req-123")
    assert rec.after["name"] == "n"


def test_the_admin_cannot_change_or_delete_audit_records(client, users):
    rec = make_records(1)[0]
    client.force_login(users["auditor"])
    assert client.get("/admin/audit/auditrecord/").status_code == 200
    resp = client.post(f"/admin/audit/auditrecord/{rec.pk}/delete/", {"post": "yes"})
    assert resp.status_code == 403
    assert AuditRecord.objects.filter(pk=rec.pk).exists()
    client.force_login(users["dispatcher_v1"])
    assert client.get("/admin/audit/auditrecord/").status_code == 302


def test_admin_edits_are_audited_with_before_and_after(client, users):
    from cityops.org.models import Department

    dept = Department.objects.get(code="D-CG")
    client.force_login(users["admin"])
    resp = client.post(
        f"/admin/org/department/{dept.pk}/change/",
        {
            "code": "D-CG",
            "name": "城市管理和综合执法局",
            "short_name": "城管",
            "in_grid": "on",
            "phone": "",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:500]
    rec = AuditRecord.objects.get(action="org.department.change")
    assert rec.before == {"name": "城市管理局", "short_name": ""}
    assert rec.after == {"name": "城市管理和综合执法局", "short_name": "城管"}


def test_the_database_lets_through_only_the_chaining_of_an_unchained_record():
    if connection.vendor != "postgresql":
        pytest.skip("on SQLite records are chained as they are written: no update passes")
    chained = make_records(1)[0]
    fresh = audit_record(action="test.event", actor_name="tester", object_type="x", object_id="new")
    refused = [
        ("UPDATE audit_auditrecord SET hash = repeat('a', 64) WHERE id = %s", chained.pk),
        ("UPDATE audit_auditrecord SET seq = NULL, prev_hash = NULL, hash = NULL WHERE id = %s", chained.pk),
        ("UPDATE audit_auditrecord SET actor = 'x' WHERE id = %s", fresh.pk),
        (
            "UPDATE audit_auditrecord SET seq = 9, prev_hash = 'p', hash = 'h', actor = 'x' WHERE id = %s",
            fresh.pk,
        ),
        ("UPDATE audit_auditrecord SET seq = 9, prev_hash = 'p' WHERE id = %s", fresh.pk),
        ("DELETE FROM audit_auditrecord WHERE id = %s", fresh.pk),
    ]
    for sql, pk in refused:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, [pk])
    assert AuditRecord.objects.get(pk=fresh.pk).seq is None
    assert audit_chained(fresh)[0].seq == 2 and audit_verify().ok


def test_a_record_chained_by_hand_with_a_forged_hash_is_found():
    if connection.vendor != "postgresql":
        pytest.skip("on SQLite records are chained as they are written")
    make_records(2)
    fresh = audit_record(action="test.event", actor_name="tester", object_type="x", object_id="new")
    with connection.cursor() as cur:  # the one update the triggers allow, made by someone else
        cur.execute(
            "UPDATE audit_auditrecord SET seq = 3, prev_hash = 'x', hash = repeat('b', 64) WHERE id = %s",
            [fresh.pk],
        )
    result = audit_verify()
    assert not result.ok and result.broken_seq == 3


def test_the_workers_sequencer_chains_what_was_written(monkeypatch):
    from cityops.audit import tasks

    if connection.vendor != "postgresql":
        assert not tasks._chain_every()  # off: SQLite chains each record as it is written
        return
    monkeypatch.setattr(tasks, "CHAIN_RUN", 0)  # one pass rather than ten seconds of them
    fresh = audit_record(action="test.event", actor_name="tester", object_type="x", object_id="new")
    assert AuditRecord.objects.get(pk=fresh.pk).seq is None
    assert tasks.chain_records() == "1 records chained"
    assert AuditRecord.objects.get(pk=fresh.pk).seq == 1 and audit_verify().ok
    assert tasks.chain_records() == ""
