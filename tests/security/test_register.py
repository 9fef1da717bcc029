"""The register of information systems: what an entry must hold, when the next assessment falls due
(level 3 yearly), the worker's warnings before it, stale edits, and who may write."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cityops.audit.models import AuditRecord
from cityops.core.errors import Conflict, Forbidden, ValidationFailed
from cityops.security.choices import DueState
from cityops.security.models import InfoSystem
from cityops.security.register import rules, selectors, services, sweeper
from cityops.security.register.services import ContactIn
from tests.security.conftest import system_in

pytestmark = pytest.mark.django_db


def test_a_system_is_added_with_its_contacts_and_audited_with_them_masked(people, system):
    assert system.owner.code == "D-CG" and system.level == 3
    assert [(c.role, c.name) for c in system.contacts.all()] == [("responsible", "李建华")]
    # never assessed, level 3: due now
    assert system.next_due_on == timezone.localdate()
    record = AuditRecord.objects.get(action="security.system.create", object_id=str(system.pk))
    (contact,) = record.after["contacts"]
    assert contact["phone"] == "138****8000" and contact["email"] == "l***@example.gov.cn"


def test_an_entry_with_problems_names_each_and_writes_nothing(people):
    bad = system_in(
        code="bad code!",
        owner="D-NONE",
        level=2,
        filing_number="",
        exposure="moon",
        contacts=[ContactIn("vendor", "", "call me", "not-an-email")],
    )
    with pytest.raises(ValidationFailed) as exc:
        services.system_create(by=people["security"], data=bad)
    fields = {e["field"] for e in exc.value.errors}
    assert fields == {
        "code",
        "owner",
        "exposure",
        "filing_number",
        "contacts.0.name",
        "contacts.0.phone",
        "contacts.0.email",
        "contacts",  # no responsible person
    }
    assert not InfoSystem.objects.exists()


def test_codes_are_unique(people, system):
    with pytest.raises(ValidationFailed) as exc:
        services.system_create(by=people["security"], data=system_in())
    assert exc.value.errors[0]["field"] == "code"


@pytest.mark.parametrize("who", ["auditor", "admin", "officer", "steward"])
def test_only_the_security_officer_writes_the_register(people, system, who):
    with pytest.raises(Forbidden):
        services.system_create(by=people[who], data=system_in(code="SYS-2"))
    with pytest.raises(Forbidden):
        services.assessment_record(
            by=people[who],
            code=system.code,
            assessed_on=date(2025, 1, 1),
            result="good",
            assessor="x",
            version=1,
        )


def test_the_register_is_read_by_the_security_officer_and_the_auditor_only(people, system):
    assert list(selectors.system_list(user=people["auditor"])) == [system]
    for who in ("admin", "officer", "handler"):
        assert not selectors.system_list(user=people[who]).exists()


def test_a_level_3_assessment_sets_the_next_one_a_year_later(people, system):
    assessed = timezone.localdate() - timedelta(days=30)
    system = services.assessment_record(
        by=people["security"],
        code=system.code,
        assessed_on=assessed,
        result="good",
        assessor="广东省测评中心",
        version=system.version,
    )
    assert system.last_result == "good" and system.last_assessed_on == assessed
    assert system.next_due_on == rules.add_months(assessed, 12)
    assert rules.due_state(system.next_due_on) == DueState.CURRENT
    # an earlier date may be set; a later one may not
    with pytest.raises(ValidationFailed) as exc:
        services.system_update(
            by=people["security"],
            code=system.code,
            data=system_in(next_due_on=system.next_due_on + timedelta(days=1)),
            version=system.version,
        )
    assert exc.value.errors[0]["field"] == "next_due_on"
    earlier = system.next_due_on - timedelta(days=60)
    system = services.system_update(
        by=people["security"], code=system.code, data=system_in(next_due_on=earlier), version=system.version
    )
    assert system.next_due_on == earlier


def test_an_assessment_in_the_future_or_older_than_the_last_is_refused(people, system):
    services.assessment_record(
        by=people["security"],
        code=system.code,
        assessed_on=date(2025, 6, 1),
        result="good",
        assessor="A",
        version=1,
    )
    for day in (timezone.localdate() + timedelta(days=1), date(2025, 5, 1)):
        with pytest.raises(ValidationFailed) as exc:
            services.assessment_record(
                by=people["security"],
                code=system.code,
                assessed_on=day,
                result="fair",
                assessor="A",
                version=2,
            )
        assert exc.value.errors[0]["field"] == "assessed_on"
    assert InfoSystem.objects.get(pk=system.pk).last_result == "good"


def test_months_are_added_the_way_a_calendar_reads_them():
    assert rules.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert rules.add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert rules.add_months(date(2025, 1, 15), 12) == date(2026, 1, 15)


def test_levels_without_a_cycle_keep_the_owners_date(people):
    system = services.system_create(
        by=people["security"], data=system_in(code="SYS-1", level=1, filing_number="")
    )
    assert system.next_due_on is None
    assert rules.due_state(system.next_due_on) == DueState.NOT_SET


def test_a_stale_edit_is_refused_and_changes_nothing(people, system):
    services.system_update(by=people["security"], code=system.code, data=system_in(name="新名称"), version=1)
    with pytest.raises(Conflict):
        services.system_update(
            by=people["security"], code=system.code, data=system_in(name="旧表单"), version=1
        )
    assert InfoSystem.objects.get(pk=system.pk).name == "新名称"


def test_the_worker_warns_before_an_assessment_falls_due_and_again_for_the_next(people, settings, system):
    settings.CITYOPS_SECURITY_ASSESSMENT_WARN_DAYS = 30
    today = timezone.localdate()
    assessed = rules.add_months(today, -12) + timedelta(days=20)  # due in 20 days
    system = services.assessment_record(
        by=people["security"], code=system.code, assessed_on=assessed, result="good", assessor="A", version=1
    )
    assert rules.due_state(system.next_due_on) == DueState.DUE_SOON
    assert sweeper.sweep().warned == 1
    assert sweeper.sweep().warned == 0
    result = sweeper.sweep(today=system.next_due_on + timedelta(days=1))
    assert (result.warned, result.overdue) == (0, 1)
    assert sweeper.sweep(today=system.next_due_on + timedelta(days=2)).overdue == 0
    assert list(selectors.due_attention(user=people["auditor"])) == [system]
    # the next assessment gives a new due date, warned in its own time
    system = services.assessment_record(
        by=people["security"],
        code=system.code,
        assessed_on=today,
        result="excellent",
        assessor="A",
        version=system.version,
    )
    assert sweeper.sweep().warned == 0
    assert sweeper.sweep(today=system.next_due_on - timedelta(days=5)).warned == 1
    actions = list(
        AuditRecord.objects.filter(
            object_id=str(system.pk), action__in=["security.system.warn", "security.system.overdue"]
        )
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["security.system.warn", "security.system.overdue", "security.system.warn"]


def test_retired_systems_are_not_warned(people, system):
    services.system_update(
        by=people["security"], code=system.code, data=system_in(status="retired"), version=1
    )
    assert sweeper.sweep(today=timezone.localdate() + timedelta(days=400)).overdue == 0
