"""XLSX written as a stream: each sheet's XML row by row, deflated into a zip that goes out while
the rows are still being read.

Python's ``zipfile`` writes to an unseekable stream by itself (each entry's sizes follow its data in
a data descriptor), so no library is needed (``docs/architecture.md`` says why not one). The
workbook is the minimal SpreadsheetML package (ECMA-376): the sheets, a styles part with the
number formats below, the workbook and its relationships, and the content types, written last,
when the number of sheets is known (a zip's entries may come in any order). Every cell carries its
reference and no entry uses ZIP64, for the readers that are stricter than Excel.

Cells: numbers are numbers, dates and date-times real Excel dates in the town's time zone with a
date format, text inline strings (XML-escaped, without the characters XML cannot hold, cut at
Excel's 32,767 characters). Formula-looking text is text with the quote-prefix style: it never runs.
"""

import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from xml.sax.saxutils import quoteattr

from django.utils import timezone

from cityops.core.export.cells import MAX_TEXT, clean_text, excel_serial, is_number, looks_like_formula
from cityops.core.export.table import FORMATS, Column, Sheet

MAX_ROWS = 1_048_576  # rows of one Excel sheet, the header included; more continue on a new sheet
# A sheet's XML stays under 4 GiB, so that no entry needs ZIP64 (Excel refuses some ZIP64 forms).
MAX_SHEET_BYTES = 3 << 30
FLUSH_BYTES = 256 << 10  # hand the compressed bytes on in pieces of about this size
ROWS_PER_WRITE = 200  # rows joined before they go to the compressor (fewer, larger writes)
COMPRESS_LEVEL = 1  # the fastest deflate: the XML is repetitive, level 1 already shrinks it ~8×
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# cellXfs: 0 general, 1 bold header, 2 text with the quote prefix, then one per format of FORMATS
STYLE = {name: 3 + i for i, name in enumerate(FORMATS)}
BOLD, QUOTED = 1, 2


def _styles() -> str:
    formats = "".join(
        f'<numFmt numFmtId="{164 + i}" formatCode={quoteattr(code)}/>'
        for i, code in enumerate(FORMATS.values())
    )
    xfs = (
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    ) + "".join(
        f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        for i in range(len(FORMATS))
    )
    return (
        f'{HEAD}<styleSheet xmlns="{MAIN}">'
        f'<numFmts count="{len(FORMATS)}">{formats}</numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{3 + len(FORMATS)}">{xfs}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def column_letter(index: int) -> str:
    """The letters of a 0-based column index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _text_tail(value: str, style: int = 0) -> str:
    """An inline-string cell after its reference: style, type and the escaped text."""
    value = clean_text(value)
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    if not style and looks_like_formula(value):
        style = QUOTED
    s = f' s="{style}"' if style else ""
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'{s} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>'


class _Rows:
    """Writes rows of one sheet as XML; short texts (names, labels), which repeat down a column, are
    escaped once and remembered."""

    CACHED_CHARS = 64
    CACHE_SIZE = 50_000

    def __init__(self, cols: Sequence[Column], zone):
        def attr(name):
            return f' s="{STYLE[name]}"' if name else ""

        self.letters = [column_letter(i) for i in range(len(cols))]
        self.number = [attr(c.format if c.format in ("percent", "decimal") else None) for c in cols]
        self.datetime = [
            attr(c.format if c.format in ("datetime", "datetime_seconds") else "datetime_seconds")
            for c in cols
        ]
        self.date = attr("date")
        self.zone = zone
        self.texts: dict[str, str] = {}

    def text(self, value: str) -> str:
        tail = self.texts.get(value)
        if tail is None:
            tail = _text_tail(value)
            if len(value) <= self.CACHED_CHARS and len(self.texts) < self.CACHE_SIZE:
                self.texts[value] = tail
        return tail

    def header(self, titles: Sequence[str]) -> str:
        cells = (f'<c r="{self.letters[i]}1"{_text_tail(t, BOLD)}' for i, t in enumerate(titles))
        return f'<row r="1">{"".join(cells)}</row>'

    def row(self, number: int, values: Sequence) -> str:
        if len(values) > len(self.letters):
            raise ValueError("a row has more cells than its sheet has columns")
        cells = []
        add = cells.append
        known = self.texts.get
        n = str(number)
        for i, value in enumerate(values):
            if value is None or value == "":
                continue
            kind = type(value)
            if kind is str:
                add(f'<c r="{self.letters[i]}{n}"{known(value) or self.text(value)}')
            elif kind is int or kind is Decimal or (kind is float and is_number(value)):
                add(f'<c r="{self.letters[i]}{n}"{self.number[i]}><v>{value}</v></c>')
            elif kind is datetime:
                add(
                    f'<c r="{self.letters[i]}{n}"{self.datetime[i]}><v>{excel_serial(value, self.zone)!r}</v></c>'
                )
            elif kind is date:
                add(f'<c r="{self.letters[i]}{n}"{self.date}><v>{excel_serial(value, self.zone)!r}</v></c>')
            elif kind is bool:
                add(f'<c r="{self.letters[i]}{n}" t="b"><v>{int(value)}</v></c>')
            elif is_number(value):  # subclasses of int (enum members) …
                add(f'<c r="{self.letters[i]}{n}"{self.number[i]}><v>{value}</v></c>')
            else:  # lazy translations, text enum members, nan …
                add(f'<c r="{self.letters[i]}{n}"{self.text(str(value))}')
        return f'<row r="{n}">{"".join(cells)}</row>'


def _sheet_head(sheet: Sheet) -> str:
    frozen = sheet.frozen_columns
    if sheet.header:
        corner = f"{column_letter(frozen)}2"
        split = f'xSplit="{frozen}" ' if frozen else ""
        pane = "bottomRight" if frozen else "bottomLeft"
        view = f'<pane {split}ySplit="1" topLeftCell="{corner}" activePane="{pane}" state="frozen"/>'
    else:
        view = ""
    widths = "".join(
        f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"/>'
        for i, c in enumerate(sheet.columns, 1)
        if c.width
    )
    return (
        f'{HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
        f'<sheetViews><sheetView workbookViewId="0">{view}</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"{f'<cols>{widths}</cols>' if widths else ''}<sheetData>"
    )


SHEET_TAIL = "</sheetData></worksheet>"
_DONE = object()  # a sheet's rows have all been written
FORBIDDEN_IN_TITLES = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def sheet_title(title: str, taken: set[str], part: int = 1) -> str:
    """A title Excel accepts: at most 31 characters, none of []:*?/\\, unique (case-insensitively)."""
    base = clean_text(str(title)).translate(FORBIDDEN_IN_TITLES).strip("'") or "Sheet"
    n = part
    while True:
        suffix = f" ({n})" if n > 1 else ""
        name = base[: 31 - len(suffix)] + suffix
        if name.lower() not in taken:
            taken.add(name.lower())
            return name
        n += 1


class _Sink:
    """An unseekable file: zipfile writes into it, the stream takes what has gathered."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def _entry(book: zipfile.ZipFile, name: str):
    info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = COMPRESS_LEVEL  # ZipInfo has no public setter before Python 3.13
    return book.open(info, "w")


class _Writer:
    def __init__(self, max_rows: int):
        self.sink = _Sink()
        self.book = zipfile.ZipFile(self.sink, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL)
        self.max_rows = max_rows
        self.titles: list[str] = []
        self.taken: set[str] = set()
        self.zone = timezone.get_default_timezone()
        self.started = False

    def sheet(self, sheet: Sheet) -> Iterator[bytes]:
        """The sheet's parts: a new one whenever the rows reach the limit or the XML its size."""
        writer = _Rows(sheet.columns, self.zone)
        rows: Iterator = iter(sheet.rows)
        part = 1
        while True:
            leftover = yield from self._part(sheet, part, rows, writer)
            if leftover is _DONE:
                return
            part, rows = part + 1, chain([leftover], rows)

    def _part(self, sheet: Sheet, part: int, rows: Iterator, writer: _Rows):
        """Write one sheet part; the row that did not fit (to begin the next part), or _DONE."""
        self.titles.append(sheet_title(sheet.title, self.taken, part))
        out = _entry(self.book, f"xl/worksheets/sheet{len(self.titles)}.xml")
        if not self.started:  # the download begins before the first row is read
            self.started = True
            yield self.sink.take()
        size, batch, number = 0, [_sheet_head(sheet)], 0
        if sheet.header:
            number = 1
            batch.append(writer.header(sheet.titles))
        leftover = _DONE
        for row in rows:
            if number >= self.max_rows or size >= MAX_SHEET_BYTES:
                leftover = row
                break
            number += 1
            batch.append(writer.row(number, row))
            if len(batch) >= ROWS_PER_WRITE:
                size += out.write("".join(batch).encode())
                batch.clear()
                if self.sink.size >= FLUSH_BYTES:
                    yield self.sink.take()
        batch.append(SHEET_TAIL)
        out.write("".join(batch).encode())
        out.close()
        return leftover

    def finish(self) -> bytes:
        count = len(self.titles)
        sheets = "".join(
            f'<sheet name={quoteattr(t)} sheetId="{i}" r:id="rId{i}"/>' for i, t in enumerate(self.titles, 1)
        )
        parts = {
            "xl/workbook.xml": f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>",
            "xl/_rels/workbook.xml.rels": f'{HEAD}<Relationships xmlns="{PKG_REL}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, count + 1)
            )
            + f'<Relationship Id="rId{count + 1}" Type="{REL}/styles" Target="styles.xml"/></Relationships>',
            "xl/styles.xml": _styles(),
            "_rels/.rels": f'{HEAD}<Relationships xmlns="{PKG_REL}">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
            "[Content_Types].xml": _content_types(count),
        }
        for name, text in parts.items():
            with _entry(self.book, name) as out:
                out.write(text.encode())
        self.book.close()
        return self.sink.take()


def _content_types(sheets: int) -> str:
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{office}.worksheet+xml"/>'
        for i in range(1, sheets + 1)
    )
    return (
        f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{office}.styles+xml"/>'
        f"{overrides}</Types>"
    )


def xlsx_stream(sheets: Iterable[Sheet], *, max_rows: int | None = None) -> Iterator[bytes]:
    """The workbook of ``sheets`` in pieces, produced while the rows are read; ``max_rows`` per
    sheet (the header included) defaults to Excel's limit."""
    writer = _Writer(max_rows or MAX_ROWS)
    for sheet in sheets:
        yield from writer.sheet(sheet)
        if writer.sink.size:
            yield writer.sink.take()
    yield writer.finish()
