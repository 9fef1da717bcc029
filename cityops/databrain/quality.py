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


def parse_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def check(field, text: str) -> tuple[str, list[Finding]]:
    """The value to store (a date normalised, anything else as given) and what is wrong with it."""
    if not text:
        return text, [Finding(Problem.REQUIRED)] if field.required else []
    found = []
    if field.type == FieldType.DATE:
        day = parse_date(text)
        if day is None:
            found.append(Finding(Problem.DATE, _("use YYYY-MM-DD")))
        else:
            text = day.isoformat()
    elif field.type == FieldType.INTEGER:
        if not INTEGER.match(text.replace(",", "")):
            found.append(Finding(Problem.NUMBER, _("not a whole number")))
    elif field.type == FieldType.NUMBER:
        try:
            float(text.replace(",", ""))
        except ValueError:
            found.append(Finding(Problem.NUMBER))
    if field.length and len(text) > field.length:
        found.append(
            Finding(
                Problem.TOO_LONG,
                _("%(n)s characters, at most %(max)s") % {"n": len(text), "max": field.length},
            )
        )
    found += _rule(field.rule, text)
    return text, found


def _rule(rule: str, text: str) -> list[Finding]:
    if rule == Rule.RESIDENT_ID:
        try:
            ric.validate(text)
        except ValidationError as exc:
            return [Finding(Problem.RESIDENT_ID, _stdnum_detail(exc))]
    elif rule == Rule.CREDIT_CODE:
        try:
            uscc.validate(text)
        except ValidationError as exc:
            return [Finding(Problem.CREDIT_CODE, _stdnum_detail(exc))]
    elif rule == Rule.MOBILE:
        if not MOBILE.match(re.sub(r"[\s-]", "", text)):
            return [Finding(Problem.MOBILE, _("11 digits starting 13–19"))]
    elif rule == Rule.DIVISION and not known_division(text):
        return [Finding(Problem.DIVISION)]
    return []
