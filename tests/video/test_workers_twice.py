"""Two video workers at once (docs/architecture.md, "Workers that run twice"): each camera's change of
state is recorded once, with one outage, one line on the screen and one report of its case; the
online-time rollup leaves the rows of a single run. The jobs' own code, not the job claim."""

import threading
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from cityops.cases.models import CaseReport
from cityops.core.models import ScreenEvent
from cityops.video import health, rollup
from cityops.video.models import Channel, ChannelDay, HealthChange, Outage
from cityops.video.rollup import rollup_days
from tests.concurrency import require_postgres, twice
from tests.video.test_health import T0, FakeProber

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cameras(video_channels, outage_item, settings):
    require_postgres()
    settings.CITYOPS_VIDEO_OFFLINE_AFTER = 1
    for key in ("g1a", "g1b", "g2", "g5", "cook", "cold"):
        ch = video_channels[key]
        Channel.objects.filter(pk=ch.pk).update(main_url=f"rtsp://127.0.0.1:1/{ch.gb_id}")
    return [video_channels[k].pk for k in ("g1a", "g1b", "g2", "g5", "cook", "cold")]


def sweeps_at(prober, minutes: int) -> list:
    return twice(lambda: health.sweep(runner=prober, now=T0 + timedelta(minutes=minutes)))


def assert_once(qs, *keys) -> None:
    assert not qs.values(*keys).annotate(n=Count("id")).filter(n__gt=1).exists()


def test_two_sweeps_at_once_record_each_change_once(cameras):
    prober = FakeProber()
    sweeps_at(prober, 0)  # all answer: unknown → online
    for pk in cameras:
        prober.failing[pk] = "connection refused"
    summaries = sweeps_at(prober, 1)  # none answers: online → offline, an outage each
    assert sum(s.went_offline for s in summaries) == len(cameras)
    summaries = sweeps_at(prober, 31)  # the outages have lasted 30 minutes: their cases open
    assert sum(s.cases_opened for s in summaries) == len(cameras)

    assert HealthChange.objects.count() == 2 * len(cameras)
    assert_once(HealthChange.objects.all(), "channel", "health")
    assert Outage.objects.count() == len(cameras) == Outage.objects.exclude(case_id=None).count()
    reports = CaseReport.objects.filter(external_ref__startswith="video-outage-")
    assert reports.count() == len(cameras)  # cameras of one site share a case, each outage reported once
    assert_once(reports, "external_ref")
    offline = ScreenEvent.objects.filter(kind="camera_offline")
    assert offline.count() == len(cameras)
    assert_once(offline, "data")


def test_two_rollups_at_once_leave_the_rows_of_one(cameras, monkeypatch):
    health.sweep(runner=FakeProber(), now=T0 + timedelta(minutes=1))
    day, later = timezone.localdate(T0), T0 + timedelta(hours=1)
    single = rollup_days(day, day, now=later)
    rows = sorted(ChannelDay.objects.values_list("channel_id", "day", "online_s", "offline_s", "unknown_s"))
    assert single == len(rows) > 0
    channels, read = rollup._channels, threading.Barrier(2, timeout=10)

    def both_reading(first, end):  # both have computed their rows before either writes them
        read.wait()
        return channels(first, end)

    monkeypatch.setattr(rollup, "_channels", both_reading)
    assert twice(lambda: rollup.rollup_days(day, day, now=later)) == [single, single]
    assert (
        sorted(ChannelDay.objects.values_list("channel_id", "day", "online_s", "offline_s", "unknown_s"))
        == rows
    )
