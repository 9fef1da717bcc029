"""The working-day calendar: holidays and 调休 from the bundled 2026 data, working hours, the cache."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from cityops.core import workcalendar
from cityops.core.models import CalendarDay
from cityops.core.workcalendar import WorkCalendar, get_calendar, parse_work_hours

TZ = ZoneInfo("Asia/Shanghai")
DAY = 420  # working minutes in a day of 08:30–12:00 and 14:00–17:30


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _fresh_calendar():
    workcalendar.invalidate()
    yield
    workcalendar.invalidate()


@pytest.fixture
def cal(db) -> WorkCalendar:
    from cityops.core.holidays import load_bundled_calendars

    load_bundled_calendars()
    return get_calendar()


# working days -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_holidays_and_adjusted_working_days_of_2026(cal):
    assert cal.is_working_day(date(2026, 2, 13))  # Friday before the Spring Festival
    assert cal.is_working_day(date(2026, 2, 14))  # 调休 Saturday
    assert not cal.is_working_day(date(2026, 2, 16))  # 春节 on a Monday
    assert not cal.is_working_day(date(2026, 2, 21))  # Saturday inside the break
    assert not cal.is_working_day(date(2026, 2, 23))  # 春节 on a Monday (正月初七)
    assert cal.is_working_day(date(2026, 2, 24))
    assert cal.is_working_day(date(2026, 2, 28))  # 调休 Saturday
    assert not cal.is_working_day(date(2026, 3, 7))  # an ordinary Saturday
    assert cal.is_working_day(date(2026, 9, 20))  # 国庆节调休 Sunday
    assert not cal.is_working_day(date(2026, 10, 7))
    # an aware datetime counts by its date in Asia/Shanghai: 2026-02-15 20:00 UTC is 02-16 04:00
    assert not cal.is_working_day(datetime(2026, 2, 15, 20, 0, tzinfo=ZoneInfo("UTC")))


@pytest.mark.django_db
def test_one_working_day_from_the_afternoon_before_the_spring_festival_lands_after_it(cal):
    # 2026-02-14 is the 调休 Saturday, the last working day before the break of 15–23 February
    assert cal.add_working_days(at(2026, 2, 14, 15, 0), 1) == at(2026, 2, 24, 15, 0)
    # from Friday the next working day is that Saturday
    assert cal.add_working_days(at(2026, 2, 13, 15, 0), 1) == at(2026, 2, 14, 15, 0)
    assert cal.add_working_days(at(2026, 2, 13, 15, 0), 2) == at(2026, 2, 24, 15, 0)


@pytest.mark.django_db
def test_working_hours_deadline_crosses_lunch_night_holiday_and_weekend(cal):
    # Thursday 11:00 + 5 工作时: 60 min before lunch, 210 in the afternoon, 中秋 on Friday,
    # the weekend, then 30 min on Monday
    assert cal.deadline(at(2026, 9, 24, 11, 0), 5, "hours") == at(2026, 9, 28, 9, 0)
    assert cal.add_working_minutes(at(2026, 9, 24, 11, 0), 300) == at(2026, 9, 28, 9, 0)
    # the same limit as minutes across a 调休 Saturday: it is worked
    assert cal.add_working_minutes(at(2026, 2, 13, 17, 0), 60) == at(2026, 2, 14, 9, 0)


@pytest.mark.django_db
def test_a_start_outside_working_hours_counts_from_the_next_working_moment(cal):
    tuesday_3am = at(2026, 3, 3, 3, 0)
    assert cal.add_working_days(tuesday_3am, 1) == at(2026, 3, 4, 8, 30)
    assert cal.add_working_minutes(tuesday_3am, 60) == at(2026, 3, 3, 9, 30)
    assert cal.add_working_days(at(2026, 3, 3, 12, 30), 1) == at(2026, 3, 4, 14, 0)  # lunch
    assert cal.add_working_days(at(2026, 3, 7, 10, 0), 1) == at(2026, 3, 10, 8, 30)  # Saturday
    assert cal.add_working_days(at(2026, 9, 30, 18, 0), 1) == at(2026, 10, 9, 8, 30)  # 国庆


@pytest.mark.django_db
def test_a_start_exactly_at_closing_time(cal):
    closing = at(2026, 3, 3, 17, 30)
    assert cal.add_working_days(closing, 1) == at(2026, 3, 5, 8, 30)
    assert cal.add_working_minutes(closing, 30) == at(2026, 3, 4, 9, 0)
    assert cal.add_working_minutes(closing, DAY) == at(2026, 3, 4, 17, 30)
    assert cal.working_minutes_between(closing, at(2026, 3, 4, 8, 30)) == 0


@pytest.mark.django_db
def test_a_period_used_up_exactly_ends_at_its_end(cal):
    assert cal.add_working_minutes(at(2026, 3, 3, 8, 30), 210) == at(2026, 3, 3, 12, 0)
    assert cal.add_working_minutes(at(2026, 3, 3, 8, 30), 211) == at(2026, 3, 3, 14, 1)
    assert cal.add_working_minutes(at(2026, 3, 3, 8, 30), DAY) == at(2026, 3, 3, 17, 30)
    # days keep the time of day: the same working time, shown as the next morning
    assert cal.add_working_days(at(2026, 3, 3, 8, 30), 1) == at(2026, 3, 4, 8, 30)


@pytest.mark.django_db
def test_zero_amounts_are_due_at_once(cal):
    for start in (at(2026, 3, 3, 10, 0), at(2026, 3, 3, 3, 0), at(2026, 2, 16, 10, 0)):
        for unit in ("minutes", "hours", "days"):
            assert cal.deadline(start, 0, unit) == start
        assert cal.add_working_days(start, 0) == start
        assert cal.add_working_minutes(start, 0) == start


@pytest.mark.django_db
def test_working_minutes_between_both_ways(cal):
    a, b = at(2026, 3, 3, 8, 0), at(2026, 3, 4, 9, 0)
    assert cal.working_minutes_between(a, b) == DAY + 30
    assert cal.working_minutes_between(b, a) == -(DAY + 30)
    assert cal.working_minutes_between(a, a) == 0
    # across the Spring Festival: 30 minutes on the 调休 Saturday, 30 on the 24th
    assert cal.working_minutes_between(at(2026, 2, 14, 17, 0), at(2026, 2, 24, 9, 0)) == 60
    # whole minutes, rounded toward zero
    assert cal.working_minutes_between(a.replace(hour=9), at(2026, 3, 3, 9, 0, 59)) == 0
    assert cal.working_minutes_between(at(2026, 3, 3, 9, 1, 59), at(2026, 3, 3, 9, 0)) == -1


@pytest.mark.django_db
def test_warn_at_is_when_most_of_the_working_time_is_used(cal):
    start = at(2026, 3, 3, 8, 30)
    deadline = cal.deadline(start, 1, "days")
    assert cal.warn_at(start, deadline) == at(2026, 3, 3, 16, 6)  # 336 of 420 minutes
    assert cal.warn_at(start, deadline, fraction=0.5) == at(2026, 3, 3, 12, 0)
    assert cal.warn_at(start, deadline, fraction=0) == start
    assert cal.warn_at(start, deadline, fraction=1) == deadline
    # 5 工作时 over the 中秋 weekend: 240 of 300 minutes are used on Thursday at 17:00
    thursday = at(2026, 9, 24, 11, 0)
    assert cal.warn_at(thursday, cal.deadline(thursday, 5, "hours")) == at(2026, 9, 24, 17, 0)
    # no working time in between: warn at once
    assert cal.warn_at(at(2026, 3, 7, 9, 0), at(2026, 3, 8, 9, 0)) == at(2026, 3, 7, 9, 0)


@pytest.mark.django_db
def test_bad_inputs_raise_clear_errors(cal):
    naive = datetime(2026, 3, 3, 10, 0)
    aware = at(2026, 3, 3, 10, 0)
    for call in (
        lambda: cal.add_working_days(naive, 1),
        lambda: cal.add_working_minutes(naive, 1),
        lambda: cal.deadline(naive, 1, "hours"),
        lambda: cal.deadline(naive, 0, "days"),
        lambda: cal.add_working_minutes(naive, 0),
        lambda: cal.working_minutes_between(naive, aware),
        lambda: cal.working_minutes_between(aware, naive),
        lambda: cal.warn_at(naive, aware),
        lambda: cal.is_working_day(naive),
    ):
        with pytest.raises(ValueError, match="is a naive datetime; pass an aware one"):
            call()
    with pytest.raises(ValueError, match="n must not be negative, got -1"):
        cal.add_working_days(aware, -1)
    with pytest.raises(ValueError, match="minutes must not be negative, got -5"):
        cal.add_working_minutes(aware, -5)
    with pytest.raises(ValueError, match="amount must not be negative, got -2"):
        cal.deadline(aware, -2, "hours")
    with pytest.raises(ValueError, match="n must not be negative, got -2"):
        cal.deadline(aware, -2, "days")
    with pytest.raises(ValueError, match="unit must be one of minutes, hours, days, not 'weeks'"):
        cal.deadline(aware, 1, "weeks")
    with pytest.raises(TypeError, match="must be a whole number"):
        cal.add_working_minutes(aware, 1.5)
    with pytest.raises(TypeError, match="must be an aware datetime, not date"):
        cal.add_working_days(date(2026, 3, 3), 1)
    with pytest.raises(ValueError, match="is before start"):
        cal.warn_at(aware, aware - timedelta(hours=1))
    with pytest.raises(ValueError, match="fraction must be a number from 0 to 1"):
        cal.warn_at(aware, aware, fraction=1.5)


@pytest.mark.django_db
def test_days_and_minutes_agree_on_working_time(cal):
    rnd = random.Random(7)
    for _ in range(300):
        start = at(2026, 1, 1) + timedelta(minutes=rnd.randrange(2 * 365 * 1440))
        n = rnd.randrange(1, 40)
        by_days = cal.add_working_days(start, n)
        assert by_days.tzinfo is not None and by_days > start
        assert cal.working_minutes_between(start, by_days) == n * DAY
        by_minutes = cal.add_working_minutes(start, n * DAY)
        assert by_minutes <= by_days
        assert cal.working_minutes_between(by_minutes, by_days) == 0


def _minute_by_minute(cal: WorkCalendar, start: datetime, minutes: int) -> datetime:
    """The reference: walk one minute at a time, counting the minutes that are working time."""
    t, left = start, minutes
    while left:
        local = t.astimezone(TZ)
        tod = local.hour * 60 + local.minute
        if cal.is_working_day(local.date()) and any(s <= tod < e for s, e in cal.work_hours):
            left -= 1
        t += timedelta(minutes=1)
    return t


@pytest.mark.django_db
def test_add_working_minutes_matches_a_minute_by_minute_walk(cal):
    rnd = random.Random(11)
    for _ in range(40):
        # around the Spring Festival and 国庆, where the walk is long
        base = rnd.choice((at(2026, 2, 12), at(2026, 9, 28), at(2026, 4, 30)))
        start = base + timedelta(minutes=rnd.randrange(3 * 1440))
        minutes = rnd.randrange(1, 3 * DAY)
        expected = _minute_by_minute(cal, start, minutes)
        assert cal.add_working_minutes(start, minutes) == expected, (start, minutes)
        assert cal.working_minutes_between(start, expected) == minutes


@pytest.mark.django_db
def test_years_without_data_count_weekends_and_far_deadlines_work(cal):
    assert cal.data_years == {2026, 2027}
    assert cal.is_working_day(date(2031, 1, 1))  # a Wednesday; no data for 2031
    far = cal.add_working_days(at(2026, 3, 3, 10, 0), 2000)  # beyond the years built at first
    day, counted = date(2026, 3, 3), 0
    while counted < 2000:
        day += timedelta(days=1)
        counted += cal.is_working_day(day)
    assert far == at(day.year, day.month, day.day, 10, 0)
    assert cal.add_working_days(at(1995, 3, 3, 10, 0), 1) == at(1995, 3, 6, 10, 0)
    with pytest.raises(ValueError, match="covers the years 1970–2199 only"):
        cal.add_working_days(at(1960, 1, 1, 10, 0), 1)


def test_other_work_hours_and_time_zones():
    cal = WorkCalendar(work_hours=parse_work_hours("09:00-17:00"), tz="Asia/Shanghai")
    assert cal.minutes_per_day == 480
    friday = at(2026, 3, 6, 16, 0)
    assert cal.add_working_minutes(friday, 120) == at(2026, 3, 9, 10, 0)
    # an input in UTC: 2026-03-06 08:00 UTC is 16:00 in Shanghai; the result is in Shanghai time
    utc = friday.astimezone(ZoneInfo("UTC"))
    assert cal.add_working_minutes(utc, 120) == at(2026, 3, 9, 10, 0)
    assert cal.add_working_minutes(utc, 120).tzinfo == TZ
    # round the clock on weekdays: the hour before midnight ends at Saturday 00:00
    always = WorkCalendar(work_hours=parse_work_hours("00:00-24:00"))
    assert always.add_working_minutes(at(2026, 3, 6, 23, 0), 60) == at(2026, 3, 7, 0, 0)
    assert always.add_working_minutes(at(2026, 3, 6, 23, 0), 61) == at(2026, 3, 9, 0, 1)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "no working period is given"),
        ("8:30-12", "'8:30-12' is not HH:MM-HH:MM"),
        ("08:30-25:00", "'08:30-25:00' is not a time of day"),
        ("12:00-08:30", "'12:00-08:30' does not end after it starts"),
        ("08:30-12:00,11:00-17:30", "'11:00-17:30' overlaps or comes before the period before it"),
    ],
)
def test_bad_work_hours_fail_loudly_naming_the_setting(value, why):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        parse_work_hours(value)
    assert str(excinfo.value).startswith(f"CITYOPS_WORK_HOURS={value!r} is not valid: {why}.")


def test_bad_work_hours_stop_the_system_check(settings):
    settings.CITYOPS_WORK_HOURS = "nine to five"
    errors = workcalendar.check_work_hours()
    assert [e.id for e in errors] == ["core.E001"]
    assert "CITYOPS_WORK_HOURS='nine to five' is not valid" in errors[0].msg
    settings.CITYOPS_WORK_HOURS = "09:00-12:00,13:00-18:00"
    assert workcalendar.check_work_hours() == []


# the process-wide cache -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_cache_rebuilds_when_rows_change(settings, django_assert_num_queries):
    settings.CITYOPS_CALENDAR_REFRESH_SECONDS = 3600
    monday = date(2026, 3, 2)
    first = get_calendar()
    assert first.is_working_day(monday)
    with django_assert_num_queries(0):
        assert get_calendar() is first  # within the refresh interval nothing is read

    settings.CITYOPS_CALENDAR_REFRESH_SECONDS = 0
    with django_assert_num_queries(1):
        assert get_calendar() is first  # checked, unchanged
    row = CalendarDay.objects.create(date=monday, kind="holiday", name="测试")
    second = get_calendar()
    assert second is not first and not second.is_working_day(monday)

    row.name = "测试节"
    row.save()
    third = get_calendar()
    assert third is not second and not third.is_working_day(monday)

    row.delete()
    assert get_calendar().is_working_day(monday)


@pytest.mark.django_db
def test_the_cache_follows_the_work_hours_setting(settings):
    settings.CITYOPS_CALENDAR_REFRESH_SECONDS = 0
    assert get_calendar().minutes_per_day == DAY
    settings.CITYOPS_WORK_HOURS = "09:00-17:00"
    assert get_calendar().minutes_per_day == 480
    settings.CITYOPS_WORK_HOURS = "09:00-25:00"
    with pytest.raises(ImproperlyConfigured, match="CITYOPS_WORK_HOURS"):
        get_calendar()


def test_an_index_stays_right_when_another_thread_extended_the_years_backwards():
    cal = WorkCalendar()
    old = cal._span
    assert cal.is_working_day(date(1980, 1, 1))  # extends the span back to 1980
    span, index = cal._with_day_index(old, len(old.days) + 10)
    day, counted = date.fromordinal(old.days[-1]), 0
    while counted < 11:
        day += timedelta(days=1)
        counted += day.weekday() < 5
    assert date.fromordinal(span.days[index]) == day
