"""What a table cell may hold, for every export: the one place that neutralises formulas and
removes what a file cannot carry.

A text that starts like a formula is never run by a spreadsheet: in XLSX it is an inline string
with the "quote prefix" style (shown as text, and still text after someone edits the cell); in CSV,
which has no types, it gets a leading apostrophe, which Excel and WPS read as "this is text". The
apostrophe is reversible (``csv_unescape``), so files that are also import formats (the patrol item
catalogue, the device file) read back unchanged.
"""

import math
import re
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

# A text cell starting with one of these is a formula to a spreadsheet (CSV injection). The
# full-width forms are included: a Chinese input method types them, and some spreadsheets convert
# them on entry.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# The escape character itself is escaped too, so that unescaping is exact for every text.
CSV_ESCAPED_START = (*FORMULA_START, "'")
# Characters XML 1.0 cannot hold (control characters but tab and line breaks, lone surrogates,
# U+FFFE/U+FFFF): an XLSX holding one does not open. They are dropped from every text cell.
ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_TEXT = 32_767  # Excel's limit on the characters of one cell

EXCEL_EPOCH = datetime(1899, 12, 30)  # day 0 of Excel's 1900 date system (after its 1900 leap bug)
SECONDS_PER_DAY = 86_400
ONE_SECOND = timedelta(seconds=1)


def clean_text(value: str) -> str:
    """The text without the characters no file format here can hold."""
    return ILLEGAL.sub("", value) if not value.isprintable() else value


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def csv_text(text: str) -> str:
    """A text as a CSV cell: formula-looking text (and text starting with the escape) gets an
    apostrophe in front."""
    text = clean_text(text)
    return "'" + text if text.startswith(CSV_ESCAPED_START) else text


def csv_unescape(text: str) -> str:
    """The text a CSV cell was made from (``csv_text`` reversed); other text is left as it is."""
    if text.startswith("'") and text[1:].startswith(CSV_ESCAPED_START):
        return text[1:]
    return text


def is_number(value) -> bool:
    """A value written as a number: ints, finite floats and decimals (not booleans)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int | Decimal)


def excel_serial(value: date | datetime, zone: tzinfo) -> float:
    """A date or date-time as an Excel serial number, to the second (as the CSV writes it); aware
    date-times in ``zone`` (the town's)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone).replace(tzinfo=None)
        return (value - EXCEL_EPOCH) // ONE_SECOND / SECONDS_PER_DAY
    return float((value - EXCEL_EPOCH.date()).days)
