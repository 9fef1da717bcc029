"""Writers in parallel still make one unbroken chain (the head row is locked per append)."""

import threading

import pytest
from django.db import connection, connections

from cityops.audit.models import AuditRecord
from cityops.audit.selectors import audit_verify
from cityops.audit.services import audit_record


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_keep_one_chain():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers itself, so there is no race to test")
    errors = []

    def writer(n):
        try:
            for i in range(25):
                audit_record(action="test.parallel", actor_name=f"w{n}", object_type="x", object_id=str(i))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 101))
    assert audit_verify().ok
