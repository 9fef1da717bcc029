"""Two iot-watch workers and two ingest workers at once (docs/architecture.md, "Workers that run
twice"): the offline sweep raises each device's alarm once; two ingest workers holding readings of
the same devices (a shared subscription hands a device's messages to either) evaluate them in turn,
so the rules' state and the alarms agree and each alarm opens one case; compaction moves each
reading once. Like the cases-workers' test, this runs the jobs' own code, not the job claim."""

import contextlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count

from cityops.cases.models import Case
from cityops.iot import hooks, rule_cache, rules
from cityops.iot.choices import AlarmStatus, Connectivity
from cityops.iot.compaction import compact_all
from cityops.iot.ingest import catalogue
from cityops.iot.models import Alarm, Device, Reading, ReadingBlock, Rollup, RuleState
from cityops.iot.store import Message, ingest_messages
from tests.concurrency import at_once, require_postgres, twice
from tests.iot.ingest.conftest import ms, payload
from tests.iot.rules.conftest import add_device, race_town

pytestmark = pytest.mark.django_db(transaction=True)
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in the town
M = timedelta(minutes=1)


@pytest.fixture
def bins():
    """Eight waste bins, one a grid, in a town with the standard profiles (committed: two threads read it)."""
    require_postgres()
    for cache in (rule_cache, catalogue):
        cache.invalidate()
    hooks.reset()
    race_town()
    yield [add_device(f"BIN-{n}", "waste_bin", n) for n in range(1, 9)]
    for cache in (rule_cache, catalogue):
        cache.invalidate()
    hooks.reset()


def ingest(devices, at: datetime, fill: float):
    """One batch of the ingest worker: a reading of every device, received a second after ``at``."""
    messages = [
        Message(payload=payload({"ts": ms(at), "values": {"fill_level": fill}}), device_code=d.code)
        for d in devices
    ]
    for m in messages:
        m.received_ms = ms(at + timedelta(seconds=1))
    return ingest_messages(messages=messages, now=at + timedelta(seconds=1))


def test_two_offline_sweeps_at_once_raise_each_alarm_once(bins):
    # already marked offline (a rule's own silence may be longer than the type's): nothing else
    # makes the second sweep wait for the first
    Device.objects.update(last_seen_at=T0, connectivity=Connectivity.OFFLINE)
    raised = twice(lambda: rules.sweep_offline(now=T0 + 91 * M))  # bins are offline after 90 minutes
    assert sorted(raised) == [0, len(bins)]
    offline = Alarm.objects.filter(rule__code="offline")
    assert offline.count() == len(bins) == offline.values("device").distinct().count()
    assert set(offline.values_list("trigger_count", flat=True)) == {1}
    assert RuleState.objects.filter(rule__code="offline", active=True).count() == len(bins)
    assert set(Device.objects.values_list("connectivity", flat=True)) == {Connectivity.OFFLINE}


def test_two_ingest_workers_evaluate_a_devices_readings_in_turn(bins, monkeypatch):
    """Each worker has read the rules' state of the same bins before the other writes it: one holds
    a full reading (a major alarm, which opens a case), the other the next one, emptied."""
    ingest(bins, T0, 0.5)
    flush, meet = rules._flush, threading.Barrier(2, timeout=3)

    def both_evaluated(batch):
        # Without turns, both workers reach this point with the state each read at the start; with
        # them, the second is still waiting for the devices, and the first goes on alone.
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait()
        flush(batch)

    monkeypatch.setattr(rules, "_flush", both_evaluated)
    at_once(lambda: ingest(bins, T0 + M, 0.97), lambda: ingest(bins, T0 + 2 * M, 0.1))

    assert Reading.objects.count() == 3 * len(bins)
    for device in bins:
        state = RuleState.objects.get(device=device, rule__code="bin-full")
        active = Alarm.objects.filter(device=device, rule__code="bin-full", status=AlarmStatus.ACTIVE)
        assert state.last_time == T0 + 2 * M  # the latest reading is the one the rule saw last
        assert state.active is False and not active.exists()  # emptied: nothing stays raised
    raised = Alarm.objects.filter(rule__code="bin-full")
    assert raised.exclude(case_id=None).count() == raised.count() == Case.objects.count()
    assert not raised.values("case_id").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_two_compactions_at_once_move_each_reading_once(bins):
    for i in range(30):
        ingest(bins[:3], T0 + 7 * i * M, (i % 10) / 10)
    later = T0 + timedelta(days=30)  # past the bins' raw days: everything is compacted
    stats = twice(lambda: compact_all(now=later))
    assert sum(s.readings_moved for s in stats) == 90 and Reading.objects.count() == 0
    assert sum(b.count for b in ReadingBlock.objects.all()) == 90
    assert (
        ReadingBlock.objects.values("datastream", "start").distinct().count() == ReadingBlock.objects.count()
    )
    assert Rollup.objects.values("datastream", "grain", "start").distinct().count() == Rollup.objects.count()
