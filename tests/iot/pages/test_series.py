"""The series endpoint of the device charts: raw or rolled up by range, and its refusals."""

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def get(client, **params):
    return client.get("/iot/devices/AIR-G1/series.json", params)


def iso(when):
    return when.isoformat()


def test_short_range_is_every_raw_reading(client, users, iot_readings, now):
    client.force_login(users["officer"])
    body = get(client, quantity="pm25", start=iso(now - timedelta(days=1)), end=iso(now)).json()
    assert body["mode"] == "raw" and body["grain"] is None
    assert body["quantity"] == {"code": "pm25", "name": "PM2.5", "unit": "µg/m³"}
    assert len(body["points"]) == 144  # every 10 minutes for 24 hours (start included, end excluded)
    times = [p[0] for p in body["points"]]
    assert times == sorted(times)
    assert all(isinstance(p[1], float) for p in body["points"])


def test_a_month_is_hourly_buckets(client, users, iot_readings, now):
    client.force_login(users["officer"])
    body = get(client, quantity="pm25", start=iso(now - timedelta(days=30)), end=iso(now)).json()
    assert body["mode"] == "aggregate" and body["grain"] == 3600
    assert sum(b[4] for b in body["buckets"]) == _count(iot_readings, now - timedelta(days=30), now)
    for _start, low, mean, high, count in body["buckets"]:
        assert low <= mean <= high and count >= 1
    # every 10 minutes in the last two days: six readings an hour there
    assert max(b[4] for b in body["buckets"]) == 6


def _count(data, start, end):
    from cityops.iot.readings import series

    return len(series(data["datastream"], start, end))


def test_a_year_is_daily_buckets(client, users, iot_readings, now):
    client.force_login(users["officer"])
    body = get(client, quantity="pm25", start=iso(now - timedelta(days=365)), end=iso(now)).json()
    assert body["mode"] == "aggregate" and body["grain"] == 86400
    assert 360 <= len(body["buckets"]) <= 367
    # the first bucket is the whole local day the range starts in
    midnight = timezone.localtime(now - timedelta(days=365)).replace(hour=0, minute=0, second=0)
    assert sum(b[4] for b in body["buckets"]) == _count(iot_readings, midnight, now)


def test_dates_without_offset_are_local_and_a_date_alone_is_midnight(client, users, iot_readings, now):
    client.force_login(users["officer"])
    today = timezone.localdate()
    body = get(client, quantity="pm25", start=str(today - timedelta(days=1)), end=str(today)).json()
    assert body["start"].endswith("+08:00") and body["start"].startswith(str(today - timedelta(days=1)))
    assert body["mode"] == "raw"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-11-01", "end": "2026-11-02"}, "quantity"),
        ({"quantity": "co2", "start": "2026-11-01", "end": "2026-11-02"}, "quantity"),
        ({"quantity": "pm25", "start": "yesterday", "end": "2026-11-02"}, "start"),
        ({"quantity": "pm25", "start": "2026-11-01", "end": "2026-13-40"}, "end"),
        ({"quantity": "pm25", "end": "2026-11-02"}, "start"),
        ({"quantity": "pm25", "start": "2026-11-02", "end": "2026-11-01"}, "end"),
        ({"quantity": "pm25", "start": "2020-01-01", "end": "2026-01-01"}, "end"),
        (
            {"quantity": "pm25", "start": "9999-12-31T00:00:00-14:00", "end": "9999-12-31T23:59:59-14:00"},
            "start",
        ),
        ({"quantity": "pm25", "start": "0001-01-01T00:00:00+14:00", "end": "0001-01-02"}, "start"),
        ({"quantity": "pm25", "start": "2026-11-01", "end": "9999-12-31T23:59:59+14:00"}, "end"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(client, users, iot_devices, params, field):
    client.force_login(users["officer"])
    response = get(client, **params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["errors"][0]["field"] == field
    assert f"“{field}”" in body["detail"]


def test_the_range_cap_is_two_years(client, users, iot_devices, now):
    client.force_login(users["officer"])
    assert get(client, quantity="pm25", start=iso(now - timedelta(days=730)), end=iso(now)).status_code == 200
    response = get(client, quantity="pm25", start=iso(now - timedelta(days=800)), end=iso(now))
    assert response.status_code == 400 and "732 days" in response.json()["errors"][0]["message"]


def test_a_plus_sign_sent_unencoded_still_reads_as_an_offset(client, users, iot_readings, now):
    client.force_login(users["officer"])
    response = client.get(
        "/iot/devices/AIR-G1/series.json?quantity=pm25&start=2026-11-01T00:00:00+08:00&end=2026-11-02T00:00:00+08:00"
    )
    assert response.status_code == 200
    assert response.json()["start"] == "2026-11-01T00:00:00+08:00"
