"""Fixtures of the duty desk: the two default shifts, leaders and officers."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from cityops.ops.models import ShiftTemplate
from tests.cases.conftest import catalogue  # noqa: F401 (the cases' catalogue and workstations)
from tests.conftest import _user


@pytest.fixture(autouse=True)
def _english():
    """Messages in English in tests; the pages ask for their language themselves."""
    with translation.override("en"):
        yield


@pytest.fixture
def shifts(db):
    return {t.code: t for t in ShiftTemplate.objects.all()}


@pytest.fixture
def people(users):
    """Two leaders (town duty officers) and three duty officers, besides the named users."""
    return {
        **users,
        "lead1": _user("lead1", "duty_officer"),
        "lead2": _user("lead2", "duty_officer"),
        "duty1": _user("duty1", "duty_officer"),
        "duty2": _user("duty2", "duty_officer"),
        "duty3": _user("duty3", "duty_officer"),
        "area_officer": _user("area_officer", "duty_officer", "area", "A1"),
    }


@pytest.fixture
def future_day():
    return timezone.localdate() + timedelta(days=3)
