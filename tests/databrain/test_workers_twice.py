"""Two data-brain workers at once (docs/architecture.md, "Workers that run twice"): the clock of
sharing requests warns and escalates each request once, telling each person once; each queued file
is loaded once. The jobs' own code, not the job claim."""

import json
from datetime import datetime

import pytest
from django.db.models import Count

from cityops.audit.models import AuditRecord
from cityops.cases.models import Notification
from cityops.databrain import loads
from cityops.databrain.models import Load, ShareEvent
from cityops.databrain.sharing import sweeper
from cityops.databrain.sharing.notify import providers, stewards
from tests.concurrency import require_postgres, twice
from tests.databrain.test_loads_json import MAPPING
from tests.databrain.test_loads_json import people as people_rows
from tests.databrain.test_sharing import DUE, TZ, consumers, submit, xf_handler  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_sweeps_at_once_warn_and_escalate_each_request_once(users, consumers, rented, xf_handler):  # noqa: F811
    require_postgres()
    requests = [
        submit(consumers["cg"], rented, users["handler"]),
        submit(consumers["xf"], rented, xf_handler),
        submit(consumers["sys"], rented, users["steward"]),
    ]
    assert {r.status for r in requests} == {"pending"}
    Notification.objects.all().delete()  # what submitting told; the sweeps' messages follow

    eve = datetime(2030, 6, 21, 10, 0, tzinfo=TZ)  # a working day before they are due
    assert sum(r.warned for r in twice(lambda: sweeper.sweep(now=eve))) == 3
    overdue = DUE.replace(day=DUE.day + 1)
    assert sum(r.escalated for r in twice(lambda: sweeper.sweep(now=overdue))) == 3

    for action in ("warn", "escalate"):
        events = ShareEvent.objects.filter(action=action)
        assert events.count() == 3 == events.values("request").distinct().count()
        assert AuditRecord.objects.filter(action=f"databrain.share.{action}").count() == 3
    warned = len({u.pk for u in providers(rented)}) or len({u.pk for u in stewards()})
    escalated = len({u.pk for u in [*stewards(), *providers(rented)]})
    assert Notification.objects.filter(kind="databrain.share").count() == 3 * (warned + escalated)
    assert not Notification.objects.values("user", "text").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_two_workers_at_once_load_each_queued_file_once(rented, monkeypatch):
    require_postgres()
    monkeypatch.setattr(loads, "BACKGROUND_BYTES", 100)  # every file goes to the background
    queued = []
    data = json.dumps(people_rows(), ensure_ascii=False).encode()
    for n in range(4):
        staged = loads.load_stage(resource_code=rented.code, data=data, filename=f"p{n}.json", actor_name="t")
        queued.append(loads.load_commit(load_id=staged.pk, mapping=MAPPING, actor_name="t"))
    assert {q.status for q in queued} == {"queued"}

    def drain():
        done = []
        while (load := loads.load_queued()) is not None:
            done.append(load.pk)
        return done

    taken = twice(drain)
    assert sorted(taken[0] + taken[1]) == sorted(q.pk for q in queued)  # each by one of the two
    assert set(Load.objects.values_list("status", flat=True)) == {"done"}
    assert AuditRecord.objects.filter(action="databrain.load").count() == 4
