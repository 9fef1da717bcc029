"""The catalogue workbook: exported guides import back unchanged; a bad workbook is refused whole
with every problem named by sheet, row and column."""

import io

import openpyxl
import pytest

from cityops.core.export import file_bytes
from cityops.egov import workbook
from cityops.egov.models import ServiceItem
from cityops.egov.services import catalogue_import, guide_of, guide_snapshot, item_save_draft
from tests.egov.conftest import guide

pytestmark = pytest.mark.django_db


def _exported() -> bytes:
    items = ServiceItem.objects.select_related("department", "draft", "published").order_by("code")
    return file_bytes(fmt="xlsx", sheets=workbook.export_sheets(items))


def test_an_exported_workbook_imports_back_unchanged(departments, users):
    item_save_draft(code="I1", department="D-SCJG", guide=guide(), by=users["admin"])
    item_save_draft(
        code="I2",
        department="D-GA",
        guide=guide(name="出生登记", situations=[], materials=[]),
        by=users["admin"],
    )
    data = _exported()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["事项", "办理情形", "申请材料"]
    items = workbook.parse_workbook(data)
    assert [i.code for i in items] == ["I1", "I2"]
    assert guide_snapshot(items[0].guide) == guide_snapshot(
        guide_of(ServiceItem.objects.get(code="I1").draft)
    )
    result = catalogue_import(items=items, publish=False, by=users["admin"])
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_an_import_creates_and_publishes_then_updates_only_what_changed(departments, users):
    item_save_draft(code="I1", department="D-SCJG", guide=guide(), by=users["admin"])
    items = workbook.parse_workbook(_exported())
    items[0].code = "J1"
    first = catalogue_import(items=items, publish=True, by=users["admin"])
    assert first.created == 1 and ServiceItem.objects.get(code="J1").published.materials.count() == 2
    items[0].guide.promised_days = 3
    second = catalogue_import(items=items, publish=True, by=users["admin"])
    item = ServiceItem.objects.get(code="J1")
    assert second.updated == 1 and item.published.number == 2 and item.published.promised_days == 3


def _bad_workbook() -> bytes:
    book = openpyxl.Workbook()
    items = book.active
    items.title = "事项"
    items.append([c.title for c in workbook.ITEM_COLUMNS])
    good = [
        "I1",
        "食品经营许可证核发",
        "D-SCJG",
        "行政许可",
        "市场监督管理分局",
        "",
        "《食品安全法》",
        "",
        "承诺件",
        20,
        5,
    ]
    items.append(good + ["否", "", "", "是", "是", "否", 1, 3, "", "", "", "许可证", "窗口领取"])
    items.append(
        ["I2", "", "D-XX", "许可", "某局", "", "依据", "", "承诺件", 20, 30]
        + ["否"] * 3
        + ["否", "否", "否", "x", 1]
    )
    items.append(["I1", "重复", "D-SCJG", "行政许可", "某局", "", "依据", "", "即办件", "", 0])
    situations = book.create_sheet("办理情形")
    situations.append(["事项编码", "办理情形"])
    situations.append(["I9", "委托代办"])
    materials = book.create_sheet("申请材料")
    materials.append(["事项编码", "材料名称", "适用情形", "材料形式", "份数"])
    materials.append(["I1", "申请书", "不存在的情形", "原件", 0])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_bad_workbook_names_every_problem_and_imports_nothing(departments, users):
    from cityops.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        workbook.parse_workbook(_bad_workbook())
    found = {(e["sheet"], e["row"], e["column"]) for e in exc.value.errors}
    messages = [e["message"] for e in exc.value.errors]
    assert ("事项", 3, "name") in found  # a required cell left empty
    assert ("事项", 3, "item_type") in found  # '许可' is not a type
    assert ("事项", 3, "visits") in found  # 'x' is not a number
    assert ("事项", 4, "code") in found  # I1 twice
    assert ("办理情形", 2, "item_code") in found  # no item I9
    assert ("申请材料", 2, "copies") in found  # 0 copies
    assert "事项, row 4, column code: item I1 appears again (first on row 2)" in messages
    assert ServiceItem.objects.count() == 0


def test_the_rules_of_a_guide_point_at_the_row_they_came_from(departments, users):
    from cityops.core.errors import ValidationFailed

    book = openpyxl.load_workbook(io.BytesIO(_bad_workbook()))
    book["事项"].delete_rows(3, 2)
    book["办理情形"].delete_rows(2)
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationFailed) as exc:
        workbook.parse_workbook(out.getvalue())
    assert {(e["sheet"], e["row"], e["column"]) for e in exc.value.errors} == {
        ("申请材料", 2, "copies"),
        ("申请材料", 2, "situation"),
    }


def test_a_file_that_is_not_a_workbook_is_refused(departments):
    from cityops.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="not a readable XLSX workbook"):
        workbook.parse_workbook(b"code,name\n1,2\n")
