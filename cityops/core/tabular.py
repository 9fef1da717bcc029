"""Reading a table a person uploads (a CSV or an XLSX workbook) for an all-or-nothing import.

What every importer of rows needs, so that the device file and the camera registry read files the
same way: the text of a CSV in UTF-8 (with or without a BOM) or GBK/GB18030 (what Excel in China
writes), the first sheet of a workbook (or the one named), a size cap, a cap on the rows and on the
columns looked at, every cell as trimmed text (a date as YYYY-MM-DD, 3.0 as 3), blank rows left out
and each row kept with its number in the file (the header is row 1). The header is matched against
the importer's columns by English code or Chinese title, and problems are collected as
``{row, column, message}`` and refused together.

A merged header cell reads as its first cell's title and empty cells after it; empty header cells
are ignored, so a merged title spanning columns works as long as each column of data has its own
title underneath — the importers here have one header row, so nothing more is done about merges.
"""

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NoReturn

from django.utils.translation import gettext as _

from cityops.core.errors import ValidationFailed
from cityops.core.export import csv_unescape

# Cells to the right of the last column an importer knows that are still looked at; a bound, so that
# a crafted sheet with thousands of columns cannot make an import read millions of cells.
EXTRA_COLUMNS = 10


class Unreadable(ValueError):
    """The file as a whole cannot be read; nothing row by row can be said about it."""


@dataclass(frozen=True)
class Column:
    code: str  # the English header, and the name problems give the column
    title: str  # the Chinese header an export writes
    required: bool = False


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # the non-blank rows, each with its number (the header is 1)


def cell(value) -> str:
    """A cell as text: trimmed, a date as YYYY-MM-DD, a whole float without its ``.0``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else GBK/GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise Unreadable(
                _("the file is neither UTF-8 nor GBK/GB18030 (byte offset %(offset)s)")
                % {"offset": exc.start}
            ) from None


def _numbered(records, max_rows: int) -> list[tuple[int, list[str]]]:
    """The non-blank rows after the header with their numbers; one more than ``max_rows`` at most."""
    rows = []
    for number, record in enumerate(records, 2):
        cells = [cell(v) for v in record]
        if any(cells):
            rows.append((number, cells))
            if len(rows) > max_rows:
                break
    return rows


def _read_xlsx(data: bytes, sheet_name: str, width: int, max_rows: int) -> Table:
    import openpyxl  # only XLSX imports pay for loading it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a broken zip or XML surfaces as many exception types
        raise Unreadable(
            _("the file is not a readable XLSX workbook (%(error)s)") % {"error": type(exc).__name__}
        ) from None
    try:
        sheet = book[sheet_name] if sheet_name in book.sheetnames else book.worksheets[0]
        sheet.reset_dimensions()  # read the rows there are, not the size the file claims
        records = sheet.iter_rows(max_col=width, values_only=True)
        header = [cell(v) for v in next(records, ())]
        return Table(header, _numbered(records, max_rows))
    except Unreadable:
        raise
    except Exception as exc:
        raise Unreadable(_("the sheet cannot be read (%(error)s)") % {"error": type(exc).__name__}) from None
    finally:
        book.close()


def _read_csv(data: bytes, max_rows: int) -> Table:
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    unescaped = ([csv_unescape(v) for v in record] for record in reader)  # what the export escaped
    try:
        header = [cell(v) for v in next(unescaped, [])]
        return Table(header, _numbered(unescaped, max_rows))
    except csv.Error as exc:
        raise Unreadable(_("the CSV cannot be read: %(error)s") % {"error": exc}) from None


def read_table(
    data: bytes, filename: str, *, columns: int, max_bytes: int, max_rows: int, sheet_name: str = ""
) -> Table:
    """The header and the non-blank rows (``max_rows`` + 1 at most, to tell the limit is passed) of a
    CSV or XLSX upload of at most ``max_bytes``; ``columns`` is how many the importer knows."""
    if len(data) > max_bytes:
        raise Unreadable(_("the file is larger than %(mb)s MB") % {"mb": max_bytes // 1024 // 1024})
    if filename.lower().endswith(".xlsx") or data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, sheet_name, columns + EXTRA_COLUMNS, max_rows)
    return _read_csv(data, max_rows)


def getter(cells: list[str], index: dict[str, int]) -> Callable[[str], str]:
    """The text of a row's cell by column code ("" when the file has no such column)."""

    def get(code: str) -> str:
        pos = index.get(code)
        return cells[pos].strip() if pos is not None and pos < len(cells) else ""

    return get


def row_error(row: int | None, column: str | None, message: str) -> dict:
    """A problem of the file, its message beginning with where it is."""
    if row and column:
        where = _("row %(row)s, column %(column)s") % {"row": row, "column": column}
    elif row:
        where = _("row %(row)s") % {"row": row}
    elif column:
        where = _("column %(column)s") % {"column": column}
    else:
        where = ""
    return {"row": row, "column": column, "message": f"{where}: {message}" if where else message}


def header_index(
    header: list[str], columns: Sequence[Column], *, optional: Sequence[str] = ()
) -> tuple[dict[str, int], list[dict]]:
    """Column code → position, from English codes or Chinese titles; problems of row 1 (unknown or
    repeated columns, required ones missing unless in ``optional``)."""
    codes = [c.code for c in columns]
    titles = {c.title: c.code for c in columns}
    index, errors = {}, []
    for pos, text in enumerate(header):
        code = text.lower() if text.lower() in codes else titles.get(text)
        if code is None and text:
            errors.append(
                row_error(
                    1,
                    text,
                    _("unknown column %(name)r; the columns are %(codes)s")
                    % {"name": text, "codes": ", ".join(codes)},
                )
            )
        elif code in index:
            errors.append(row_error(1, code, _("the column appears twice")))
        elif code:
            index[code] = pos
    for c in columns:
        if c.required and c.code not in index and c.code not in optional:
            errors.append(row_error(1, c.code, _("this required column is missing")))
    return index, errors


@dataclass(frozen=True)
class Spec:
    """What an importer reads: its columns, the sheet of a workbook, its limits and how it says no."""

    columns: Sequence[Column]
    refused: str  # the detail of a refusal, with ``%(count)s`` problems (translated by the caller)
    sheet_name: str = ""
    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 50_000
    max_errors: int = 200


def refuse(errors: list[dict], spec: Spec) -> NoReturn:
    """Raise every problem at once, by row then column (the first ``spec.max_errors`` of them)."""
    codes = [c.code for c in spec.columns]
    errors = sorted(
        errors, key=lambda e: (e["row"] or 0, codes.index(e["column"]) if e["column"] in codes else 99)
    )
    detail = spec.refused % {"count": len(errors)}
    if len(errors) > spec.max_errors:
        detail += " " + _("The first %(count)s are listed.") % {"count": spec.max_errors}
    raise ValidationFailed(detail, errors=errors[: spec.max_errors])


def load(
    data: bytes, filename: str, spec: Spec, *, optional: Sequence[str] = ()
) -> tuple[Table, dict[str, int]]:
    """The table and its header's column positions; a file that cannot be read, has no header, too
    many rows or a wrong header is refused whole (``ValidationFailed``)."""
    try:
        table = read_table(
            data,
            filename,
            columns=len(spec.columns),
            max_bytes=spec.max_bytes,
            max_rows=spec.max_rows,
            sheet_name=spec.sheet_name,
        )
    except Unreadable as exc:
        refuse([row_error(None, None, str(exc))], spec)
    if not any(table.header):
        refuse([row_error(1, None, _("the file has no header row"))], spec)
    if len(table.rows) > spec.max_rows:
        refuse(
            [
                row_error(
                    None,
                    None,
                    _("the file has more than %(count)s rows; split it") % {"count": spec.max_rows},
                )
            ],
            spec,
        )
    index, errors = header_index(table.header, spec.columns, optional=optional)
    if errors:
        refuse(errors, spec)
    return table, index
