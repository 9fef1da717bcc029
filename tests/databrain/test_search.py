"""Chinese search through the jieba token index: words, not substrings; best match first."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cityops.databrain.models import SearchToken
from cityops.databrain.search import query_words
from cityops.databrain.selectors import ResourceFilter, resource_list

pytestmark = pytest.mark.django_db


def codes(user, q):
    return [r.code for r in resource_list(user=user, filters=ResourceFilter(q=q))]


def test_the_query_is_segmented_into_words():
    assert "出租屋" in query_words("出租屋管理") and "管理" in query_words("出租屋管理")
    assert query_words("的") == []


def test_words_of_names_fields_and_providers_find_their_resource(users, rented, enterprises):
    steward = users["steward"]
    assert codes(steward, "出租屋") == ["101001-0003"]
    assert codes(steward, "统一社会信用代码") == ["102-0001"]
    assert codes(steward, "城市管理局") == ["101001-0003"]  # the provider
    assert codes(steward, "企业 成立日期") == ["102-0001"]  # every word must be found
    assert codes(steward, "企业 出租屋") == []
    assert codes(steward, "屋") == ["101001-0003"]  # one character
    assert codes(steward, "nothing") == []


def test_a_name_ranks_above_a_mention(users, rented, enterprises):
    # 信息 is in both names; 名称 is a field title of the enterprises only, 姓名 of the rented housing
    assert codes(users["steward"], "信息")[:2] in (["101001-0003", "102-0001"], ["102-0001", "101001-0003"])
    assert codes(users["steward"], "名称") == ["102-0001"]


def test_the_search_reads_the_token_index_not_the_texts(users, rented):
    assert SearchToken.objects.filter(resource=rented, token="出租屋").exists()
    with CaptureQueriesContext(connection) as ctx:
        list(resource_list(user=users["steward"], filters=ResourceFilter(q="出租屋")))
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "databrain_searchtoken" in sql and "LIKE" not in sql.upper()


def test_a_resident_sees_no_catalogue(users, rented):
    assert codes(users["resident"], "") == []
