"""The shared reading of uploaded tables: encodings, XLSX cells, row numbers, limits, the header."""

import io
from datetime import datetime

import openpyxl
import pytest
from django.utils import translation

from cityops.core import tabular
from cityops.core.errors import ValidationFailed

COLUMNS = [
    tabular.Column("code", "编码", True),
    tabular.Column("name", "名称", True),
    tabular.Column("on", "日期"),
]
SPEC = tabular.Spec(COLUMNS, "refused: %(count)s", max_bytes=1000, max_rows=3, max_errors=2)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_and_row_numbers(encoding):
    data = "编码,名称\r\nA,甲\r\n,\r\nB,乙\r\n".encode(encoding)
    table, index = tabular.load(data, "t.csv", SPEC)
    assert table.header == ["编码", "名称"] and index == {"code": 0, "name": 1}
    assert table.rows == [(2, ["A", "甲"]), (4, ["B", "乙"])]  # the blank row 3 is left out, numbers kept


def test_xlsx_cells_and_sheet():
    book = openpyxl.Workbook()
    book.active.append(["x"])
    sheet = book.create_sheet("data")
    sheet.append(["code", "name", "on"])
    sheet.append([3.0, "甲", datetime(2025, 3, 1, 8, 0)])
    buf = io.BytesIO()
    book.save(buf)
    table = tabular.read_table(
        buf.getvalue(), "t.xlsx", columns=3, max_bytes=10**6, max_rows=5, sheet_name="data"
    )
    assert [(n, cells[:3]) for n, cells in table.rows] == [(2, ["3", "甲", "2025-03-01"])]


def test_files_refused_whole():
    with pytest.raises(ValidationFailed) as exc:
        tabular.load(b"\xff\xfe\x00\x81\x30", "t.csv", SPEC)
    assert "neither UTF-8 nor GBK" in exc.value.errors[0]["message"] and exc.value.detail == "refused: 1"
    with pytest.raises(ValidationFailed) as exc:
        tabular.load(b"x" * 1001, "t.csv", SPEC)
    assert "larger than" in exc.value.errors[0]["message"]
    with pytest.raises(ValidationFailed) as exc:
        tabular.load(b"code,name\n1,a\n2,b\n3,c\n4,d\n", "t.csv", SPEC)
    assert "more than 3 rows" in exc.value.errors[0]["message"]
    with pytest.raises(ValidationFailed) as exc:
        tabular.load(b"PK\x03\x04broken", "t.xlsx", SPEC)
    assert "not a readable XLSX" in exc.value.errors[0]["message"]


def test_header_problems_named_and_capped():
    with pytest.raises(ValidationFailed) as exc:
        tabular.load("名称,名称,怪,別\n".encode(), "t.csv", SPEC)
    assert exc.value.detail == "refused: 4 The first 2 are listed."
    assert [e["message"] for e in exc.value.errors] == [
        "row 1, column code: this required column is missing",
        "row 1, column name: the column appears twice",
    ]
