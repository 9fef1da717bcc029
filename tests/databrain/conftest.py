"""Data brain fixtures: a small classification, two resources, English messages."""

import pytest
from django.utils import translation

from cityops.databrain import datastore
from cityops.databrain.datastore import RowIn
from cityops.databrain.services import FieldIn, ResourceIn, category_create, resource_create


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def english_pages(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def categories(town):
    category_create(code="1", name="基础信息资源", actor_name="test")
    category_create(code="101", name="人口信息", parent="1", actor_name="test")
    category_create(code="101001", name="户籍与居住", parent="101", actor_name="test")
    category_create(code="102", name="法人单位信息", parent="1", actor_name="test")
    return True


def person_fields() -> list[FieldIn]:
    return [
        FieldIn("id_number", "公民身份号码", "text", 18, "18位", True, True, "resident_id"),
        FieldIn("name", "姓名", "text", 50, "", True, True, ""),
        FieldIn("birth_date", "出生日期", "date", None, "", False, False, ""),
        FieldIn("division_code", "行政区划代码", "text", 6, "", False, False, "division"),
        FieldIn("phone", "联系电话", "text", 11, "", True, False, "mobile"),
        FieldIn("rooms", "出租间数", "integer", None, "", False, False, ""),
    ]


def resource_data(**changes) -> ResourceIn:
    data = {
        "code": "101001-0003",
        "name": "出租屋信息",
        "category": "101001",
        "provider": "D-CG",
        "abstract": "出租屋的地址、业主和承租人数，供出租屋管理使用。",
        "format": "database",
        "share_type": "conditional",
        "share_condition": "仅向履行法定职责的部门提供",
        "share_method": "exchange",
        "open_type": "closed",
        "update_cycle": "monthly",
        "key_fields": ["id_number"],
        "fields": person_fields(),
    }
    data.update(changes)
    return ResourceIn(**data)


@pytest.fixture
def rented(categories):
    return resource_create(data=resource_data(), actor_name="test")


@pytest.fixture
def enterprises(categories):
    return resource_create(
        data=resource_data(
            code="102-0001",
            name="企业登记信息",
            category="102",
            provider="D-XF",
            abstract="辖区企业的统一社会信用代码、名称和成立日期。",
            share_type="unconditional",
            share_condition="",
            open_type="open",
            key_fields=["credit_code"],
            fields=[
                FieldIn("credit_code", "统一社会信用代码", "text", 18, "", False, True, "credit_code"),
                FieldIn("name", "企业名称", "text", 100, "", False, True, ""),
                FieldIn("capital", "注册资本(万元)", "number"),
            ],
        ),
        actor_name="test",
    )


PEOPLE = [
    ("11010519491231002X", "陈大文", "1949-12-31", "13812345678", "3"),
    ("360426199101010071", "李小明", "1991-01-01", "13987654321", "1"),
    ("440101198001010015", "黄三", "1980-01-01", "", "12"),
]


@pytest.fixture
def people(rented):
    fields = list(rented.fields.all())
    datastore.ensure_table(rented, fields)
    rows = [
        RowIn(
            n + 2,
            idn,
            1 if n == 2 else 0,
            {"id_number": idn, "name": name, "birth_date": born, "phone": phone, "rooms": rooms},
        )
        for n, (idn, name, born, phone, rooms) in enumerate(PEOPLE)
    ]
    datastore.write(rented, fields, rows, load_id=1)
    rented.record_count, rented.flagged_count = datastore.totals(rented)
    rented.save()
    return rented
