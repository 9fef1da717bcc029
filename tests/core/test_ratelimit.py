"""The one rate-limit mechanism: fixed windows of the configured length, counted in the database."""

from datetime import UTC, datetime, timedelta

import pytest

from cityops.core import ratelimit
from cityops.core.models import RateCounter
from cityops.core.ratelimit import Limit

pytestmark = pytest.mark.django_db

HOURLY = Limit("test", 5, 3600)
T0 = datetime(2030, 5, 6, 9, 0, 0, tzinfo=UTC)  # the start of an hourly window


def test_an_hourly_limit_holds_for_the_whole_hour_not_five_minutes():
    for i in range(5):
        assert ratelimit.hit(HOURLY, "10.0.0.1", now=T0 + timedelta(minutes=i)) == i + 1
    for later in (timedelta(minutes=5, seconds=1), timedelta(minutes=30), timedelta(minutes=59, seconds=59)):
        assert ratelimit.exceeded(HOURLY, "10.0.0.1", now=T0 + later)
    # the next window starts afresh, exactly one hour after the first
    assert not ratelimit.exceeded(HOURLY, "10.0.0.1", now=T0 + timedelta(hours=1))
    assert ratelimit.hit(HOURLY, "10.0.0.1", now=T0 + timedelta(hours=1)) == 1


def test_windows_are_aligned_and_end_where_the_limit_says():
    assert ratelimit.window_start(HOURLY, T0 + timedelta(minutes=42)) == int(T0.timestamp())
    assert ratelimit.window_end(HOURLY, T0 + timedelta(minutes=42)) == T0 + timedelta(hours=1)
    quarter = Limit("q", 1, 900)
    assert ratelimit.window_end(quarter, T0 + timedelta(minutes=16)) == T0 + timedelta(minutes=30)


def test_clients_and_limits_are_counted_apart():
    ratelimit.hit(HOURLY, "10.0.0.1", now=T0)
    ratelimit.hit(Limit("other", 5, 3600), "10.0.0.1", now=T0)
    assert ratelimit.hits(HOURLY, "10.0.0.1", now=T0) == 1
    assert ratelimit.hits(HOURLY, "10.0.0.2", now=T0) == 0


def test_a_very_long_client_key_is_hashed_to_fit():
    who = "x" * 500
    assert ratelimit.hit(HOURLY, who, now=T0) == 1
    assert ratelimit.hit(HOURLY, who, now=T0) == 2
    assert len(RateCounter.objects.get().key) <= ratelimit.MAX_KEY


def test_purge_removes_only_windows_that_have_ended():
    ratelimit.hit(HOURLY, "a", now=T0)
    ratelimit.hit(HOURLY, "a", now=T0 + timedelta(hours=1))
    assert ratelimit.purge(now=T0 + timedelta(hours=1, minutes=1)) == 1
    assert ratelimit.hits(HOURLY, "a", now=T0 + timedelta(hours=1)) == 1
