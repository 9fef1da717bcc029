"""Full text in the datastore: a word found inside a value through the resource's word table,
written by every load in its transaction; personal fields never in it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cityops.databrain import datastore, datastore_search
from cityops.databrain.datastore_search import Words
from cityops.databrain.loads import load_file
from cityops.databrain.search import query_tokens, value_tokens
from cityops.databrain.services import FieldIn, resource_create
from tests.databrain.conftest import resource_data

pytestmark = pytest.mark.django_db

HEADER = "字号编号,字号名称,经营者,地址,开业日期\n"
SHOPS = [
    "S1,华兴五金厂,陈大文,东城村幸福路12号,2020-01-05",
    "S2,幸福超市,李小明,西城村建设路3号,2021-03-01",
    "S3,东城食品店,黄三,东城村幸福里8号,2020-11-20",
]


@pytest.fixture
def shops(categories):
    return resource_create(
        data=resource_data(
            code="102-0002",
            name="个体工商户信息",
            category="102",
            key_fields=["shop_no"],
            fields=[
                FieldIn("shop_no", "字号编号", "text", 20, "", False, True, ""),
                FieldIn("shop_name", "字号名称", "text", 100, "", False, True, ""),
                FieldIn("operator", "经营者", "text", 50, "", True, False, ""),
                FieldIn("address", "地址", "text", 200),
                FieldIn("opened_on", "开业日期", "date"),
            ],
        ),
        actor_name="test",
    )


def load(resource, lines):
    return load_file(
        resource_code=resource.code,
        data=(HEADER + "\n".join(lines) + "\n").encode(),
        filename="shops.csv",
        actor_name="test",
    )


def found(resource, *groups, fields=None) -> list[str]:
    """The shop numbers of the records matching every word, each group of words in ``fields``
    (all fields by default)."""
    every = list(resource.fields.all())
    words = [Words(tuple(fields or every), tuple(g.split())) for g in groups]
    fields = every
    rows = datastore_search.search(resource, fields, filters=[], words=words, order=[], offset=0, limit=100)
    total = datastore_search.search_count(resource, fields, filters=[], words=words)
    assert total == len(rows)
    return [r["shop_no"] for r in rows]


def word_rows(resource) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT word, f, v FROM {datastore.q(datastore.words_table(resource))}")
        return cur.fetchall()


def test_tokens_are_pairs_of_chinese_characters_the_last_alone_and_ascii_runs():
    assert value_tokens("东城村幸福路12号") == {"东城", "城村", "村幸", "幸福", "福路", "路", "12", "号"}
    assert value_tokens("ABC-d") == {"abc", "d"}
    assert query_tokens("幸福路") == [("幸福", False), ("福路", False)]
    assert query_tokens("周") == [("周", True)]
    assert query_tokens("路12号") == [("路", True), ("12", True), ("号", True)]
    assert query_tokens("--") == []


def test_a_word_inside_a_value_is_found(shops):
    assert load(shops, SHOPS).status == "done"
    assert found(shops, "幸福路") == ["S1"]
    assert found(shops, "幸福") == ["S1", "S2", "S3"]  # inside an address, at the start of a name
    assert found(shops, "五金") == ["S1"]
    assert found(shops, "12号") == ["S1"]
    assert found(shops, "路1") == ["S1"]
    assert found(shops, "里") == ["S3"]  # one character, the last of its run
    assert found(shops, "福里8") == ["S3"]
    assert found(shops, "城村") == ["S1", "S2", "S3"]
    assert found(shops, "幸福路8") == []  # every token is there (幸福, 福路, 8) but not the word
    # the beginning of any field still finds: dates, codes, personal fields
    assert found(shops, "2020-01") == ["S1"]
    assert found(shops, "S2") == ["S2"]
    assert found(shops, "陈") == ["S1"]


def test_every_word_must_be_found_and_a_field_may_be_named(shops):
    load(shops, SHOPS)
    assert found(shops, "东城村 幸福路") == ["S1"]
    assert found(shops, "东城 2020") == ["S1", "S3"]
    assert found(shops, "幸福 五金") == ["S1"]
    assert found(shops, "幸福 南城") == []
    address = shops.fields.get(name="address")
    assert found(shops, "东城", fields=[address]) == ["S1", "S3"]
    assert found(shops, "幸福超市", fields=[address]) == []


def test_personal_fields_are_never_in_the_word_table(shops):
    load(shops, SHOPS)
    operator = shops.fields.get(name="operator")
    rows = word_rows(shops)
    assert rows and operator.pk not in {f for _w, f, _v in rows}
    assert not {"陈大文", "李小明", "黄三"} & {v for _w, _f, v in rows}
    assert found(shops, "大文") == []  # inside a personal value: not searched
    searchable = [f for f in shops.fields.all() if not f.personal]  # a caller who may not see it
    assert found(shops, "陈", fields=searchable) == []


def test_a_reload_that_changes_a_record_changes_what_finds_it(shops):
    load(shops, SHOPS)
    changed = ["S1,华兴五金厂,陈大文,南城村和平路5号,2020-01-05", "S4,和平书店,,北城村幸福路1号,"]
    assert load(shops, changed).status == "done"
    assert found(shops, "和平路") == ["S1"]
    assert found(shops, "幸福路") == ["S4"]  # no longer S1
    assert found(shops, "和平") == ["S1", "S4"]
    stale = len(word_rows(shops))
    assert datastore.rebuild_words(shops, list(shops.fields.all())) < stale  # the old address's words go
    assert found(shops, "幸福路") == ["S4"] and found(shops, "和平路") == ["S1"]


def test_a_refused_load_leaves_no_words(shops):
    load(shops, SHOPS)
    before = sorted(word_rows(shops))
    refused = load(shops, ["S5,新华书店,,北城村新村路9号,2022-01-01", ",无号店,,西城村,"])
    assert refused.status == "refused"
    assert sorted(word_rows(shops)) == before
    assert found(shops, "新村路") == [] and found(shops, "新华") == []


def test_a_refused_first_load_leaves_no_tables(shops):
    assert load(shops, [",无号店,,西城村,"]).status == "refused"
    assert not datastore.table_exists(shops)
    assert datastore.indexed_fields(shops) == set()


def test_a_table_without_words_is_indexed_by_the_next_load(shops):
    load(shops, SHOPS)
    with connection.cursor() as cur:  # a table loaded before the word table existed
        cur.execute(f"DROP TABLE {datastore.q(datastore.words_table(shops))}")
    assert found(shops, "幸福路") == []  # until then, only the beginnings of values are searched
    assert found(shops, "东城村") == ["S1", "S3"]
    load(shops, ["S9,和平书店,,北城村新村路9号,"])
    assert found(shops, "幸福路") == ["S1"] and found(shops, "新村路") == ["S9"]


def test_a_field_that_stops_being_free_text_leaves_the_word_table(shops):
    load(shops, SHOPS)
    address = shops.fields.get(name="address")
    address.length = 20  # now too short to be free text
    address.save()
    datastore.ensure_table(shops, list(shops.fields.all()))
    assert address.pk not in {f for _w, f, _v in word_rows(shops)}
    assert found(shops, "幸福路") == [] and found(shops, "东城村幸福路") == ["S1"]


def test_the_command_rewrites_the_word_tables(shops):
    load(shops, SHOPS)
    load(shops, ["S1,华兴五金厂,陈大文,南城村和平路5号,2020-01-05"])
    stale = len(word_rows(shops))
    out = StringIO()
    call_command("databrain-words", stdout=out)
    assert out.getvalue().startswith("102-0002: ") and len(word_rows(shops)) < stale
    assert found(shops, "和平路") == ["S1"] and found(shops, "幸福路") == []
    with pytest.raises(CommandError, match="No resource 9-9"):
        call_command("databrain-words", "9-9")


def test_the_set_of_record_numbers_counts_a_record_found_in_two_fields_once(shops):
    load(shops, [*SHOPS, "S5,幸福小吃,,南城村幸福路2号,"])
    fields = list(shops.fields.all())
    words = [Words(tuple(fields), ("幸福",))]
    ids = datastore_search.search_ids(shops, fields, filters=[], words=words)
    assert (
        len(ids)
        == len(set(ids))
        == 4
        == datastore_search.search_count(shops, fields, filters=[], words=words)
    )
    rows = datastore_search.rows_by_id(shops, fields, ids[1:3])
    assert [r["shop_no"] for r in rows] == ["S2", "S3"]
    desc = datastore_search.search_ids(shops, fields, filters=[], words=words, desc=True)
    assert desc == ids[::-1]
    none = [Words((), ("幸福",))]
    assert datastore_search.search_ids(shops, fields, filters=[], words=none) == []
