"""Cataloguing: the GB/T 21063 checks, versions with their differences, the audit trail."""

import pytest

from cityops.audit.models import AuditRecord
from cityops.core.errors import Forbidden, ValidationFailed
from cityops.databrain.models import Category, Field, Resource, ResourceVersion
from cityops.databrain.services import FieldIn, category_create, resource_create, resource_in, resource_update
from tests.databrain.conftest import resource_data

pytestmark = pytest.mark.django_db


def test_the_classification_adds_1_2_3_digits_per_level(categories):
    assert Category.objects.get(code="101001").level == 3
    with pytest.raises(ValidationFailed) as exc:
        category_create(code="1011", name="x", parent="101", actor_name="t")
    assert exc.value.errors == [{"field": "code", "message": "a Heading (目) adds 3 digit(s)"}]
    with pytest.raises(ValidationFailed) as exc:
        category_create(code="201", name="x", parent="1", actor_name="t")
    assert exc.value.errors[0]["message"] == "must begin with its parent's code 1"
    category_create(code="1010010", name="细目", parent="101001", actor_name="t")
    with pytest.raises(ValidationFailed) as exc:
        category_create(code="10100101", name="x", parent="1010010", actor_name="t")
    assert "has no children" in exc.value.errors[0]["message"]


def test_a_resource_is_catalogued_as_version_1_with_an_audit_record(rented):
    assert rented.version == 1
    assert [f.name for f in rented.fields.all()] == [
        "id_number",
        "name",
        "birth_date",
        "division_code",
        "phone",
        "rooms",
    ]
    version = ResourceVersion.objects.get(resource=rented)
    assert version.number == 1 and version.snapshot["name"] == "出租屋信息" and version.changes == []
    assert AuditRecord.objects.filter(action="databrain.resource.create", object_id=str(rented.pk)).exists()


def test_every_bad_element_is_named_and_nothing_is_written(categories):
    data = resource_data(
        code="bad code",
        category="9",
        provider="NOPE",
        share_condition="",
        update_cycle="sometimes",
        key_fields=["missing"],
        fields=[FieldIn("Name", "x"), FieldIn("a", ""), FieldIn("a", "A", "blob")],
        related=["nowhere"],
    )
    with pytest.raises(ValidationFailed) as exc:
        resource_create(data=data, actor_name="t")
    fields = [e["field"] for e in exc.value.errors]
    assert fields == [
        "code",
        "category",
        "provider",
        "update_cycle",
        "share_condition",
        "fields[1]",
        "fields[2]",
        "fields[3]",
        "fields[3]",
        "key_fields",
        "related",
    ]
    assert "conditional sharing needs its condition" in exc.value.detail
    assert Resource.objects.count() == 0


def test_a_change_makes_a_version_with_its_differences_and_keeps_field_columns(rented):
    data = resource_in(rented)
    column = rented.fields.get(name="phone").column
    data.name = "出租屋管理信息"
    data.share_type = "unconditional"
    data.share_condition = ""
    data.fields[4].title = "手机号码"
    data.fields.append(FieldIn("tenants", "承租人数", "integer"))
    del data.fields[2]  # birth_date
    updated = resource_update(code=rented.code, data=data, actor_name="steward")
    assert updated.version == 2
    assert Field.objects.get(resource=rented, name="phone").column == column
    v2 = ResourceVersion.objects.get(resource=rented, number=2)
    changes = {c["element"]: (c["before"], c["after"]) for c in v2.changes}
    assert changes["name"] == ("出租屋信息", "出租屋管理信息")
    assert changes["share_type"] == ("conditional", "unconditional")
    assert changes["fields.phone"] == ({"title": "联系电话"}, {"title": "手机号码"})
    assert changes["fields.tenants"][0] is None and changes["fields.tenants"][1]["title"] == "承租人数"
    assert changes["fields.birth_date"][1] is None
    assert v2.actor == "steward"


def test_saving_the_same_metadata_makes_no_version(rented):
    resource_update(code=rented.code, data=resource_in(rented), actor_name="t")
    assert ResourceVersion.objects.filter(resource=rented).count() == 1


def test_only_the_data_steward_changes_the_catalogue(users, categories):
    with pytest.raises(Forbidden):
        resource_create(data=resource_data(), by=users["officer"])
    assert resource_create(data=resource_data(), by=users["steward"]).code == "101001-0003"
