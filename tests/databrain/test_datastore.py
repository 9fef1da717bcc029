"""Each resource's records in a table of its own: upsert by key, filters, sorts and keyset paging
that walk every record once, indexes the queries use."""

import random

import pytest
from django.db import connection

from cityops.core.errors import ValidationFailed
from cityops.databrain import datastore
from cityops.databrain.datastore import Filter, RowIn

pytestmark = pytest.mark.django_db


def rows_of(n: int, seed: int = 1) -> list[RowIn]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        rooms = "" if i % 7 == 0 else str(rnd.randint(1, 9))
        out.append(
            RowIn(
                row=i + 2,
                key=f"K{i:04d}",
                flags=1 if i % 10 == 0 else 0,
                values={
                    "id_number": f"K{i:04d}",
                    "name": rnd.choice("陈李黄张梁") + "某",
                    "rooms": rooms,
                    "birth_date": f"19{rnd.randint(50, 99)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}",
                },
            )
        )
    return out


@pytest.fixture
def stored(rented):
    fields = list(rented.fields.all())
    datastore.ensure_table(rented, fields)
    datastore.write(rented, fields, rows_of(120), load_id=1)
    return rented, fields


def walk(resource, fields, **kw) -> list[dict]:
    got, after = [], ""
    while True:
        page = datastore.page(resource, fields, after=after, limit=17, **kw)
        got += page.rows
        if not page.next_cursor:
            return got
        after = page.next_cursor


def test_upsert_by_key_updates_the_kth_record_of_a_key_and_inserts_the_rest(stored):
    resource, fields = stored
    again = rows_of(3)
    again[0].values["name"] = "新名字"
    again.append(RowIn(row=9, key="K0001", flags=1, values={"id_number": "K0001", "name": "重复"}))
    inserted, updated = datastore.write(resource, fields, again, load_id=2)
    assert (inserted, updated) == (1, 3)
    assert datastore.totals(resource) == (121, 13)
    page = datastore.page(resource, fields, filters=[Filter("id_number", "eq", "K0001")])
    assert [r["name"] for r in page.rows][1] == "重复"
    assert (
        datastore.page(resource, fields, filters=[Filter("id_number", "eq", "K0000")]).rows[0]["name"]
        == "新名字"
    )
    # the same file again changes nothing twice
    assert datastore.write(resource, fields, again, load_id=3) == (0, 4)


@pytest.mark.parametrize(
    "sort,desc",
    [("", False), ("name", False), ("name", True), ("rooms", False), ("rooms", True), ("birth_date", True)],
)
def test_keyset_pages_walk_every_record_once_in_order(stored, sort, desc):
    resource, fields = stored
    got = walk(resource, fields, filters=[], sort=sort, desc=desc)
    assert len(got) == 120 and len({r["_id"] for r in got}) == 120
    if sort == "rooms":
        numbers = [float(r["rooms"]) for r in got if r["rooms"]]
        assert numbers == sorted(numbers, reverse=desc)
        assert all(not r["rooms"] for r in got[len(numbers) :])  # empty numbers last either way
    elif sort:
        keys = [(r[sort], r["_id"]) for r in got]
        assert keys == sorted(keys, reverse=desc)


def test_filters_on_text_numbers_dates_and_flags(stored):
    resource, fields = stored
    expected = [r for r in rows_of(120) if r.values["rooms"] and 3 <= int(r.values["rooms"]) <= 5]
    got = walk(resource, fields, filters=[Filter("rooms", "gte", "3"), Filter("rooms", "lte", "5")])
    assert sorted(r["id_number"] for r in got) == sorted(r.key for r in expected)
    assert datastore.count(resource, fields, [Filter("_flagged", "eq", "1")]) == 12
    born = datastore.count(resource, fields, [Filter("birth_date", "gte", "1980-01-01")])
    assert born == sum(r.values["birth_date"] >= "1980-01-01" for r in rows_of(120))
    assert datastore.count(resource, fields, [Filter("name", "eq", "陈某")]) == sum(
        r.values["name"] == "陈某" for r in rows_of(120)
    )


def test_bad_queries_name_the_problem(stored):
    resource, fields = stored
    cases = [
        ([Filter("nope", "eq", "1")], "no such field"),
        ([Filter("rooms", "gte", "many")], "'many' is not a number"),
        ([Filter("name", "gte", "x")], "ranges work on numbers and dates only"),
    ]
    for filters, message in cases:
        with pytest.raises(ValidationFailed) as exc:
            datastore.page(resource, fields, filters=filters)
        assert message in exc.value.errors[0]["message"]
    with pytest.raises(ValidationFailed):
        datastore.page(resource, fields, filters=[], after="garbage")
    with pytest.raises(ValidationFailed):
        datastore.page(resource, fields, filters=[], limit=5000)


def test_every_field_column_is_indexed_and_a_filter_uses_its_index(stored):
    resource, fields = stored
    with connection.cursor() as cur:
        constraints = connection.introspection.get_constraints(cur, resource.table_name)
    indexed = {tuple(c["columns"]) for c in constraints.values() if c["index"]}
    for f in fields:
        assert (f.column, "_id") in indexed
    rooms = next(f for f in fields if f.name == "rooms")
    assert (rooms.number_column, "_id") in indexed
    name = next(f for f in fields if f.name == "name")
    sql = f'SELECT "_id" FROM "{resource.table_name}" WHERE "{name.column}" = %s ORDER BY "_id" LIMIT 50'
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("EXPLAIN " + sql, ["陈某"])
        else:
            cur.execute("EXPLAIN QUERY PLAN " + sql, ["陈某"])
        plan = " ".join(str(r) for r in cur.fetchall())
    assert f"{resource.table_name}_{name.column}" in plan


def test_a_new_field_gets_its_column_and_a_numeric_one_its_typed_values(stored):
    from cityops.databrain.services import FieldIn, resource_in, resource_update

    resource, _ = stored
    data = resource_in(resource)
    data.fields.append(FieldIn("tenants", "承租人数", "integer"))
    data.fields[1].type = "number"  # name → number: the typed column is filled from the text
    resource_update(code=resource.code, data=data, actor_name="t")
    fields = list(resource.fields.all())
    page = datastore.page(resource, fields, filters=[], limit=1)
    assert page.rows[0]["tenants"] == ""
    assert datastore.count(resource, fields, [Filter("name", "gte", "0")]) == 0


def dump(resource) -> list[tuple]:
    """Every stored record, every column (the typed ones included), in id order."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {datastore.q(resource.table_name)} ORDER BY {datastore.q('_id')}")
        return cur.fetchall()


def test_chunked_writes_keep_the_kth_row_kth_record_rule(rented, monkeypatch):
    """Chunks of 3 (COPY on PostgreSQL, a staging table for the replaced records): the first write
    into the empty table inserts every row, repeats included; a second write replaces the k-th
    stored record of a key with its k-th row, in place, whichever chunk either falls in."""
    monkeypatch.setattr(datastore, "CHUNK", 3)
    fields = list(rented.fields.all())
    datastore.ensure_table(rented, fields)

    def row(n, key, name, rooms=""):
        return RowIn(row=n, key=key, flags=n % 2, values={"id_number": key, "name": name, "rooms": rooms})

    first = [row(2, "A", "a1", "1"), row(3, "B", "b1"), row(4, "A", "a2", "2"), row(5, "C", "c1", "1,5")]
    first += [row(6, "A", "a3", "x")]
    assert datastore.write(rented, fields, first, load_id=1) == (5, 0)
    before = dump(rented)
    ids = {r[0]: r for r in before}
    second = [row(2, "A", "A1", "7"), row(3, "D", "d1"), row(4, "C", "C1"), row(5, "B", "B1")]
    second += [row(6, "A", "A2", "8"), row(7, "C", "C2", "9"), row(8, "A", "A3"), row(9, "A", "A4")]
    assert datastore.write(rented, fields, second, load_id=2) == (3, 5)
    after = dump(rented)
    assert [r[0] for r in after[:5]] == list(ids)  # replaced in place, the new ones after
    names = {f.name: f for f in fields}
    with connection.cursor() as cur:
        cols = (
            f"{datastore.q('_key')}, {datastore.q('_load')}, {datastore.q('_row')}, {datastore.q('_flags')}, "
            f"{datastore.q(names['name'].column)}, {datastore.q(names['rooms'].number_column)}"
        )
        cur.execute(f"SELECT {cols} FROM {datastore.q(rented.table_name)} ORDER BY {datastore.q('_id')}")
        got = cur.fetchall()
    assert got == [
        ("A", 2, 2, 0, "A1", 7.0),
        ("B", 2, 5, 1, "B1", None),
        ("A", 2, 6, 0, "A2", 8.0),
        ("C", 2, 4, 0, "C1", None),
        ("A", 2, 8, 0, "A3", None),
        ("D", 2, 3, 1, "d1", None),
        ("C", 2, 7, 1, "C2", 9.0),
        ("A", 2, 9, 1, "A4", None),
    ]
    assert datastore.write(rented, fields, second, load_id=3) == (0, 8)  # the same file again
