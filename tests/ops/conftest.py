"""Fixtures of the operations centre's tests: the small town with its catalogue and workstations,
and a helper that opens a case through the intake."""

import pytest

from cityops.cases.choices import Channel
from cityops.cases.intake import IntakeIn, Reporter, case_intake
from tests.builders import grid_centre
from tests.cases.conftest import make_items, make_workstations


@pytest.fixture
def catalogue(users):
    make_workstations()
    make_items()
    return users


def new_case(users, grid: int, item: str = "E-GARBAGE", by: str = "officer"):
    lon, lat = grid_centre(grid)
    user = users[by]
    return case_intake(
        IntakeIn(channel=Channel.PATROL, item_code=item, lon=lon, lat=lat, reporter=Reporter(user=user)),
        by=user,
    ).case
