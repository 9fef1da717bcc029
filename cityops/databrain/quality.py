"""The quality checks of a loaded value: what is wrong with it, if anything. A bad value is kept as
it came and flagged; nothing here drops or rewrites it (a valid date is written as YYYY-MM-DD).

The checksums come from python-stdnum: ``stdnum.cn.ric`` for the resident ID (GB 11643: 18
characters, the ISO 7064 MOD 11-2 check character, a real birth date, a known GB/T 2260 place) and
``stdnum.cn.uscc`` for the unified social credit code (GB 32100: 18 characters of the 31-character
set, the MOD 31 check character). Division codes are looked up in stdnum's GB/T 2260 table, mobile
numbers checked as 11 digits starting 13–19 (a +86 or 86 prefix allowed).
"""

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from cityops.databrain.choices import FieldType, Problem, Rule

MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
DIVISION = re.compile(r"^\d{6}$")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")
INTEGER = re.compile(r"^[+-]?\d+$")


def _cache_places() -> None:
    """stdnum finds a GB/T 2260 code by walking its table (about 0.5 ms a lookup, the most of a
    resident ID's check); a file of a million IDs has a few hundred distinct places, so the table's
    answers are memoised on the one table object stdnum keeps (``ric.validate`` uses the same)."""
    db = numdb.get("cn/loc")
    if not hasattr(db.info, "cache_info"):
        db.info = functools.lru_cache(maxsize=65536)(db.info)


_cache_places()


@dataclass(frozen=True)
class Finding:
    problem: str
    detail: str = ""


def _stdnum_detail(exc: ValidationError) -> str:
    if isinstance(exc, InvalidChecksum):
        return _("wrong check character")
    if isinstance(exc, InvalidLength):
        return _("wrong length")
    if isinstance(exc, InvalidFormat):
        return _("wrong characters")
    if isinstance(exc, InvalidComponent):
        return _("impossible birth date or unknown place code")
    return str(exc)


def known_division(code: str) -> bool:
    """A GB/T 2260 code of a province, prefecture or county in stdnum's table."""
    if not DIVISION.match(code):
        return False
    info = numdb.get("cn/loc").info(code)
    return bool(info) and all(props for _part, props in info)


def parse_date(text: str, formats: tuple[str, ...] = DATE_FORMATS) -> date | None:
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def check(field, text: str) -> tuple[str, list[Finding]]:
    """The value to store (a date normalised, anything else as given) and what is wrong with it."""
    value, found = checker(field)(text)
    return value, list(found)


# ---- the checks of one field, compiled once per load -----------------------------------------------
#
# A load checks hundreds of thousands of values with the same few fields, so each field's checks
# are put together once (``checker``) and the common well-formed value takes a short path that
# gives exactly what the general one would:
#
# - a resident ID or credit code that is already compact (18 ASCII characters of its alphabet,
#   which stdnum's ``compact`` leaves as they are) is checked with stdnum's own check-character
#   function, then (resident IDs) its birth date and its place in that year with stdnum's own
#   functions, each memoised on the characters it reads; anything else goes through stdnum's ``validate`` as before;
# - a date as YYYY-MM-DD is read by its digits (what ``%Y-%m-%d`` reads it as); any other text tries
#   the formats with the one that last worked in this column first (their separators differ, so
#   at most one format can read a text and the order cannot change the answer);
# - a mobile of 11 plain digits skips removing spaces and dashes.

RIC_FAST = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
USCC_FAST = re.compile(r"[0-9]{8}[0-9ABCDEFGHJKLMNPQRTUWXY]{10}", re.ASCII)
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
MOBILE_PLAIN = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
SEPARATORS = re.compile(r"[\s-]")
NONE: tuple = ()


@functools.lru_cache(maxsize=1 << 16)
def _ric_birth_date(digits: str) -> bool:
    """Whether stdnum reads a real birth date in a resident ID's characters 7–14."""
    try:
        ric.get_birth_date(f"000000{digits}0000")
    except ValidationError:
        return False
    return True


@functools.lru_cache(maxsize=1 << 16)
def _ric_birth_place(place: str, year: str) -> bool:
    """Whether stdnum knows the place code as a county in that year (its ``get_birth_place``)."""
    try:
        ric.get_birth_place(f"{place}{year}01010000")
    except ValidationError:
        return False
    except KeyError:  # a known province, an unknown county (449999): stdnum fails to look it up
        return False
    return True


def _resident_id(text: str) -> ValidationError | None:
    if RIC_FAST.fullmatch(text):
        if text[-1] != ric.calc_check_digit(text):
            return InvalidChecksum()
        if _ric_birth_date(text[6:14]) and _ric_birth_place(text[:6], text[6:10]):
            return None
        return InvalidComponent()
    try:
        ric.validate(text)
    except ValidationError as exc:
        return exc
    except KeyError:
        return InvalidComponent()
    return None


def _credit_code(text: str) -> ValidationError | None:
    if USCC_FAST.fullmatch(text):
        return InvalidChecksum() if text[-1] != uscc.calc_check_digit(text) else None
    try:
        uscc.validate(text)
    except ValidationError as exc:
        return exc
    return None


@functools.lru_cache(maxsize=65536)
def _known_division(text: str) -> bool:
    return known_division(text)


def _rule_check(rule: str):
    """The rule's check: text → its findings (an empty tuple for a good value)."""
    none = NONE
    if rule in (Rule.RESIDENT_ID, Rule.CREDIT_CODE):
        validate = _resident_id if rule == Rule.RESIDENT_ID else _credit_code
        problem = Problem.RESIDENT_ID if rule == Rule.RESIDENT_ID else Problem.CREDIT_CODE
        return lambda text: (
            none if (exc := validate(text)) is None else [Finding(problem, _stdnum_detail(exc))]
        )
    if rule == Rule.MOBILE:
        bad = (Finding(Problem.MOBILE, _("11 digits starting 13–19")),)

        def mobile(text):
            if MOBILE_PLAIN.fullmatch(text) or MOBILE.match(SEPARATORS.sub("", text)):
                return none
            return bad

        return mobile
    if rule == Rule.DIVISION:
        return lambda text: none if _known_division(text) else [Finding(Problem.DIVISION)]
    return None


class _Dates:
    """Dates of one column: YYYY-MM-DD read by its digits, else the last format that worked first."""

    def __init__(self):
        self.formats = DATE_FORMATS

    def __call__(self, text: str) -> date | None:
        if m := ISO_DATE.fullmatch(text):
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
        for fmt in self.formats:
            try:
                day = datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            if fmt != self.formats[0]:
                self.formats = (fmt, *(f for f in DATE_FORMATS if f != fmt))
            return day
        return None


def _kind_check(kind: str):
    """The data type's check: text → (the value to store, its findings), or None for text."""
    if kind == FieldType.DATE:
        dates, bad = _Dates(), (Finding(Problem.DATE, _("use YYYY-MM-DD")),)

        def date_check(text):
            day = dates(text)
            return (text, bad) if day is None else (day.isoformat(), NONE)

        return date_check
    if kind == FieldType.INTEGER:
        bad = (Finding(Problem.NUMBER, _("not a whole number")),)
        return lambda text: (text, NONE if INTEGER.match(text.replace(",", "")) else bad)
    if kind == FieldType.NUMBER:
        bad = (Finding(Problem.NUMBER),)

        def number_check(text):
            try:
                float(text.replace(",", ""))
            except ValueError:
                return text, bad
            return text, NONE

        return number_check
    return None


def checker(field):
    """``check`` for one field, put together once: text → (value to store, findings), the findings
    a tuple or list (an empty tuple when there are none)."""
    missing = (Finding(Problem.REQUIRED),) if field.required else NONE
    length = field.length
    kind = _kind_check(field.type)
    rule = _rule_check(field.rule)

    def run(text: str):
        if not text:
            return text, missing
        found = NONE
        if kind is not None:
            text, found = kind(text)
        if length and len(text) > length:
            too_long = _("%(n)s characters, at most %(max)s") % {"n": len(text), "max": length}
            found = [*found, Finding(Problem.TOO_LONG, too_long)]
        if rule is not None and (more := rule(text)):
            found = [*found, *more]
        return text, found

    return run
