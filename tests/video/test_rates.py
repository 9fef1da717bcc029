"""The video figures: online rates from the ChannelDay rollup against targets, counts now, fault time."""

from datetime import date

import pytest

from cityops.core.scoping import SYSTEM_READER
from cityops.video import rates
from cityops.video.models import ChannelDay

DAY = date(2026, 11, 10)
H = 3600


def day_row(channel, day=DAY, online=24 * H, offline=0, unknown=0):
    return ChannelDay.objects.create(
        channel=channel,
        day=day,
        project_id=channel.project_id,
        area_id=channel.area_id,
        village_id=channel.village_id,
        online_s=online,
        offline_s=offline,
        unknown_s=unknown,
    )


@pytest.fixture
def history(video_channels):
    c = video_channels
    day_row(c["g1a"], online=20 * H, offline=4 * H)
    day_row(c["g1a"], day=date(2026, 11, 11), online=18 * H, offline=6 * H)  # 10 h in the month
    day_row(c["g1b"], online=16 * H, offline=8 * H)  # exactly 8 h: not over the limit
    day_row(c["g2"], online=12 * H, unknown=12 * H)  # unknown time counts neither way
    day_row(c["g5"])
    day_row(c["cook"], online=23 * H, offline=1 * H)
    day_row(c["cold"], day=date(2026, 10, 31), offline=24 * H)  # another month
    return c


def test_project_rate_is_online_over_online_plus_offline_with_its_target(history):
    by_key = {r.key: r for r in rates.project_rates(user=SYSTEM_READER, start=DAY, end=DAY)}
    ps = by_key["kjhcq"]
    assert (ps.online_s, ps.offline_s, ps.unknown_s, ps.channels) == (72 * H, 12 * H, 12 * H, 4)
    assert ps.rate == round(100 * 72 / 84, 2) == 85.71
    assert ps.target == 98.0 and ps.met is False
    kitchen = by_key["mcld"]
    assert kitchen.rate == round(100 * 23 / 24, 2) and kitchen.target == 95.0 and kitchen.met is True


def test_a_period_without_data_has_no_rate_and_no_verdict(history):
    quiet = rates.project_rates(user=SYSTEM_READER, start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert {(r.key, r.rate, r.met) for r in quiet} == {("kjhcq", None, None), ("mcld", None, None)}


def test_villages_worst_first_held_to_the_strictest_target(history):
    villages = rates.unit_rates(user=SYSTEM_READER, start=DAY, end=DAY, level="village")
    assert [v.key for v in villages] == ["V1", "V3"]
    v1, v3 = villages
    assert v1.rate == round(100 * 48 / 60, 2) and v1.target == 98.0
    assert v3.rate == round(100 * 47 / 48, 2) and v3.target == 98.0  # public security and kitchens mixed
    only_kitchens = rates.unit_rates(user=SYSTEM_READER, start=DAY, end=DAY, level="village", project="mcld")
    assert [(v.key, v.target) for v in only_kitchens] == [("V3", 95.0)]
    areas = rates.unit_rates(user=SYSTEM_READER, start=DAY, end=DAY, level="area")
    assert {a.key for a in areas} == {"A1", "A2"}


def test_daily_series_has_a_gap_where_nothing_was_recorded(history):
    series = rates.daily_rates(user=SYSTEM_READER, start=DAY, end=date(2026, 11, 12))
    assert series["kjhcq"] == [85.71, 75.0, None]
    assert series["mcld"] == [95.83, None, None]


def test_counts_now_take_only_channels_in_service(history):
    c = history
    for key, health in (("g1a", "online"), ("g1b", "offline"), ("g2", "online"), ("g8", "offline")):
        c[key].health = health
        c[key].save(update_fields=["health"])
    now = {n.key: n for n in rates.health_now(user=SYSTEM_READER)}
    assert (now["kjhcq"].online, now["kjhcq"].offline, now["kjhcq"].unknown) == (
        2,
        1,
        1,
    )  # g8 is only planned
    assert now["kjhcq"].total == 4 and now["kjhcq"].rate == round(200 / 3, 2)
    progress = {p.key: p for p in rates.build_progress(user=SYSTEM_READER)}
    assert (progress["kjhcq"].channels, progress["kjhcq"].sites, progress["kjhcq"].planned_channels) == (
        4,
        3,
        8,
    )
    assert progress["kjhcq"].by_status == {"built": 4, "planned": 1} and progress["kjhcq"].share == 50.0


def test_monthly_faults_over_eight_hours(history):
    faults = rates.long_faults(user=SYSTEM_READER, month=DAY)
    assert [(f.gb_id, f.hours, f.days) for f in faults] == [(history["g1a"].gb_id, 10.0, 2)]
    everything = rates.channel_faults(user=SYSTEM_READER, start=date(2026, 10, 1), end=date(2026, 11, 30))
    assert [f.gb_id for f in everything] == [history[k].gb_id for k in ("cold", "g1a", "g1b", "cook")]


def test_figures_follow_the_users_scope(history, users):
    v1 = rates.project_rates(user=users["dispatcher_v1"], start=DAY, end=DAY)
    assert {r.key: r.channels for r in v1} == {"kjhcq": 3, "mcld": 0}
    assert [v.key for v in rates.unit_rates(user=users["dispatcher_v4"], start=DAY, end=DAY)] == []
    assert rates.long_faults(user=users["dispatcher_v4"], month=DAY) == []
    assert rates.project_rates(user=users["resident"], start=DAY, end=DAY)[0].channels == 0
    assert sum(n.total for n in rates.health_now(user=users["resident"])) == 0
    grid = rates.project_rates(user=users["inspector_g1"], start=DAY, end=DAY)  # no video.view
    assert {r.channels for r in grid} == {0}
