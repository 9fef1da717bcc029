"""Dates, moments and whole numbers read from requests — bounded here, once, for every edge.

A value a client sends must not reach arithmetic that overflows (year 10000, an offset past the
database's integers) or compare naive with aware time. The API schemas use the annotated types
(``Moment``, ``Day``, ``PageNumber``), the pages the form fields (``MomentField``, ``DayField``),
and hand-parsed parameters (Open311, the device series) ``parse_moment`` and ``parse_whole``; all
share the checks below, so an out-of-range value is refused the same way everywhere, with a
message naming the parameter. The range is the working calendar's (1970–2199): every stored
moment must be one the calendar can compute with.
"""

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, BeforeValidator, Field

from cityops.core.workcalendar import MAX_YEAR, MIN_YEAR

MAX_PAGE = 1_000_000  # far beyond any list; keeps OFFSET within every database's integers
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
EXAMPLE = "2025-03-01T00:00:00+08:00"


class InputError(ValueError):
    """A value that cannot be used; the message says why without the parameter's name."""


def check_day(value: date) -> date:
    """``value`` when it lies in the calendar's years."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InputError(f"{value.isoformat()} is outside the years {MIN_YEAR}–{MAX_YEAR}")
    return value


def check_moment(value: datetime, *, naive_is_local: bool = False) -> datetime:
    """``value`` when it is aware (or, with ``naive_is_local``, made aware in the town's zone) and its
    year lies in the calendar's years both as given and in the town's zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        if not naive_is_local:
            raise InputError(f"{value.isoformat()} has no time zone; give an offset, e.g. {EXAMPLE}")
        if not MIN_YEAR <= value.year <= MAX_YEAR:  # before make_aware, which could overflow
            raise InputError(f"{value.isoformat()} is outside the years {MIN_YEAR}–{MAX_YEAR}")
        value = timezone.make_aware(value)
    # the year as given first: converting year 9999 at -14:00 to the town's zone would overflow
    if not MIN_YEAR <= value.year <= MAX_YEAR or not MIN_YEAR <= timezone.localtime(value).year <= MAX_YEAR:
        raise InputError(f"{value.isoformat()} is outside the years {MIN_YEAR}–{MAX_YEAR}")
    return value


def parse_moment(text: str, *, end_of_day: bool = False, naive_is_local: bool = True) -> datetime:
    """An ISO 8601 date or date-time, checked by ``check_moment``; a plain date is its midnight
    (with ``end_of_day`` the next midnight, so that a last day is included). A "+" of an offset
    that arrived unencoded, as a space, is read as "+"."""
    raw = (text or "").strip()
    try:
        if _DAY.match(raw):
            day = parse_date(raw)
            check_day(day)
            moment = datetime.combine(day + timedelta(days=1) if end_of_day else day, time.min)
        else:
            moment = parse_datetime(raw) or parse_datetime(raw.replace(" ", "+"))
    except InputError:
        raise
    except (ValueError, OverflowError):  # well formed but impossible, e.g. 2025-02-30
        moment = None
    if moment is None:
        raise InputError(f"{raw[:40]!r} is not an ISO 8601 date and time, e.g. {EXAMPLE}")
    return check_moment(moment, naive_is_local=naive_is_local)


def parse_whole(text: str, *, lo: int, hi: int) -> int:
    """A whole number from ``lo`` to ``hi`` written in decimal digits."""
    raw = (text or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18 or not lo <= int(raw) <= hi:
        raise InputError(f"{raw[:40]!r} is not a whole number from {lo} to {hi}")
    return int(raw)


# --- the API schemas' types (pydantic: a ValueError becomes a 422 naming the parameter) ------------


def written_out(value):
    """``value`` unless it is a number: pydantic would read ``0`` or ``"1700000000"`` as seconds since
    1970, a day or moment nobody wrote; the API takes dates and date-times only in ISO 8601."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.match(value)):
        raise InputError(
            f"{str(value)[:40]!r} is a number, not an ISO 8601 date (2025-03-01) or date-time ({EXAMPLE})"
        )
    return value


Moment = Annotated[datetime, BeforeValidator(written_out), AfterValidator(check_moment)]
"""An aware date-time in the calendar's years (a naive one is refused: say which zone you mean)."""
Day = Annotated[date, BeforeValidator(written_out), AfterValidator(check_day)]
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE, description=f"Page number, from 1 to {MAX_PAGE}.")]


# --- the pages' form fields ----------------------------------------------------------------------


class DayField(forms.DateField):
    """A date in the calendar's years."""

    def validate(self, value):
        super().validate(value)
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise forms.ValidationError(
                _("Give a date from %(first)d to %(last)d."),
                code="out_of_range",
                params={"first": MIN_YEAR, "last": MAX_YEAR},
            )


class MomentField(forms.DateTimeField):
    """A date and time (local to the town when no offset is given) in the calendar's years."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except OverflowError:  # year 9999 made aware in a zone east of UTC
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        try:
            check_moment(value, naive_is_local=True)
        except InputError:
            raise forms.ValidationError(
                _("Give a date and time from %(first)d to %(last)d."),
                code="out_of_range",
                params={"first": MIN_YEAR, "last": MAX_YEAR},
            ) from None


MAX_ID = 2**63 - 1  # the largest primary key of a BigAutoField
Id = Annotated[int, Field(ge=1, le=MAX_ID, description="An object's id.")]
"""An id in a path: a larger number would overflow the database's integer, not just find nothing."""

Username = Annotated[
    str,
    Field(
        min_length=1,
        max_length=150,
        pattern=r"^[\w.@+-]+$",
        description="A user name: letters, digits and @ . + - _ (as accounts are named).",
    ),
]
"""A user name in a filter: anything else can name no account, and is refused (422) rather than
searched for."""


class IdConverter:
    """``<id:pk>`` in URL patterns: an id of at most 18 digits (a longer one is no URL here: 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


# --- command-line arguments (argparse types: a bad value is a usage error naming the option) ------


def cli_day(text: str) -> date:
    """A YYYY-MM-DD argument in the calendar's years."""
    import argparse

    try:
        return check_day(date.fromisoformat(text))
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; give YYYY-MM-DD") from None


def cli_whole(lo: int, hi: int):
    """An argparse type for a whole number from ``lo`` to ``hi``."""
    import argparse

    def read(text: str) -> int:
        try:
            return parse_whole(text, lo=lo, hi=hi)
        except InputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    read.__name__ = "whole number"
    return read
