"""Loading holiday data files: validation, all or nothing, idempotent; the calendar-load command."""

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from cityops.core.errors import ValidationFailed
from cityops.core.holidays import (
    bundled_calendar_files,
    calendar_load,
    calendar_load_files,
    load_bundled_calendars,
)
from cityops.core.models import CalendarDay

GOOD = {
    "year": 2030,
    "source": "test",
    "days": [
        {"date": "2030-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2030-01-05", "kind": "workday", "name": "元旦调休上班"},
    ],
}


def snapshot():
    return sorted(CalendarDay.objects.values_list("date", "kind", "name", "updated_at"))


def messages(exc: ValidationFailed) -> list[str]:
    return [e["message"] for e in exc.errors]


def with_days(*days, **top):
    return {**GOOD, **top, "days": [*GOOD["days"], *days]}


@pytest.mark.django_db
def test_the_bundled_years_load_and_reload_unchanged():
    assert [p.name for p in bundled_calendar_files()] == ["cn-holidays-2026.json", "cn-holidays-2027.json"]
    first = load_bundled_calendars()
    assert (first.created, first.updated, first.unchanged, first.deleted) == (38, 0, 0, 0)
    assert first.sources[2027].startswith("provisional: derived from the statutory holidays")
    assert CalendarDay.objects.filter(date__year=2026, kind="workday").count() == 6
    assert CalendarDay.objects.get(date=date(2026, 2, 14)).name == "春节调休上班"
    before = snapshot()
    again = load_bundled_calendars()
    assert (again.created, again.updated, again.unchanged, again.deleted) == (0, 0, 38, 0)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_corrected_file_replaces_its_year():
    calendar_load(documents=[("a.json", GOOD)])
    CalendarDay.objects.create(date=date(2031, 1, 1), kind="holiday", name="元旦")  # another year
    corrected = {
        **GOOD,
        "days": [
            {"date": "2030-01-01", "kind": "holiday", "name": "新年"},
            {"date": "2030-02-04", "kind": "holiday", "name": "春节"},
        ],
    }
    result = calendar_load(documents=[("b.json", corrected)])
    assert (result.created, result.updated, result.unchanged, result.deleted) == (1, 1, 0, 1)
    assert sorted(CalendarDay.objects.values_list("date", "name")) == [
        (date(2030, 1, 1), "新年"),
        (date(2030, 2, 4), "春节"),
        (date(2031, 1, 1), "元旦"),
    ]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            with_days({"date": "2030-01-06", "kind": "holiday", "name": "元旦"}),
            "bad.json entry 3 (2030-01-06, holiday, 元旦): 2030-01-06 is a Sunday: "
            "a holiday is listed only on a weekday",
        ),
        (
            with_days({"date": "2030-01-02", "kind": "workday", "name": "调休"}),
            "bad.json entry 3 (2030-01-02, workday, 调休): 2030-01-02 is a Wednesday: "
            "a workday is listed only on a weekend",
        ),
        (
            with_days({"date": "2030-01-01", "kind": "holiday", "name": "元旦"}),
            "bad.json entry 3 (2030-01-01, holiday, 元旦): 2030-01-01 is listed twice (also entry 1)",
        ),
        (
            with_days({"date": "2030/02/04", "kind": "holiday", "name": "春节"}),
            "bad.json entry 3 (2030/02/04, holiday, 春节): date '2030/02/04' is not an ISO date (YYYY-MM-DD)",
        ),
        (
            with_days({"date": "2030-02-30", "kind": "holiday", "name": "春节"}),
            "bad.json entry 3 (2030-02-30, holiday, 春节): date '2030-02-30' does not exist",
        ),
        (
            with_days({"date": "2030-02-04", "kind": "rest", "name": "春节"}),
            "bad.json entry 3 (2030-02-04, rest, 春节): kind 'rest' is not one of holiday, workday",
        ),
        (
            with_days({"date": "2030-02-04", "kind": "holiday", "name": " "}),
            "bad.json entry 3 (2030-02-04, holiday,  ): name must be a non-empty text such as 春节",
        ),
        (
            with_days({"date": "2030-02-04", "kind": "holiday"}),
            "bad.json entry 3 (2030-02-04, holiday): must have exactly the keys date, kind and name, "
            "has date, kind",
        ),
        (
            with_days({"date": "2031-01-01", "kind": "holiday", "name": "元旦"}),
            "bad.json entry 3 (2031-01-01, holiday, 元旦): 2031-01-01 is not in 2030; put it in the 2031 file",
        ),
        ({**GOOD, "year": "2030"}, "bad.json: year must be a year from 1970 to 2199, not '2030'"),
        ({**GOOD, "source": ""}, "bad.json: source must name where the dates come from"),
        ({**GOOD, "days": {}}, "bad.json: days must be a list of {date, kind, name}"),
        ({**GOOD, "extra": 1}, "bad.json: unknown key 'extra'"),
        ([], "bad.json: the top level must be an object with year, source and days"),
    ],
)
@pytest.mark.django_db
def test_a_bad_file_is_refused_naming_the_entry_and_nothing_is_written(document, expected):
    load_bundled_calendars()
    count, before = CalendarDay.objects.count(), snapshot()
    with pytest.raises(ValidationFailed) as excinfo:
        calendar_load(documents=[("good.json", {**GOOD, "year": 2030}), ("bad.json", document)])
    assert messages(excinfo.value) == [expected]
    assert excinfo.value.detail == "The calendar was not loaded: 1 problem(s) found; nothing was written."
    assert CalendarDay.objects.count() == count
    assert snapshot() == before


@pytest.mark.django_db
def test_two_files_for_one_year_are_refused():
    with pytest.raises(ValidationFailed) as excinfo:
        calendar_load(documents=[("a.json", GOOD), ("b.json", GOOD)])
    assert messages(excinfo.value) == ["b.json: the year 2030 is also given by a.json"]
    assert CalendarDay.objects.count() == 0


@pytest.mark.django_db
def test_unreadable_files_are_reported_with_the_others(tmp_path):
    good, bad_json, bad_entry = tmp_path / "good.json", tmp_path / "broken.json", tmp_path / "bad.json"
    good.write_text(json.dumps({**GOOD, "year": 2031, "days": []}), encoding="utf-8")
    bad_json.write_text("{not json", encoding="utf-8")
    bad_entry.write_text(json.dumps(with_days({"date": "2030-01-06", "kind": "holiday", "name": "x"})))
    with pytest.raises(ValidationFailed) as excinfo:
        calendar_load_files([good, bad_json, tmp_path / "missing.json", bad_entry])
    found = messages(excinfo.value)
    assert len(found) == 3
    assert found[0].startswith(f"{bad_json}: is not valid JSON")
    assert found[1].startswith(f"{tmp_path / 'missing.json'}: cannot be read")
    assert found[2].startswith("bad.json entry 3 (2030-01-06, holiday, x): 2030-01-06 is a Sunday")
    assert CalendarDay.objects.count() == 0


@pytest.mark.django_db
def test_calendar_load_command(tmp_path, capsys):
    call_command("calendar-load")
    out = capsys.readouterr().out
    assert "2027: provisional: derived from the statutory holidays" in out
    assert "Loaded: created 38, updated 0, unchanged 0, deleted 0." in out

    path = tmp_path / "cn-holidays-2030.json"
    path.write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")
    call_command("calendar-load", str(path))
    assert "Loaded: created 2, updated 0, unchanged 0, deleted 0." in capsys.readouterr().out

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(with_days({"date": "2030-01-02", "kind": "workday", "name": "调休"})))
    count = CalendarDay.objects.count()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("calendar-load", str(path), str(bad))
    assert "2030-01-02 is a Wednesday" in capsys.readouterr().err
    assert CalendarDay.objects.count() == count


@pytest.mark.django_db
def test_model_validation_and_constraint():
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            CalendarDay(date=date(2026, 3, 7), kind="holiday", name="x").full_clean()
        assert excinfo.value.message_dict == {
            "date": ["2026-03-07 is a Saturday or Sunday: a holiday row is only for a weekday."]
        }
    with pytest.raises(ValidationError) as excinfo:  # the admin shows it in Chinese
        CalendarDay(date=date(2026, 3, 7), kind="holiday", name="x").full_clean()
    assert "节假日只能设在工作日" in excinfo.value.message_dict["date"][0]
    with pytest.raises(ValidationError):
        CalendarDay(date=date(2026, 3, 6), kind="workday", name="x").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarDay.objects.create(date=date(2026, 3, 6), kind="bogus", name="x")


@pytest.mark.django_db
def test_admin_lists_calendar_days_by_year_and_kind(client):
    from cityops.accounts.services import user_create

    load_bundled_calendars()
    root = user_create(username="root", role="sysadmin", password="Correct-Horse-42!", phone="13812345678")
    client.force_login(root)
    page = client.get("/admin/core/calendarday/", {"year": "2026", "kind": "workday"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "春节调休上班" in body and "国庆节调休上班" in body
    assert "劳动节补休" not in body  # a 2027 holiday
    assert "?kind=workday&amp;year=2027" in body  # the year filter offers both years
