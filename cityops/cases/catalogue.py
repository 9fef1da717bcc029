"""The patrol item catalogue (巡查事项): importing and exporting it as CSV or XLSX.

The import reads the file, checks every row (``catalogue_rows``) against itself and the database,
and only then writes categories and items in one transaction: all of it, or nothing. The export
writes the same columns, so an exported file imports back unchanged.
"""

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import NoReturn

from django.db import transaction
from django.http import StreamingHttpResponse

from cityops.audit.services import audit_record
from cityops.cases.catalogue_rows import CODES, ItemRow, Table, check_stored, error, parse_items
from cityops.cases.models import ItemCategory, PatrolItem
from cityops.core.errors import ValidationFailed
from cityops.core.export import Sheet, columns, csv_unescape, download, file_bytes
from cityops.core.upsert import Outcome, upsert_by_code
from cityops.org.models import Department

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_ERRORS = 200
SHEET_NAME = "巡查事项"
# Cells to the right of the last header that are still looked at; a bound, so that a crafted sheet
# with thousands of columns cannot make the import read hundreds of millions of cells.
EXTRA_COLUMNS = 10
AUDIT_ACTION = "cases.catalogue.import"
AUDITED_CHANGES = 100  # items whose field changes the audit record spells out


class FileError(Exception):
    """The file as a whole cannot be read; nothing row by row can be said about it."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.message, self.row = message, row


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as gbk:
            # the encoding that read further is the one the file was meant to be in
            bad = max(utf8.start, gbk.start)
            raise FileError(
                f"the file is neither UTF-8 nor GBK/GB18030: byte 0x{data[bad]:02x} at offset {bad} cannot be read"
            ) from None


def _rows(records) -> list[tuple[int, list[str]]]:
    """The non-blank rows with their numbers, one more than the limit at most, to say it is passed."""
    rows = []
    for number, record in enumerate(records, 2):
        cells = [_cell(v) for v in record]
        if any(cells):
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                break
    return rows


def _read_csv(data: bytes) -> Table:
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    unescaped = ([csv_unescape(v) for v in record] for record in reader)  # what the export escaped
    try:
        header = [_cell(v) for v in next(unescaped, [])]
        return Table(header, _rows(unescaped))
    except csv.Error as exc:
        raise FileError(f"the CSV cannot be read: {exc}", row=reader.line_num) from None


def _read_xlsx(data: bytes) -> Table:
    import openpyxl  # only XLSX imports pay for loading it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a broken zip or XML surfaces as any of a dozen exception types
        raise FileError(f"the file is not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    try:
        sheet = book[SHEET_NAME] if SHEET_NAME in book.sheetnames else book.worksheets[0]
        sheet.reset_dimensions()  # read the rows there are, not the size the file claims
        header = [_cell(v) for v in next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())]
        width = len(header) + EXTRA_COLUMNS
        return Table(header, _rows(sheet.iter_rows(min_row=2, max_col=width, values_only=True)))
    except Exception as exc:
        raise FileError(f"the sheet cannot be read ({type(exc).__name__}: {exc})") from None
    finally:
        book.close()


def read_table(data: bytes, filename: str) -> Table:
    """The header and the non-blank rows of a CSV or XLSX file; FileError if it cannot be read."""
    if len(data) > MAX_BYTES:
        raise FileError(
            f"the file is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB"
        )
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "xlsx" or (not suffix and data.startswith(b"PK\x03\x04")):
        table = _read_xlsx(data)
    elif suffix in ("csv", "txt", ""):
        table = _read_csv(data)
    else:
        raise FileError(f"'{filename}' is not a .csv or .xlsx file (an .xls workbook must be saved as .xlsx)")
    if not any(table.header):
        raise FileError("the file has no header row", row=1)
    if not table.rows:
        raise FileError("the file has a header row but no items")
    if len(table.rows) > MAX_ROWS:
        raise FileError(f"the file has more than {MAX_ROWS} items; split it into several files")
    return table


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    categories_created: int = 0
    categories_updated: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.categories_created or self.categories_updated)


def _refuse(errors: list[dict]) -> NoReturn:
    errors = sorted(errors, key=lambda e: e["row"] or 0)  # stable: within a row, columns in file order
    detail = f"The catalogue was not imported: {len(errors)} problem(s) found; nothing was written."
    if len(errors) > MAX_ERRORS:
        detail += f" The first {MAX_ERRORS} are listed; {len(errors) - MAX_ERRORS} more are not."
    raise ValidationFailed(detail, errors=errors[:MAX_ERRORS])


def _stored_categories() -> dict[str, tuple[str, str | None]]:
    rows = ItemCategory.objects.values_list("code", "kind", "parent__code")
    return {code: (kind, parent) for code, kind, parent in rows}


def _write_categories(items: list[ItemRow], counts: dict) -> dict[str, int]:
    """Big categories, then small ones under them; the ids by code."""
    bigs = {it.big[0]: (it.big[1], it.kind, None) for it in items}
    smalls = {it.small[0]: (it.small[1], it.kind, it.big[0]) for it in items}
    ids: dict[str, int] = {}
    for level in (bigs, smalls):
        for code, (name, kind, parent) in level.items():
            fields = {"name": name, "kind": kind, "parent_id": ids[parent] if parent else None}
            obj, outcome, _ = upsert_by_code(ItemCategory, code, fields)
            ids[code] = obj.pk
            counts[f"categories_{outcome.value}"] += 1
    return ids


def _write_items(items: list[ItemRow], categories: dict[str, int], counts: dict) -> dict:
    """Every item upserted by code; the field changes of the first updated ones, for the audit."""
    departments = dict(Department.objects.values_list("code", "pk"))
    changes = {}
    for it in items:
        fields = {
            **it.fields,
            "category_id": categories[it.small[0]],
            "big_category_id": categories[it.big[0]],
            "department_id": departments[it.department],
        }
        _, outcome, changed = upsert_by_code(PatrolItem, it.code, fields)
        counts[outcome.value] += 1
        if outcome is Outcome.UPDATED and len(changes) < AUDITED_CHANGES:
            changes[it.code] = {k: list(v) for k, v in changed.items()}
    return changes


def _write(items: list[ItemRow]) -> tuple[ImportResult, dict]:
    counts: Counter = Counter()
    changes = _write_items(items, _write_categories(items, counts), counts)
    result = ImportResult(
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        categories_created=counts["categories_created"],
        categories_updated=counts["categories_updated"],
    )
    return result, changes


def catalogue_import(*, data: bytes, filename: str, by=None, actor_name: str = "") -> ImportResult:
    """Check a catalogue file completely, then write all its categories and items, or nothing."""
    try:
        table = read_table(data, filename)
    except FileError as exc:
        _refuse([error(exc.row, None, exc.message)])
    parsed = parse_items(table)
    with transaction.atomic():
        departments = set(Department.objects.values_list("code", flat=True))
        errors = parsed.errors + check_stored(parsed, departments, _stored_categories())
        if errors:
            _refuse(errors)
        result, changes = _write(parsed.items)
        if result.changed:
            audit_record(
                action=AUDIT_ACTION,
                actor=by,
                actor_name=actor_name,
                object_type="cases.patrolitem",
                after={"file": filename, **asdict(result), "changes": changes},
            )
    return result


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _record(item: PatrolItem) -> dict:
    return {
        "code": item.code,
        "name": item.name,
        "kind": item.kind,
        "big_category_code": item.big_category.code,
        "big_category_name": item.big_category.name,
        "small_category_code": item.category.code,
        "small_category_name": item.category.name,
        "department_code": item.department.code,
        "filing_condition": item.filing_condition,
        "closing_condition": item.closing_condition,
        "urgency": item.urgency,
        "resident_reportable": _yes(item.resident_reportable),
        "on_the_spot": _yes(item.on_the_spot),
        "dispatch_limit": item.dispatch_limit,
        "dispatch_unit": item.dispatch_unit,
        "disposal_limit": item.disposal_limit,
        "disposal_unit": item.disposal_unit,
        "recheck_limit": item.recheck_limit,
        "recheck_unit": item.recheck_unit,
        "active": _yes(item.active),
    }


def catalogue_sheet(records: Iterable[dict]) -> Sheet:
    """A catalogue table in the import format from records keyed by column code."""
    return Sheet(SHEET_NAME, columns(CODES), ([record[code] for code in CODES] for record in records))


def catalogue_file(*, fmt: str, records: Iterable[dict]) -> bytes:
    """A catalogue file in the import format from records keyed by column code."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown catalogue format {fmt!r}; use csv or xlsx")
    return file_bytes(fmt=fmt, sheets=[catalogue_sheet(records)])


def _items(queryset=None):
    items = (queryset if queryset is not None else PatrolItem.objects.all()).select_related(
        "category", "big_category", "department"
    )
    return items.order_by("code")


def catalogue_download(*, fmt: str, queryset=None) -> StreamingHttpResponse:
    """The items (all, or those of ``queryset``) as a streamed download that imports back unchanged."""
    records = (_record(item) for item in _items(queryset).iterator(chunk_size=2000))
    return download(name="patrol-items", fmt=fmt, sheets=[catalogue_sheet(records)], stamp_format=None)


def catalogue_export(*, fmt: str, queryset=None) -> bytes:
    """The items (all, or those of ``queryset``) as a CSV or XLSX file that imports back unchanged."""
    return catalogue_file(fmt=fmt, records=(_record(item) for item in _items(queryset)))
