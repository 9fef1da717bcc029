"""Security fixtures: English messages, a security officer beside the named users, a system in the
register and an incident to respond to."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from cityops.security.incidents import services as incidents
from cityops.security.register import services as register
from cityops.security.register.services import ContactIn, SystemIn
from tests.conftest import _user


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(users):
    return {**users, "security": _user("security", "security_officer")}


def system_in(**changes) -> SystemIn:
    data = {
        "code": "SYS-OPS",
        "name": "城市运营中心平台",
        "owner": "D-CG",
        "level": 3,
        "exposure": "extranet",
        "filing_number": "44190099001-21001",
        "personal_data": True,
        "data_note": "居民姓名、电话",
        "contacts": [ContactIn("responsible", "李建华", "13800138000", "li@example.gov.cn")],
    }
    data.update(changes)
    return SystemIn(**data)


@pytest.fixture
def system(people):
    return register.system_create(by=people["security"], data=system_in())


def register_incident(by, **changes):
    data = {
        "title": "门户网站首页被篡改",
        "category": "attack",
        "subcategory": "defacement",
        "grade": "major",
        "discovered_at": timezone.now() - timedelta(minutes=30),
        "systems": [],
    }
    data.update(changes)
    return incidents.incident_register(by=by, **data)


@pytest.fixture
def incident(people, system):
    return register_incident(people["security"], systems=[system.code])
