"""The demo organisation and people, before anything is written."""

import re
from collections import Counter

from django.contrib.auth.password_validation import validate_password

from cityops.accounts.models import User
from cityops.accounts.roles import ROLE_LEVELS, Role
from cityops.demo import names
from cityops.demo.people import DEMO_INSPECTOR, DEMO_LOGINS, DEMO_PASSWORD, FIRST_GRID, inspector_specs
from cityops.demo.town import build_town


def test_19_departments_in_the_grid_and_28_with_services():
    depts = names.DEPARTMENTS
    assert sum(in_grid for _, _, _, in_grid, _ in depts) == 19
    assert sum(services for _, _, _, _, services in depts) == 28
    assert len({code for code, *_ in depts}) == len({name for _, name, *_ in depts}) == len(depts) == 35
    assert names.URBAN_MANAGEMENT in {code for code, *_ in depts}


def _specs():
    return inspector_specs([(g.code, g.shape.area) for g in build_town().grids])


def test_446_inspectors_three_or_four_per_grid():
    specs = _specs()
    per_grid = Counter(s.grid for s in specs)
    assert len(specs) == 446
    assert len(per_grid) == 125 and set(per_grid.values()) == {3, 4}
    assert len({s.username for s in specs}) == len({s.display_name for s in specs}) == 446
    assert len({s.phone for s in specs}) == 446
    assert all(re.fullmatch(r"1[3-9]\d{9}", s.phone) for s in specs)
    assert all(2 <= len(s.display_name) <= 3 for s in specs)
    assert (specs[0].username, specs[0].grid) == (DEMO_INSPECTOR, FIRST_GRID)


def test_inspectors_are_the_same_every_time():
    assert _specs() == _specs()


def test_one_demo_login_per_role_in_a_scope_the_role_allows():
    roles = Counter(login.role for login in DEMO_LOGINS) + Counter([Role.INSPECTOR])
    assert set(roles) == set(Role.values)
    assert roles[Role.DISPATCHER] == 2
    for login in DEMO_LOGINS:
        assert login.scope_level in ROLE_LEVELS[login.role]


def test_the_demo_password_passes_the_validators():
    for login in DEMO_LOGINS:
        validate_password(DEMO_PASSWORD, User(username=login.username, role=login.role))
