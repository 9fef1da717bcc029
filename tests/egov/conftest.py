"""Government service fixtures: English messages, a department giving services, guides to write."""

import pytest
from django.utils import translation

from cityops.egov.services import GuideIn, MaterialIn, SituationIn


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def guide(**changes) -> GuideIn:
    data = {
        "name": "食品经营许可证核发",
        "item_type": "licensing",
        "implementing_body": "市场监督管理分局",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "applicant": "both",
        "conditions": "有与经营的食品品种相适应的经营场所",
        "limit_kind": "promised",
        "legal_days": 20,
        "promised_days": 5,
        "online": True,
        "kiosk": True,
        "visits": 1,
        "online_depth": 3,
        "result_name": "食品经营许可证",
        "delivery": ["window", "electronic"],
        "situations": [SituationIn("委托他人代办")],
        "materials": [
            MaterialIn("食品经营许可申请书", "original", 1),
            MaterialIn("授权委托书", "original", 1, situation="委托他人代办"),
        ],
    }
    data.update(changes)
    return GuideIn(**data)


@pytest.fixture
def departments(town):
    from cityops.org.models import Department

    Department.objects.create(code="D-SCJG", name="市场监督管理分局", gives_services=True)
    Department.objects.create(code="D-GA", name="公安分局", gives_services=True)
    return True


# ---- applications ----------------------------------------------------------------------------------

PERSON_ID = "441900199207084567"
OTHER_ID = "441900200101017898"
COMPANY_CODE = "91441900MA4UH12341"
PHONE = "13912345678"


def applicant(**changes):
    from cityops.egov.applications.intake import ApplicantIn

    data = {"kind": "person", "name": "陈小梅", "id_number": PERSON_ID, "phone": PHONE}
    data.update(changes)
    return ApplicantIn(**data)


def draft(code: str = "SCJG-1", situations=(), **changes):
    from cityops.egov.applications.intake import DraftIn

    return DraftIn(item=code, applicant=applicant(**changes), situations=list(situations))


@pytest.fixture
def calendar(db):
    """The bundled holiday calendars (2026: 国庆 1–7 October, Saturday 10 October worked)."""
    from cityops.core.holidays import load_bundled_calendars

    load_bundled_calendars()
    return True


@pytest.fixture
def published(departments, calendar):
    """SCJG-1: a licence promised in 5 working days (20 by law), online, window and kiosk, with the
    situation of an agent; SCJG-2: done on the spot; SCJG-3: charged; GA-1: another department's."""
    from cityops.egov.services import item_publish, item_save_draft

    items = {
        "SCJG-1": ("D-SCJG", guide()),
        "SCJG-2": ("D-SCJG", guide(name="食品小作坊登记", limit_kind="immediate", promised_days=0)),
        "SCJG-3": ("D-SCJG", guide(name="特种设备检验", fee=True, fee_standard="每台300元")),
        "GA-1": ("D-GA", guide(name="出生登记", item_type="confirmation", kiosk=False)),
    }
    for code, (dept, g) in items.items():
        item_save_draft(code=code, department=dept, guide=g, actor_name="t")
        item_publish(code=code, actor_name="t")
    return items


@pytest.fixture
def clerk(departments):
    from tests.conftest import _user

    return _user("clerk", "window_clerk")


@pytest.fixture
def approver(departments):
    from tests.conftest import _user

    return _user("scjg_head", "department_handler", departments=["D-SCJG"])


# ---- 好差评 ------------------------------------------------------------------------------------------


@pytest.fixture
def supervisor(departments):
    from tests.conftest import _user

    return _user("supervisor", "service_supervisor")


@pytest.fixture
def handler_ga(departments):
    from tests.conftest import _user

    return _user("ga_head", "department_handler", departments=["D-GA"])
