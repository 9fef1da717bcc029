"""Writers in parallel still make one unbroken chain: on PostgreSQL records are written unchained
and the sequencer chains the committed ones, whatever order their writers commit in."""

import threading

import pytest
from django.db import connection, connections, transaction

from cityops.audit.models import AuditRecord
from cityops.audit.selectors import audit_verify
from cityops.audit.services import audit_chain, audit_record, unchained_count


def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers itself, so there is no race to test")


def _thread(target, errors):
    def run():
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_and_a_running_sequencer_keep_one_chain():
    _postgres_only()
    errors, done = [], threading.Event()

    def writer(n):
        for i in range(25):
            audit_record(action="test.parallel", actor_name=f"w{n}", object_type="x", object_id=str(i))

    def sequencer():
        while not done.is_set():
            audit_chain()

    writers = [_thread(lambda n=n: writer(n), errors) for n in range(4)]
    chaining = _thread(sequencer, errors)
    for t in [*writers, chaining]:
        t.start()
    for t in writers:
        t.join()
    done.set()
    chaining.join()
    audit_chain()
    assert errors == []
    assert list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 101))
    assert audit_verify().ok and unchained_count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_record_that_commits_late_is_chained_after_the_ones_before_it_committed():
    _postgres_only()
    errors, written, release = [], threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            audit_record(action="test.slow", object_type="x", object_id="slow")
            written.set()
            release.wait(30)

    slow = _thread(slow_writer, errors)
    slow.start()
    assert written.wait(30)
    audit_record(action="test.fast", object_type="x", object_id="fast")  # a higher id, committed first
    assert audit_chain() == 1  # the uncommitted record is not seen, and the chain does not wait for it
    release.set()
    slow.join()
    assert audit_chain() == 1
    chain = list(AuditRecord.objects.order_by("seq").values_list("seq", "object_id", "id"))
    assert [(s, o) for s, o, _ in chain] == [(1, "fast"), (2, "slow")]
    assert chain[1][2] < chain[0][2]  # the slow record took its id first
    assert errors == [] and audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_record_leaves_no_gap_in_the_chain():
    _postgres_only()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="test.lost", object_type="x", object_id="1")
        raise RuntimeError
    audit_record(action="test.kept", object_type="x", object_id="2")
    assert audit_chain() == 1
    assert list(AuditRecord.objects.values_list("seq", "action")) == [(1, "test.kept")]
    assert audit_verify().ok
