"""The demo's network security: the register in every state, the terminals through the import, the
incidents through the response's services, the drill out of the figures; seeding twice changes nothing."""

import pytest

from cityops.accounts.roles import Role
from cityops.demo import names, security
from cityops.org.services import department_upsert
from cityops.security.choices import DueState, TimerState
from cityops.security.incidents import selectors as incident_selectors
from cityops.security.models import Incident, InfoSystem, Terminal
from cityops.security.register import rules, selectors
from tests.conftest import _user

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    for code, name, short, in_grid, services in names.DEPARTMENTS:
        department_upsert(
            code=code, name=name, short_name=short, in_grid=in_grid, gives_services=services, actor_name="t"
        )
    return _user(security.SECURITY_LOGIN, Role.SECURITY_OFFICER)


def test_the_demo_register_terminals_and_incidents(officer):
    first = security.security_seed()
    assert first.created == len(security.SYSTEMS) + security.TERMINALS + 4
    states = {s.code: rules.due_state(s.next_due_on) for s in InfoSystem.objects.all()}
    assert states["SYS-CITYOPS"] == DueState.DUE_SOON
    assert states["SYS-VIDEO"] == DueState.OVERDUE
    assert states["SYS-DATA"] == DueState.CURRENT
    assert InfoSystem.objects.get(code="SYS-GRID-OLD").status == "retired"
    counts = selectors.terminal_counts(user=officer)
    assert counts["all"] == security.TERMINALS and 0 < counts["any"] < security.TERMINALS // 5
    figures = incident_selectors.incident_figures(user=officer)
    assert figures["open"] == 2  # the defacement and the password attack; the drill and the scan are closed
    assert Incident.objects.filter(drill=True, status="closed").count() == 1
    running_out = [t.incident.title for t in incident_selectors.attention(user=officer)]
    assert running_out == ["协同办公系统账号遭口令暴力破解"]
    assert incident_selectors.attention(user=officer)[0].state == TimerState.WARNING
    assert security.security_seed().created == 0
    assert Terminal.objects.count() == security.TERMINALS
