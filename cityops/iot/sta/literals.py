"""Values a client sends (a ``$filter`` literal, a query option, an id in a path, a JSON body) and the
bounds they must keep, checked where they are read so that nothing out of range reaches Python's
datetime arithmetic or the database driver (an int beyond 64 bits, an infinite float, an instant
outside years 1–9999 once in UTC).

Both compilers of a ``$filter`` tree (``sqlfilter`` for the database, ``pyfilter`` for readings
decoded from blocks) share the comparison rules and constants kept here, so neither imports the other.
"""

import json
import math
from datetime import UTC, datetime

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MIN_TIME = datetime(1, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
PARTS = ("year", "month", "day", "hour", "minute", "second")


class OutOfRange(ValueError):
    """A value that parses but that we cannot hold (its message says which and the bound)."""


def integer(text: str) -> int:
    """An integer literal within 64 bits, what both databases store."""
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise OutOfRange(f"the integer {_short(text)} is outside the 64-bit range (at most {INT64_MAX})")
    return value


def finite(text: str) -> float:
    """A decimal literal that is a finite double (``1e999`` is not)."""
    value = float(text)
    if not math.isfinite(value):
        raise OutOfRange(f"the number {_short(text)} is not a finite double")
    return value


def instant(text: str) -> datetime:
    """An ISO 8601 instant with an offset (``Z`` or ``±hh:mm``), in UTC; years 1–9999 once in UTC.

    Normalising here means no later arithmetic (to UTC, to milliseconds) can overflow, and no naive
    time is ever compared with an aware one."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"the instant {_short(text)} has no UTC offset (add Z or ±hh:mm)")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise OutOfRange(f"the instant {_short(text)} is outside years 1–9999 in UTC") from None


def entity_id(value) -> int | None:
    """The id a client gave (an integer, or its digits as a string like ``Things('5')``); None when
    it cannot be an id of this service."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT64_MAX:
        return None
    return value


def json_loads(raw: bytes | str):
    """A JSON document whose numbers we can store: integers within 64 bits, finite doubles, and
    none of Python's extensions (NaN, Infinity)."""

    def constant(name):
        raise OutOfRange(f"{name} is not a JSON number")

    return json.loads(raw, parse_int=integer, parse_float=finite, parse_constant=constant)


def compare(op: str, a, b):
    """True, False or None (unknown) like SQL."""
    if a is None or b is None:
        return None
    if isinstance(a, datetime) and isinstance(b, datetime):
        a, b = a.astimezone(UTC), b.astimezone(UTC)
    try:
        return {
            "eq": a == b,
            "ne": a != b,
            "gt": a > b,
            "ge": a >= b,
            "lt": a < b,
            "le": a <= b,
        }[op]
    except TypeError:
        return None


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."
