"""Holiday data files: validation and all-or-nothing loading into ``CalendarDay``.

A file holds one calendar year, as published by the State Council's yearly notice
(国务院办公厅关于某年部分节假日安排的通知)::

    {"year": 2026, "source": "…", "notes": "…",
     "days": [{"date": "2026-02-16", "kind": "holiday", "name": "春节"},
              {"date": "2026-02-14", "kind": "workday", "name": "春节调休上班"}, …]}

Only exceptions to the Monday–Friday week are listed: a "holiday" on a weekday, a "workday" on
a Saturday or Sunday. A notice sometimes names a day of the year before (元旦 on 31 December);
such a day goes into that year's file. A file is the whole truth for its year: loading it
creates and updates rows by date and deletes the year's rows that the file no longer lists, so
loading the same file twice changes nothing and a corrected file replaces a provisional one.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction

from cityops.core.choices import DayKind
from cityops.core.errors import ValidationFailed
from cityops.core.models import CalendarDay
from cityops.core.upsert import Outcome

DATA_DIR = Path(__file__).resolve().parent / "data"
BUNDLED_GLOB = "cn-holidays-*.json"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TOP_KEYS = {"year", "source", "notes", "days"}
_DAY_KEYS = {"date", "kind", "name"}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NAME_MAX = CalendarDay._meta.get_field("name").max_length


@dataclass(frozen=True)
class CalendarYear:
    year: int
    source: str
    days: dict[date, tuple[str, str]]  # date → (kind, name)


@dataclass
class LoadResult:
    sources: dict[int, str] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


def read_calendar_file(path: Path | str) -> tuple[str, object]:
    """(label, parsed JSON) of a file; an unreadable file or bad JSON is a ValidationFailed."""
    path = Path(path)
    try:
        return path.name, json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise _failed([f"{path}: cannot be read ({exc})"]) from None
    except json.JSONDecodeError as exc:
        raise _failed([f"{path}: is not valid JSON ({exc})"]) from None


def validate_calendar(label: str, data) -> tuple[CalendarYear | None, list[str]]:
    """The year a document describes, or the problems found in it (each naming its entry)."""
    if not isinstance(data, dict):
        return None, [f"{label}: the top level must be an object with year, source and days"]
    errors = [f"{label}: unknown key {key!r}" for key in sorted(set(data) - _TOP_KEYS)]
    year, source, days = data.get("year"), data.get("source"), data.get("days")
    if isinstance(year, bool) or not isinstance(year, int) or not 1970 <= year <= 2199:
        errors.append(f"{label}: year must be a year from 1970 to 2199, not {year!r}")
        year = None
    if not isinstance(source, str) or not source.strip():
        errors.append(f"{label}: source must name where the dates come from")
    notes = data.get("notes", "")
    if not isinstance(notes, str) and not (
        isinstance(notes, list) and all(isinstance(n, str) for n in notes)
    ):
        errors.append(f"{label}: notes must be a text or a list of texts")
    if not isinstance(days, list):
        return None, [*errors, f"{label}: days must be a list of {{date, kind, name}}"]
    parsed: dict[date, tuple[str, str]] = {}
    first_entry: dict[date, int] = {}
    for index, entry in enumerate(days, start=1):
        problem, day = _check_entry(entry, year)
        where = f"{label} entry {index}{_describe(entry)}"
        if problem:
            errors.append(f"{where}: {problem}")
        elif day in parsed:
            errors.append(f"{where}: {day.isoformat()} is listed twice (also entry {first_entry[day]})")
        else:
            parsed[day], first_entry[day] = (entry["kind"], entry["name"].strip()), index
    if errors:
        return None, errors
    return CalendarYear(year, source.strip(), parsed), []


def _describe(entry) -> str:
    if not isinstance(entry, dict):
        return ""
    shown = [str(entry[key]) for key in ("date", "kind", "name") if key in entry]
    return f" ({', '.join(shown)})" if shown else ""


def _check_entry(entry, year: int | None) -> tuple[str | None, date | None]:
    if not isinstance(entry, dict):
        return "must be an object with date, kind and name", None
    if set(entry) != _DAY_KEYS:
        return f"must have exactly the keys date, kind and name, has {', '.join(sorted(entry))}", None
    raw, kind, name = entry["date"], entry["kind"], entry["name"]
    if not isinstance(raw, str) or not _ISO_DATE.match(raw):
        return f"date {raw!r} is not an ISO date (YYYY-MM-DD)", None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return f"date {raw!r} does not exist", None
    if year is not None and day.year != year:
        return f"{raw} is not in {year}; put it in the {day.year} file", None
    if kind not in DayKind.values:
        return f"kind {kind!r} is not one of {', '.join(DayKind.values)}", None
    if not isinstance(name, str) or not name.strip():
        return "name must be a non-empty text such as 春节", None
    if len(name.strip()) > NAME_MAX:
        return f"name is longer than {NAME_MAX} characters", None
    weekend = day.weekday() >= 5
    if kind == DayKind.HOLIDAY and weekend:
        return f"{raw} is a {_WEEKDAYS[day.weekday()]}: a holiday is listed only on a weekday", None
    if kind == DayKind.WORKDAY and not weekend:
        return f"{raw} is a {_WEEKDAYS[day.weekday()]}: a workday is listed only on a weekend", None
    return None, day


def _failed(errors: list[str]) -> ValidationFailed:
    return ValidationFailed(
        f"The calendar was not loaded: {len(errors)} problem(s) found; nothing was written.",
        errors=[{"message": message} for message in errors],
    )


def _plan(documents: list[tuple[str, object]]) -> tuple[dict[int, CalendarYear], list[str]]:
    years: dict[int, CalendarYear] = {}
    labels: dict[int, str] = {}
    errors: list[str] = []
    for label, data in documents:
        parsed, problems = validate_calendar(label, data)
        errors += problems
        if parsed is None:
            continue
        if parsed.year in years:
            errors.append(f"{label}: the year {parsed.year} is also given by {labels[parsed.year]}")
        years[parsed.year], labels[parsed.year] = parsed, label
    return years, errors


def calendar_load(*, documents: list[tuple[str, object]], errors: list[str] = ()) -> LoadResult:
    """Validate (label, data) documents of whole years and write them all in one transaction, or nothing.

    ``errors`` are problems found before (unreadable files); any problem means nothing is written.
    """
    years, problems = _plan(documents)
    errors = [*errors, *problems]
    if errors or not documents:
        raise _failed(errors or ["no calendar file was given"])
    result = LoadResult()
    with transaction.atomic():
        for year in sorted(years):
            _write_year(years[year], result)
            result.sources[year] = years[year].source
    return result


def _write_year(calendar: CalendarYear, result: LoadResult) -> None:
    stored = {
        row.date: row
        for row in CalendarDay.objects.filter(
            date__range=(date(calendar.year, 1, 1), date(calendar.year, 12, 31))
        )
    }
    for day, (kind, name) in sorted(calendar.days.items()):
        outcome = _upsert_day(stored.pop(day, None), day, kind, name)
        if outcome == Outcome.CREATED:
            result.created += 1
        elif outcome == Outcome.UPDATED:
            result.updated += 1
        else:
            result.unchanged += 1
    if stored:
        CalendarDay.objects.filter(pk__in=[row.pk for row in stored.values()]).delete()
        result.deleted += len(stored)


def _upsert_day(row: CalendarDay | None, day: date, kind: str, name: str) -> Outcome:
    """Like ``upsert_by_code``, keyed by the date."""
    if row is None:
        CalendarDay.objects.create(date=day, kind=kind, name=name)
        return Outcome.CREATED
    if (row.kind, row.name) == (kind, name):
        return Outcome.UNCHANGED
    row.kind, row.name = kind, name
    row.save(update_fields=["kind", "name", "updated_at"])
    return Outcome.UPDATED


def calendar_load_files(paths: list[Path | str]) -> LoadResult:
    """Load holiday data files, all or nothing."""
    documents, errors = [], []
    for path in paths:
        try:
            documents.append(read_calendar_file(path))
        except ValidationFailed as exc:
            errors += [e["message"] for e in exc.errors]
    return calendar_load(documents=documents, errors=errors)


def bundled_calendar_files() -> list[Path]:
    return sorted(DATA_DIR.glob(BUNDLED_GLOB))


def load_bundled_calendars() -> LoadResult:
    """Load the holiday years shipped with cityops (cityops/core/data/cn-holidays-*.json)."""
    return calendar_load_files(bundled_calendar_files())
