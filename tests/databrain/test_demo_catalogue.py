"""The demo's catalogue: the town's 24 resources through the catalogue's services, once."""

import pytest

from cityops.databrain.models import Resource
from cityops.demo import names
from cityops.demo.databrain import catalogue_seed
from cityops.org.models import Department

pytestmark = pytest.mark.django_db


def test_24_resources_of_the_towns_departments_and_a_second_seed_changes_nothing():
    for code, name, short, in_grid, services in names.DEPARTMENTS:
        Department.objects.create(
            code=code, name=name, short_name=short, in_grid=in_grid, gives_services=services
        )
    first = catalogue_seed()
    assert Resource.objects.count() == 24
    assert first.created == 24 + 19  # resources and categories
    names_ = set(Resource.objects.values_list("name", flat=True))
    assert {"户籍人口信息", "出租屋信息", "企业登记信息", "个体工商户信息", "学校信息"} <= names_
    assert set(Resource.objects.values_list("share_type", flat=True)) == {"conditional", "unconditional"}
    second = catalogue_seed()
    assert second.created == 0 and second.unchanged == 24 + 19


def test_the_demo_records_load_through_the_load_service_with_realistic_problems(settings):
    from cityops.databrain.models import Load, QualityIssue
    from cityops.demo.datarecords import records_seed

    settings.CITYOPS_DEMO_DATA_RECORDS = 6_000
    for code, name, short, in_grid, services in names.DEPARTMENTS:
        Department.objects.create(
            code=code, name=name, short_name=short, in_grid=in_grid, gives_services=services
        )
    catalogue_seed()
    tally = records_seed()
    assert Load.objects.filter(status="done").count() == 24
    assert 5_900 <= sum(Resource.objects.values_list("record_count", flat=True)) <= 6_100
    assert tally.created == sum(Resource.objects.values_list("record_count", flat=True))
    problems = set(QualityIssue.objects.values_list("problem", flat=True))
    assert {"resident_id", "mobile", "duplicate"} <= problems
    households = Resource.objects.get(code="101001-0001")
    assert 0 < households.flagged_count < households.record_count * 0.2
    assert records_seed().created == 0  # a second seed leaves loaded resources alone


def test_the_demo_sharing_has_a_request_in_every_state_one_escalated_and_seeds_once():
    from cityops.accounts.services import user_create
    from cityops.databrain.models import ApiKey, Grant, ShareRequest
    from cityops.demo.datasharing import sharing_seed

    for code, name, short, in_grid, services in names.DEPARTMENTS:
        Department.objects.create(
            code=code, name=name, short_name=short, in_grid=in_grid, gives_services=services
        )
    catalogue_seed()
    user_create(
        username="steward",
        role="data_steward",
        scope_level="town",
        scope_unit=None,
        password="Correct-Horse-42!",
    )
    assert sharing_seed().created == 3 + 7
    assert set(ShareRequest.objects.values_list("status", flat=True)) == {
        "pending",
        "granted",
        "refused",
        "withdrawn",
    }
    assert ShareRequest.objects.filter(status="pending", escalated_at__isnull=False).count() == 1
    assert Grant.objects.count() == 3 and ApiKey.objects.count() == 1
    assert sharing_seed().created == 0
