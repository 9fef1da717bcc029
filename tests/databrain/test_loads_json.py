"""JSON files: an array of objects or one under a dotted path, nested objects flattened with "/",
refused at upload with the reason; and a large file loaded in the background with its progress."""

import json

import pytest

from cityops.databrain import datastore, loads
from cityops.databrain.loads import load_commit, load_file, load_queued, load_stage
from cityops.databrain.models import Load
from tests.databrain.files import rid

pytestmark = pytest.mark.django_db

A, B = rid("44190019900101001"), rid("44190019910203002")


def people(n: int = 2) -> list[dict]:
    rows = [
        {
            "公民身份号码": A,
            "姓名": "陈大文",
            "owner": {"出生日期": "1990-01-01", "rooms": 3},
            "联系电话": None,
        },
        {
            "公民身份号码": B,
            "姓名": "李小明",
            "owner": {"出生日期": "1991/02/03", "rooms": 1.0},
            "联系电话": "13987654321",
        },
    ]
    return rows[:n]


MAPPING = {  # the columns of people() on the fields of the rented-houses resource
    "公民身份号码": "id_number",
    "姓名": "name",
    "owner/出生日期": "birth_date",
    "owner/rooms": "rooms",
    "联系电话": "phone",
}


def test_a_json_array_under_a_dotted_path_loads_with_nested_objects_flattened(rented):
    data = json.dumps({"result": {"records": people(), "total": 2}}, ensure_ascii=False).encode()
    load = load_stage(
        resource_code=rented.code, data=data, filename="p.json", json_path="result.records", actor_name="t"
    )
    assert load.status == "staged", load.errors
    headers, rows = loads.preview(load)
    assert headers == ["公民身份号码", "姓名", "owner/出生日期", "owner/rooms", "联系电话"]
    assert rows[0] == [A, "陈大文", "1990-01-01", "3"]  # null is empty, trailing empties dropped
    assert loads.propose_mapping(rented, headers)["owner/出生日期"] == "birth_date"  # the last part counts
    mapping = {h: m or "" for h, m in loads.propose_mapping(rented, headers).items()} | {
        "owner/rooms": "rooms"
    }
    load = load_commit(load_id=load.pk, mapping=mapping, actor_name="t")
    assert (load.status, load.file_format, load.rows_read, load.inserted) == ("done", "json", 2, 2), (
        load.errors
    )
    rows = datastore.page(rented, list(rented.fields.all()), filters=[], limit=10).rows
    assert [(r["birth_date"], r["rooms"]) for r in rows] == [("1990-01-01", "3"), ("1991-02-03", "1")]


@pytest.mark.parametrize(
    ("data", "path", "reason"),
    [
        (
            b'[{"a": 1},\n {"a": 2,}]',
            "",
            "the file is not valid JSON: Expecting property name enclosed in double quotes at line 2, column 10",
        ),
        (b'{"data": {"rows": []}}', "data.items", "the JSON has no key items under data"),
        (b'{"data": [1, 2]}', "data", "item 1 of the JSON array at data is not an object"),
        (
            b'{"data": [], "n": 0}',
            "",
            "the JSON at the top level is not an array of objects (name the key that holds it: data)",
        ),
        (b"[]", "", "the JSON array is empty"),
    ],
)
def test_a_json_file_that_is_not_an_array_of_objects_is_refused_at_upload(rented, data, path, reason):
    load = load_stage(resource_code=rented.code, data=data, filename="x.json", json_path=path, actor_name="t")
    assert load.status == "refused"
    assert load.errors == [{"row": None, "column": None, "message": reason}]
    assert load.data is None


def test_a_json_record_without_its_key_refuses_the_load_naming_the_record(rented):
    data = json.dumps([people()[0], {"姓名": "无名"}], ensure_ascii=False).encode()
    load = load_file(resource_code=rented.code, data=data, filename="p.json", mapping=None, actor_name="t")
    assert load.status == "refused"
    assert any(e["row"] == 2 and "the key is empty" in e["message"] for e in load.errors), load.errors
    assert datastore.totals(rented) == (0, 0) if datastore.table_exists(rented) else True


def test_a_large_file_is_queued_then_loaded_in_the_background_with_its_progress(rented, monkeypatch):
    monkeypatch.setattr(loads, "BACKGROUND_BYTES", 100)
    monkeypatch.setattr(loads, "PROGRESS_EVERY", 1)
    seen, real = [], loads.cache

    class Recording:
        get = staticmethod(real.get)

        @staticmethod
        def set(key, value, timeout=None):
            seen.append(dict(value))
            real.set(key, value, timeout)

    monkeypatch.setattr(loads, "cache", Recording)
    data = json.dumps(people(), ensure_ascii=False).encode()
    load = load_stage(resource_code=rented.code, data=data, filename="p.json", actor_name="t")
    load = load_commit(load_id=load.pk, mapping=MAPPING, actor_name="t")
    assert load.status == "queued" and loads.progress(load) == {"read": 0, "total": 2}
    done = load_queued()
    assert done.pk == load.pk and (done.status, done.inserted) == ("done", 2)
    assert {"read": 1, "total": 2} in seen and loads.progress(done)["done"]
    assert Load.objects.get(pk=load.pk).data is None
    assert load_queued() is None  # nothing more waits
