"""Lists as CSV downloads: streamed row by row, UTF-8 with a BOM, cells no spreadsheet runs.

A list's export is its page's query without the paging: the view hands over the header (in the
user's language) and an iterable of rows, ideally from ``QuerySet.iterator`` so that a hundred
thousand rows never sit in memory at once.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from django.http import StreamingHttpResponse
from django.utils import timezone, translation

BOM = "\ufeff"  # Excel reads a CSV as the machine's code page (GBK in China) unless it starts with one
# A text cell starting with one of these is a formula to a spreadsheet (CSV injection): it gets a
# leading apostrophe, which the spreadsheet shows as text. Numbers pass as numbers.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write returns what it was given (csv.writer then yields lines)."""

    def write(self, value: str) -> str:
        return value


def cell(value) -> object:
    """A value as a CSV cell: None is empty, a text that a spreadsheet would run is quoted."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    if isinstance(value, bool | int | float):
        return value
    return cell(str(value))  # lazy translations, dates already formatted …


def local_time(value) -> str:
    """A date-time as people read it in the town (Asia/Shanghai), to the second; None is empty."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def chunked(items: Iterable, size: int) -> Iterator[list]:
    """``items`` in lists of ``size`` (the last one shorter), for one lookup per chunk of rows."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def csv_download(
    *, name: str, header: Sequence, rows: Iterable[Sequence], stamp_format: str = "%Y%m%d"
) -> StreamingHttpResponse:
    """``rows`` under ``header`` as ``<name>-<local time in stamp_format>.csv``, streamed."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    language = translation.get_language()
    first = BOM + writer.writerow([cell(h) for h in header])

    def lines():
        with translation.override(language):  # rows are written after the view has returned
            yield first
            for row in rows:
                yield writer.writerow([cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime(stamp_format)
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"  # scoped data: no shared cache keeps a copy
    return response
