"""Reading a file a data steward loads: CSV in UTF-8 (with or without a BOM) or GBK/GB18030, or an
XLSX workbook whose header may span several rows with merged cells.

A header of several rows is read column by column: the distinct non-empty titles above each column,
top to bottom, joined with "/" (业主信息 merged over three columns above 姓名, 身份证号, 电话 gives
业主信息/姓名 …). A merged cell counts as its first cell's value in every cell it covers, in the
header and in the data (a village name merged down its rows belongs to each of them).

A workbook that is encrypted (a password) or an old .xls is an OLE file, not a zip: it is named as
such instead of "broken".

A JSON file is an array of objects, or an object holding that array under a dotted path
(``result.records``). Nested objects are flattened with "/" as a multi-row header is
(``{"owner": {"name": …}}`` → ``owner/name``), so the mapping works the same; the columns are every
key in the order first seen; a list inside a record is kept as its JSON text. Records are numbered
from 1 in the order of the array (there is no header row).
"""

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from django.utils.translation import gettext as _

from cityops.core.tabular import cell

OLE = b"\xd0\xcf\x11\xe0"
ZIP = b"PK\x03\x04"
MAX_COLUMNS = 200


class Unreadable(ValueError):
    """The file as a whole cannot be read."""


@dataclass
class Sheet:
    file_format: str  # csv, xlsx or json
    encoding: str  # UTF-8, GB18030 or "" for a workbook
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # the non-blank rows after the header, with their numbers
    total: int = 0  # about how many rows (lines of a CSV, records of JSON): for a progress bar


def decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 first (strict), then GB18030 (a superset of GBK and GB2312)."""
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GB18030"
    except UnicodeDecodeError as exc:
        raise Unreadable(
            _("the file is neither UTF-8 nor GBK/GB18030 (byte offset %(offset)s)") % {"offset": exc.start}
        ) from None


def combine(header_rows: list[list[str]]) -> list[str]:
    """One title per column from several header rows."""
    width = max((len(r) for r in header_rows), default=0)
    titles = []
    for col in range(width):
        parts = []
        for r in header_rows:
            text = r[col].strip() if col < len(r) else ""
            if text and text not in parts:
                parts.append(text)
        titles.append("/".join(parts))
    return titles


def _split(
    records, header_rows: int, text: bool = False
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The combined header, and the non-blank rows after it (lazily, each with its row number);
    ``text`` when every value is a string already (CSV): trimmed only, as ``cell`` would."""
    records = iter(records)
    head = [[cell(v) for v in r][:MAX_COLUMNS] for r in islice(records, header_rows)]
    headers = combine(head)
    while headers and not headers[-1]:
        headers.pop()

    def rows():
        for number, record in enumerate(records, header_rows + 1):
            cells = (
                [v.strip() for v in record[:MAX_COLUMNS]] if text else [cell(v) for v in record][:MAX_COLUMNS]
            )
            if any(cells):
                while not cells[-1]:
                    cells.pop()
                yield number, cells

    return headers, rows()


def _read_csv(data: bytes, header_rows: int) -> Sheet:
    text, encoding = decode(data)
    try:
        headers, rows = _split(csv.reader(io.StringIO(text, newline="")), header_rows, text=True)
    except csv.Error as exc:
        raise Unreadable(_("the CSV cannot be read: %(error)s") % {"error": exc}) from None
    return Sheet("csv", encoding, headers, _csv_rows(rows), max(text.count("\n") + 1 - header_rows, 0))


def _csv_rows(rows):
    try:
        yield from rows
    except csv.Error as exc:
        raise Unreadable(_("the CSV cannot be read: %(error)s") % {"error": exc}) from None


def _read_xlsx(data: bytes, header_rows: int) -> Sheet:
    import openpyxl

    if data.startswith(OLE):
        raise Unreadable(
            _("the workbook is password-protected or an old .xls file; save it as .xlsx without a password")
        )
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # a broken zip or XML surfaces as many exception types
        raise Unreadable(
            _("the file is not a readable XLSX workbook (%(error)s)") % {"error": type(exc).__name__}
        ) from None
    sheet = book.worksheets[0]
    grid = [list(r) for r in sheet.iter_rows(values_only=True)]
    for merged in sheet.merged_cells.ranges:
        value = grid[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
            for c in range(merged.min_col - 1, min(merged.max_col, len(grid[r]))):
                grid[r][c] = value
    book.close()
    headers, rows = _split(grid, header_rows)
    return Sheet("xlsx", "", headers, rows, max(len(grid) - header_rows, 0))


def _flatten(value, prefix: str, out: dict) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{prefix}/{k}" if prefix else str(k), out)
    elif isinstance(value, list):
        out[prefix] = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    else:
        out[prefix] = cell(value)


def records_at(document, path: str) -> list[dict]:
    """The array of objects at the dotted ``path`` of a parsed JSON document ("" for the top)."""
    node, walked = document, []
    for part in [p for p in path.strip().split(".") if p]:
        if not isinstance(node, dict) or part not in node:
            where = ".".join(walked) or _("the top level")
            raise Unreadable(_("the JSON has no key %(key)s under %(where)s") % {"key": part, "where": where})
        node = node[part]
        walked.append(part)
    where = path.strip() or _("the top level")
    if not isinstance(node, list):
        hint = ""
        if isinstance(node, dict):
            arrays = [k for k, v in node.items() if isinstance(v, list)]
            if arrays:
                hint = " " + _("(name the key that holds it: %(keys)s)") % {"keys": ", ".join(arrays[:5])}
        raise Unreadable(
            _("the JSON at %(where)s is not an array of objects%(hint)s") % {"where": where, "hint": hint}
        )
    for n, item in enumerate(node, 1):
        if not isinstance(item, dict):
            raise Unreadable(
                _("item %(n)s of the JSON array at %(where)s is not an object") % {"n": n, "where": where}
            )
    return node


def parse_json(data: bytes):
    """The parsed document; a syntax error is named with its line and column."""
    text, _encoding = decode(data)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unreadable(
            _("the file is not valid JSON: %(error)s at line %(line)s, column %(column)s")
            % {"error": exc.msg, "line": exc.lineno, "column": exc.colno}
        ) from None
    except RecursionError:
        raise Unreadable(_("the JSON is nested too deeply")) from None


def flat_records(items: list[dict]) -> tuple[list[str], list[dict]]:
    """The columns (every key, first seen first) and each record flattened with "/"."""
    columns: dict[str, None] = {}
    flat = []
    for item in items:
        out: dict[str, str] = {}
        _flatten(item, "", out)
        flat.append(out)
        for k in out:
            columns.setdefault(k, None)
    headers = list(columns)[:MAX_COLUMNS]
    return headers, flat


def _read_json(data: bytes, json_path: str) -> Sheet:
    _text, encoding = decode(data)
    headers, flat = flat_records(records_at(parse_json(data), json_path))
    if not flat:
        raise Unreadable(_("the JSON array is empty"))

    def rows():
        for number, record in enumerate(flat, 1):
            cells = [record.get(h, "") for h in headers]
            if any(cells):
                while not cells[-1]:
                    cells.pop()
                yield number, cells

    return Sheet("json", encoding, headers, rows(), len(flat))


def is_json(data: bytes, filename: str) -> bool:
    if filename.lower().endswith(".json"):
        return True
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"[", b"{")


def read(data: bytes, filename: str, *, header_rows: int = 1, json_path: str = "") -> Sheet:
    """The headers and rows of a CSV, XLSX or JSON file; ``Unreadable`` names what is wrong with it."""
    if not data:
        raise Unreadable(_("the file is empty"))
    if is_json(data, filename) and not filename.lower().endswith((".csv", ".xlsx", ".xls")):
        sheet = _read_json(data, json_path)
    elif filename.lower().endswith((".xlsx", ".xls")) or data.startswith((ZIP, OLE)):
        sheet = _read_xlsx(data, header_rows)
    else:
        sheet = _read_csv(data, header_rows)
    if not any(sheet.headers):
        raise Unreadable(_("the file has no header row"))
    return sheet
