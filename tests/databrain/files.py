"""Files a data steward would load: CSV in UTF-8 or GBK, workbooks with merged multi-row headers."""

import csv
import io

import openpyxl
from stdnum.cn import ric, uscc


def rid(body: str) -> str:
    """A resident ID with its right check character (body: 17 digits)."""
    return body + ric.calc_check_digit(body + "0")


def credit(body: str) -> str:
    return body + uscc.calc_check_digit(body)


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], merges: tuple[str, ...] = ()) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for r in rows:
        sheet.append(r)
    for m in merges:
        sheet.merge_cells(m)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
