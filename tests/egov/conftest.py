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
