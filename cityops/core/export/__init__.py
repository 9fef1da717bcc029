"""Every table export of cityops — lists, KPI tables, the import-format files — as CSV or XLSX,
streamed: the first bytes leave while the first rows are read, so an export of any size starts at
once and never sits in memory.

A view describes its table (``Sheet``: columns and an iterable of rows, ideally from
``QuerySet.values_list(...).iterator()``) and returns ``download(...)``. What a cell may hold — and
the neutralising of formula-looking text — lives in ``cells``; the XLSX writer in ``xlsx``.

CSV: UTF-8 with a BOM (Excel reads a CSV as the machine's code page, GBK in China, unless it starts
with one), CRLF lines, date-times in the town's local time.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

from django.http import StreamingHttpResponse
from django.utils import timezone, translation

from cityops.core.export.cells import csv_text, csv_unescape, is_number
from cityops.core.export.table import CSV_TIME, Column, Sheet, chunked, columns
from cityops.core.export.xlsx import CONTENT_TYPE as XLSX_TYPE
from cityops.core.export.xlsx import xlsx_stream

__all__ = [
    "Column",
    "Sheet",
    "chunked",
    "columns",
    "csv_download",
    "csv_stream",
    "csv_unescape",
    "download",
    "file_bytes",
    "local_time",
    "xlsx_stream",
]

BOM = "\ufeff"
CSV_TYPE = "text/csv; charset=utf-8"
CSV_FLUSH_CHARS = 64 << 10  # rows gathered into pieces of about this size (one write each)


def local_time(value) -> str:
    """A date-time as people read it in the town (Asia/Shanghai), to the second; None is empty."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _csv_cell(value, time_format: str, zone):
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return csv_text(value)
    if kind is int or kind is float or kind is bool:
        return value
    if kind is datetime:
        return (value.astimezone(zone) if value.tzinfo else value).strftime(time_format)
    if kind is date:
        return value.isoformat()
    if is_number(value):  # decimals, enum members that are numbers
        return value
    return csv_text(str(value))  # lazy translations, text enums …


def csv_stream(sheet: Sheet) -> Iterator[bytes]:
    """One table as CSV in pieces, produced while the rows are read."""
    formats = [CSV_TIME.get(c.format or "", CSV_TIME["datetime_seconds"]) for c in sheet.columns]
    zone = timezone.get_default_timezone()  # the town's time, as in the XLSX
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    if sheet.header:
        writer.writerow([csv_text(t) for t in sheet.titles])
    yield buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    for row in sheet.rows:
        writer.writerow([_csv_cell(v, f, zone) for v, f in zip(row, formats, strict=False)])
        if buffer.tell() >= CSV_FLUSH_CHARS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _stream(fmt: str, sheets: Sequence[Sheet]) -> Iterator[bytes]:
    if fmt == "xlsx":
        return xlsx_stream(sheets)
    if fmt == "csv":
        if len(sheets) != 1:
            raise ValueError("a CSV file holds one table")
        return csv_stream(sheets[0])
    raise ValueError(f"unknown export format {fmt!r}; use csv or xlsx")


def file_bytes(*, fmt: str, sheets: Sequence[Sheet]) -> bytes:
    """The whole file at once, for files written to disk (the commands) and small downloads."""
    return b"".join(_stream(fmt, sheets))


def download(
    *, name: str, fmt: str, sheets: Sequence[Sheet], stamp_format: str | None = "%Y%m%d"
) -> StreamingHttpResponse:
    """``sheets`` as ``<name>-<local time in stamp_format>.<fmt>``, streamed."""
    chunks = _stream(fmt, sheets)
    language = translation.get_language()

    def in_language():
        with translation.override(language):  # the rows are read after the view has returned
            yield from chunks

    response = StreamingHttpResponse(in_language(), content_type=XLSX_TYPE if fmt == "xlsx" else CSV_TYPE)
    stamp = f"-{timezone.localtime().strftime(stamp_format)}" if stamp_format else ""
    response["Content-Disposition"] = f'attachment; filename="{name}{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"  # scoped data: no shared cache keeps a copy
    response["X-Accel-Buffering"] = "no"  # a buffering proxy would hold back the first bytes
    return response


def csv_download(
    *, name: str, header: Sequence, rows: Iterable[Sequence], stamp_format: str = "%Y%m%d"
) -> StreamingHttpResponse:
    """``rows`` under ``header`` as a CSV download (a one-sheet ``download``)."""
    return download(
        name=name, fmt="csv", sheets=[Sheet(name, columns(header), rows)], stamp_format=stamp_format
    )
