"""Drafts, publishing and the rules of a guide: a published version never changes."""

import pytest

from cityops.audit.models import AuditRecord
from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.egov.models import ItemVersion, ServiceItem
from cityops.egov.services import MaterialIn, SituationIn, item_discard_draft, item_publish, item_save_draft
from tests.egov.conftest import guide

pytestmark = pytest.mark.django_db


def egov_audit() -> list[str]:
    return list(
        AuditRecord.objects.filter(action__startswith="egov.").order_by("id").values_list("action", flat=True)
    )


def test_a_new_item_is_a_draft_until_published(departments, users):
    item = item_save_draft(code="SCJG-XK-0001", department="D-SCJG", guide=guide(), by=users["admin"])
    assert item.published is None and item.draft.number == 1 and item.draft.state == "draft"
    version = item_publish(code="SCJG-XK-0001", by=users["admin"])
    item.refresh_from_db()
    assert item.published == version and item.draft is None
    assert version.state == "published" and version.published_by == "admin"
    assert [m.situation.name if m.situation else "" for m in version.materials.all()] == ["", "委托他人代办"]
    assert egov_audit() == ["egov.item.draft", "egov.item.publish"]


def test_editing_a_published_item_makes_a_new_draft_and_leaves_the_published_one(departments, users):
    item_save_draft(code="I1", department="D-SCJG", guide=guide(), by=users["admin"])
    first = item_publish(code="I1", by=users["admin"])
    item_save_draft(code="I1", department="D-SCJG", guide=guide(promised_days=3), by=users["admin"])
    item = ServiceItem.objects.get(code="I1")
    assert item.published_id == first.pk and item.draft.number == 2
    first.refresh_from_db()
    assert first.promised_days == 5 and first.state == "published"
    # saving the draft again keeps one draft, numbered the same
    item_save_draft(code="I1", department="D-SCJG", guide=guide(promised_days=4), by=users["admin"])
    assert ItemVersion.objects.filter(item=item, state="draft").count() == 1
    second = item_publish(code="I1", by=users["admin"])
    first.refresh_from_db()
    assert (second.number, second.promised_days, first.state) == (2, 4, "superseded")
    with pytest.raises(Conflict):
        item_publish(code="I1", by=users["admin"])


def test_a_draft_of_a_published_item_can_be_discarded(departments, users):
    item_save_draft(code="I1", department="D-SCJG", guide=guide(), by=users["admin"])
    item_publish(code="I1", by=users["admin"])
    item_save_draft(code="I1", department="D-SCJG", guide=guide(name="新名称"), by=users["admin"])
    item_discard_draft(code="I1", by=users["admin"])
    item = ServiceItem.objects.get(code="I1")
    assert item.draft is None and item.published.name == "食品经营许可证核发"


def test_a_bad_guide_names_every_problem_and_saves_nothing(departments, users):
    bad = guide(
        name="",
        promised_days=30,
        online=False,
        window=False,
        kiosk=False,
        fee=True,
        materials=[MaterialIn("身份证", "scan", 0, situation="不存在", resource="999")],
    )
    with pytest.raises(ValidationFailed) as exc:
        item_save_draft(code="I1", department="D-SCJG", guide=bad, by=users["admin"])
    fields = {e["field"]: e["message"] for e in exc.value.errors}
    assert fields["name"] == "this element is required"
    assert fields["promised_days"] == "the promised limit (30) exceeds the legal limit (20)"
    assert fields["window"].startswith("an item is handled online, at a window or at a kiosk")
    assert fields["fee_standard"] == "a charged item needs its fee standard"
    assert fields["materials.1.form"].startswith("'scan' is not one of")
    assert fields["materials.1.copies"] == "copies from 1 to 99"
    assert fields["materials.1.situation"] == "no situation '不存在' in this guide"
    assert fields["materials.1.resource"] == "no data brain resource 999"
    assert not ServiceItem.objects.exists() and egov_audit() == []


def test_a_material_twice_in_the_same_situation_and_a_situation_twice_are_refused(departments, users):
    item_save_draft(code="I1", department="D-SCJG", guide=guide(), by=users["admin"])
    twice = guide(
        situations=[SituationIn("委托他人代办"), SituationIn("委托他人代办 ")],
        materials=[
            MaterialIn("身份证"),
            MaterialIn(
                "身份证", situation="委托他人代办"
            ),  # the same name in another situation is another material
            MaterialIn(" 身份证 "),
        ],
    )
    with pytest.raises(ValidationFailed) as exc:
        item_save_draft(code="I1", department="D-SCJG", guide=twice, by=users["admin"])
    assert [(e["field"], e["message"]) for e in exc.value.errors] == [
        ("situations.1.name", "the situation '委托他人代办' appears twice"),
        ("situations.2.name", "the situation '委托他人代办 ' appears twice"),
        ("materials.3.name", "the material '身份证' appears twice"),
    ]
    item = ServiceItem.objects.get(code="I1")
    assert item.draft.number == 1 and [m.name for m in item.draft.materials.all()] == [
        "食品经营许可申请书",
        "授权委托书",
    ]
    assert egov_audit() == ["egov.item.draft"]


def test_an_immediate_item_has_no_promised_days(departments, users):
    with pytest.raises(ValidationFailed) as exc:
        item_save_draft(
            code="I1", department="D-SCJG", guide=guide(limit_kind="immediate"), by=users["admin"]
        )
    assert exc.value.errors == [
        {"field": "promised_days", "message": "an item done on the spot has no promised days"}
    ]


def test_who_may_change_the_catalogue(departments, users):
    from cityops.accounts.services import user_create

    with pytest.raises(Forbidden):
        item_save_draft(code="I1", department="D-SCJG", guide=guide(), by=users["dispatcher_v1"])
    item_save_draft(code="I1", department="D-SCJG", guide=guide(), by=users["admin"])
    scjg = user_create(
        username="scjg",
        role="department_handler",
        scope_level="town",
        password="Correct-Horse-42!",
        display_name="scjg",
        departments=["D-SCJG"],
    )
    item_save_draft(code="I1", department="D-SCJG", guide=guide(promised_days=2), by=scjg)
    item_publish(code="I1", by=scjg)
    with pytest.raises(NotFound):  # another department's item is not in the handler's scope
        item_publish(code="I1", by=users["handler"])
    with pytest.raises(Forbidden):
        item_save_draft(code="I2", department="D-GA", guide=guide(), by=scjg)
