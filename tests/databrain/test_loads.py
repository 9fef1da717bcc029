"""Loading: encodings, merged multi-row headers, the saved mapping, upsert by key, all or nothing
with every bad row named, and the load log."""

import pytest
from django.db import connection

from cityops.audit.models import AuditRecord
from cityops.core.errors import Forbidden
from cityops.databrain import datastore
from cityops.databrain.loads import load_commit, load_file, load_stage
from cityops.databrain.models import Load, QualityIssue, Resource
from tests.databrain.files import csv_bytes, rid, xlsx_bytes

pytestmark = pytest.mark.django_db

A, B, C = rid("44190019900101001"), rid("44190019910203002"), rid("44190020000315003")
HEADER = ["公民身份号码", "姓名", "出生日期", "行政区划代码", "联系电话", "出租间数"]


def good_rows():
    return [
        HEADER,
        [A, "陈大文", "1990-01-01", "441900", "13812345678", "3"],
        [B, "李小明", "1991/02/03", "441900", "13987654321", "1"],
        [C, "黄三", "20000315", "441900", "", "12"],
    ]


def records(resource):
    return datastore.page(resource, list(resource.fields.all()), filters=[], limit=100).rows


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_a_csv_in_utf8_or_gbk_loads_by_titles(rented, encoding):
    load = load_file(
        resource_code=rented.code, data=csv_bytes(good_rows(), encoding), filename="人口.csv", actor_name="t"
    )
    assert load.status == "done", load.errors
    assert load.encoding == ("UTF-8" if encoding.startswith("utf") else "GB18030")
    assert (load.rows_read, load.inserted, load.updated, load.flagged) == (3, 3, 0, 0)
    rows = records(rented)
    assert [r["name"] for r in rows] == ["陈大文", "李小明", "黄三"]
    assert [r["birth_date"] for r in rows] == [
        "1990-01-01",
        "1991-02-03",
        "2000-03-15",
    ]  # dates as YYYY-MM-DD
    rented.refresh_from_db()
    assert rented.record_count == 3 and rented.loaded_at is not None
    assert rented.mapping["公民身份号码"] == "id_number"
    assert AuditRecord.objects.filter(action="databrain.load", object_id=str(rented.pk)).exists()


def test_a_workbook_with_a_merged_two_row_header_and_merged_data_cells(rented):
    rows = [
        ["人员", None, "基本情况", None, None, "出租间数"],
        ["公民身份号码", "姓名", "出生日期", "行政区划代码", "联系电话", None],
        [A, "陈大文", "1990-01-01", "441900", "13812345678", 3],
        [B, "李小明", "1991-02-03", None, "13987654321", 1],
    ]
    data = xlsx_bytes(rows, merges=("A1:B1", "C1:E1", "F1:F2", "D3:D4"))
    load = load_file(resource_code=rented.code, data=data, filename="x.xlsx", header_rows=2, actor_name="t")
    assert load.status == "done", load.errors
    got = records(rented)
    assert [r["division_code"] for r in got] == ["441900", "441900"]  # the merged cell belongs to both rows
    assert [r["rooms"] for r in got] == ["3", "1"]
    assert rented.__class__.objects.get(pk=rented.pk).mapping["人员/公民身份号码"] == "id_number"


def test_a_second_load_upserts_by_key(rented):
    load_file(resource_code=rented.code, data=csv_bytes(good_rows()), filename="a.csv", actor_name="t")
    rows = good_rows()
    rows[1][1] = "陈大明"
    rows.append([rid("44190019700101004"), "新人", "1970-01-01", "441900", "", "2"])
    load = load_file(resource_code=rented.code, data=csv_bytes(rows), filename="b.csv", actor_name="t")
    assert (load.inserted, load.updated) == (1, 3)
    assert [r["name"] for r in records(rented)][0] == "陈大明"
    assert Resource.objects.get(pk=rented.pk).record_count == 4


def test_every_bad_row_is_named_and_nothing_is_written(rented):
    load_file(resource_code=rented.code, data=csv_bytes(good_rows()), filename="a.csv", actor_name="t")
    rows = good_rows()
    rows[1][1] = "改了"
    rows[2][0] = ""  # no key
    rows.append([C, "多一格", "2000-01-01", "441900", "", "1", "extra"])
    load = load_file(resource_code=rented.code, data=csv_bytes(rows), filename="bad.csv", actor_name="t")
    assert load.status == "refused"
    assert [e["message"] for e in load.errors] == [
        "row 3, column id_number: the key is empty; a record cannot be loaded without it",
        "row 5: 7 cells, but the header has 6 columns",
    ]
    assert [r["name"] for r in records(rented)][0] == "陈大文"  # the good row 2 was not written either
    assert Load.objects.filter(resource=rented).count() == 2


def test_a_column_that_matches_no_field_refuses_until_mapped_and_the_mapping_is_saved(rented):
    rows = [["身份证号", "名字", "备注"], [A, "陈大文", "x"]]
    load = load_file(resource_code=rented.code, data=csv_bytes(rows), filename="m.csv", actor_name="t")
    assert load.status == "refused"
    assert [e["column"] for e in load.errors] == ["身份证号", "名字", "备注", None]  # and the key
    staged = load_stage(resource_code=rented.code, data=csv_bytes(rows), filename="m.csv", actor_name="t")
    done = load_commit(
        load_id=staged.pk, mapping={"身份证号": "id_number", "名字": "name", "备注": ""}, actor_name="t"
    )
    assert done.status == "done" and done.data is None
    again = load_file(resource_code=rented.code, data=csv_bytes(rows), filename="m.csv", actor_name="t")
    assert again.status == "done" and again.updated == 1  # the saved mapping is used


def test_mapping_errors_are_named(rented):
    rows = [["a", "b"], [A, "x"]]
    staged = load_stage(resource_code=rented.code, data=csv_bytes(rows), filename="m.csv", actor_name="t")
    load = load_commit(load_id=staged.pk, mapping={"a": "name", "b": "name"}, actor_name="t")
    assert [e["message"] for e in load.errors] == [
        "row 1, column b: field name is already mapped to column a",
        "row 1: the key field id_number is mapped to no column",
    ]


@pytest.mark.parametrize(
    "data,name,message",
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "locked.xlsx",
            "password-protected or an old .xls",
        ),
        (b"PK\x03\x04broken", "broken.xlsx", "not a readable XLSX workbook"),
        ("身份证号\n".encode("utf-16"), "x.csv", "neither UTF-8 nor GBK/GB18030"),
        (b"", "empty.csv", "the file is empty"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_the_reason(rented, data, name, message):
    load = load_file(resource_code=rented.code, data=data, filename=name, actor_name="t")
    assert load.status == "refused" and message in load.errors[0]["message"]
    assert not datastore.table_exists(rented) and QualityIssue.objects.count() == 0


def test_only_the_data_steward_loads(users, rented):
    with pytest.raises(Forbidden):
        load_file(
            resource_code=rented.code, data=csv_bytes(good_rows()), filename="a.csv", by=users["officer"]
        )
    assert (
        load_file(
            resource_code=rented.code, data=csv_bytes(good_rows()), filename="a.csv", by=users["steward"]
        ).status
        == "done"
    )


def test_a_refused_load_leaves_the_table_exactly_as_it_was(rented, monkeypatch):
    """The refusal comes after chunks were written (COPY and the staging table on PostgreSQL):
    every stored value, typed column, load and row number is as before, the issues too."""
    from tests.databrain.test_datastore import dump

    monkeypatch.setattr(datastore, "CHUNK", 2)
    load_file(resource_code=rented.code, data=csv_bytes(good_rows()), filename="a.csv", actor_name="t")
    before, issues = dump(rented), list(QualityIssue.objects.values_list("record_id", "field", "problem"))
    rows = good_rows()
    rows[1][1], rows[2][5] = "改了", "9"
    rows += [[rid(f"4419001990010{n:04d}"), "新", "1990-01-01", "441900", "", "1"] for n in range(5)]
    rows.append(["", "无键", "1990-01-01", "441900", "", "1"])
    load = load_file(resource_code=rented.code, data=csv_bytes(rows), filename="bad.csv", actor_name="t")
    assert load.status == "refused" and load.rows_read == 9
    assert [e["message"] for e in load.errors] == [
        "row 10, column id_number: the key is empty; a record cannot be loaded without it"
    ]
    assert dump(rented) == before
    assert list(QualityIssue.objects.values_list("record_id", "field", "problem")) == issues
    assert Resource.objects.get(pk=rented.pk).record_count == 3


def test_a_refused_first_load_leaves_the_empty_table_with_every_index(rented):
    """A first load drops the table's indexes to build them after its rows; refused, it keeps them."""
    from cityops.databrain.datastore import _indexes

    fields = list(rented.fields.all())
    datastore.ensure_table(rented, fields)
    with connection.cursor() as cur:
        before = {
            i
            for i, c in connection.introspection.get_constraints(cur, rented.table_name).items()
            if c["index"]
        }
    rows = good_rows() + [["", "无键", "1990-01-01", "441900", "", "1"]]
    load = load_file(resource_code=rented.code, data=csv_bytes(rows), filename="bad.csv", actor_name="t")
    assert load.status == "refused" and datastore.totals(rented) == (0, 0)
    with connection.cursor() as cur:
        after = {
            i
            for i, c in connection.introspection.get_constraints(cur, rented.table_name).items()
            if c["index"]
        }
    assert after == before and set(_indexes(rented.table_name, fields)) <= after
