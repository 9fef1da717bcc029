"""The online-time rollup from the health history: seconds per state, meal hours, recomputation."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from cityops.video.models import Channel, ChannelDay, HealthChange
from cityops.video.rollup import meal_windows, rollup_days

DAY = date(2025, 3, 10)


def at(hours: float, day: date = DAY) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.get_current_timezone()) + timedelta(hours=hours)


def change(ch, when, previous, health):
    HealthChange.objects.create(channel=ch, at=when, previous=previous, health=health, source="rtsp")


@pytest.fixture
def history(video_channels):
    Channel.objects.update(created_at=at(-48))
    cook = video_channels["cook"]
    change(cook, at(6), "unknown", "online")
    change(cook, at(12), "online", "offline")
    change(cook, at(18), "offline", "online")
    g2 = video_channels["g2"]
    change(g2, at(-30), "unknown", "offline")  # offline since the day before
    return video_channels


def row(ch, day=DAY):
    r = ChannelDay.objects.get(channel=ch, day=day)
    return r.online_s, r.offline_s, r.unknown_s, r.meal_online_s, r.meal_offline_s


def test_seconds_per_state_and_inside_meal_hours(history):
    assert rollup_days(DAY, DAY, now=at(30)) == 6  # the six channels in service, not the planned one
    h = 3600
    # meal hours 06:30-08:30 (online) and 10:30-13:00 (online to 12:00, then offline)
    assert row(history["cook"]) == (12 * h, 6 * h, 6 * h, 2 * h + 1.5 * h, 1 * h)
    assert row(history["g2"]) == (0, 24 * h, 0, 0, 0)  # state carried in from before the range
    assert row(history["g5"]) == (0, 0, 24 * h, 0, 0)  # never probed
    r = ChannelDay.objects.get(channel=history["cook"], day=DAY)
    assert (r.project_id, r.area_id, r.village_id) == (
        history["cook"].project_id,
        history["cook"].area_id,
        history["cook"].village_id,
    )


def test_today_counts_up_to_now_and_a_new_channel_from_its_creation(history):
    Channel.objects.filter(pk=history["g5"].pk).update(created_at=at(10))
    rollup_days(DAY, DAY + timedelta(days=1), now=at(27))
    assert row(history["cook"], DAY + timedelta(days=1))[:3] == (3 * 3600, 0, 0)
    assert row(history["g5"])[:3] == (0, 0, 14 * 3600)


def test_recomputing_a_range_replaces_its_rows(history):
    rollup_days(DAY, DAY, now=at(30))
    HealthChange.objects.filter(channel=history["cook"]).delete()
    rollup_days(DAY, DAY, now=at(30))
    assert row(history["cook"])[:3] == (0, 0, 24 * 3600)
    assert ChannelDay.objects.count() == 6
    assert rollup_days(DAY, DAY, now=at(-1)) == 0  # a day still to come: nothing


def test_meal_hours_that_do_not_parse_are_left_out():
    assert meal_windows(["06:30-08:30", "bad", "13:00-12:00", 7]) == [
        (timedelta(hours=6, minutes=30), timedelta(hours=8, minutes=30))
    ]
    assert meal_windows("06:30-08:30") == []
