"""The demo's 1,264 items and the search in residents' words over them, seeded once for the module."""

import pytest

from cityops.demo import names
from cityops.demo.databrain import catalogue_seed
from cityops.demo.egov import services_seed
from cityops.egov import search, selectors
from cityops.egov.models import ItemVersion, Material, ServiceItem
from cityops.org.models import Department
from tests.conftest import rows_for_the_module


@pytest.fixture(scope="module", autouse=True)
def demo_catalogue(django_db_setup, django_db_blocker):
    with rows_for_the_module(django_db_blocker):
        for code, name, short, in_grid, services in names.DEPARTMENTS:
            Department.objects.create(
                code=code, name=name, short_name=short, in_grid=in_grid, gives_services=services
            )
        catalogue_seed()
        tally = services_seed()
        yield tally


pytestmark = pytest.mark.django_db


def names_for(q: str, n: int = 5) -> list[str]:
    return [item.published.name for item in selectors.public_search(q, limit=n)]


def test_1264_published_items_of_28_departments_and_a_second_seed_adds_nothing(demo_catalogue):
    assert demo_catalogue.created == 1264
    assert ServiceItem.objects.filter(published__isnull=False, draft__isnull=True).count() == 1264
    assert ServiceItem.objects.values("department").distinct().count() == 28
    assert set(ItemVersion.objects.values_list("item_type", flat=True)) >= {
        "licensing",
        "confirmation",
        "public_service",
    }
    # promised limits never exceed the legal ones, and materials are fetched from the data brain
    assert not ItemVersion.objects.filter(legal_days__lt=models_f("promised_days")).exists()
    assert Material.objects.filter(resource__code="101001-0001").count() > 500
    again = services_seed()
    assert again.created == 0 and again.unchanged == 1264


def models_f(name):
    from django.db.models import F

    return F(name)


def test_the_residents_words_find_the_item():
    assert names_for("开餐馆")[0] == "食品经营许可证核发"
    assert names_for("开店")[0] == "个体工商户登记"
    assert {"出生登记", "生育登记"} <= set(names_for("生孩子", 3))
    assert names_for("我想开个餐馆怎么办")[0] == "食品经营许可证核发"


def test_a_match_in_the_name_ranks_above_a_match_in_the_guide():
    found = names_for("营业执照", 40)
    # items named for the licence come before items that only ask for it as a material
    first_guide_only = next(
        n
        for n, name in enumerate(found)
        if "营业执照" not in name and "个体工商户" not in name and "企业设立" not in name
    )
    assert all(
        "营业执照" in name or "个体工商户" in name or "企业设立" in name for name in found[:first_guide_only]
    )
    assert first_guide_only >= 1


def test_pinyin_full_and_initials_and_the_code():
    assert names_for("chushengdengji")[0] == "出生登记"
    assert names_for("csdj")[0] == "出生登记"
    code = ServiceItem.objects.filter(published__name="出生登记").values_list("code", flat=True).get()
    assert names_for(code.lower()) == ["出生登记"]


def test_nothing_is_found_for_words_no_item_has():
    assert names_for("火星移民") == []
    assert names_for("   ") == []


def test_drafts_are_not_searched_by_the_public():
    from cityops.egov.services import guide_of, item_save_draft

    item = ServiceItem.objects.get(published__name="出生登记")
    draft = guide_of(item.published)
    draft.name = "新生儿出生登记（试行）"
    item_save_draft(code=item.code, department=item.department.code, guide=draft, actor_name="test")
    search._INDEX.invalidate()
    assert "新生儿出生登记（试行）" not in names_for("出生登记", 50)
    assert names_for("出生登记")[0] == "出生登记"
