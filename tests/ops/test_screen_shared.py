"""The screen's figures and map are built once per few seconds for everyone who would get the same
answer, and never handed to someone who would get another."""

import pytest
from django.core.cache import cache

from cityops.cases.rollup import rollup_all
from tests.conftest import PASSWORD
from tests.ops.conftest import new_case


@pytest.fixture
def shared(settings):
    settings.CITYOPS_SCREEN_SHARED_SECONDS = 5
    cache.clear()
    yield
    cache.clear()


def signed_in(client_class, user):
    c = client_class()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def open_now(response) -> int:
    panels = {p["key"]: p["data"] for p in response.json()["panels"]}
    return panels["cases.figures"]["open_now"]


def test_screens_with_the_same_sight_share_an_answer_and_others_get_their_own(catalogue, shared, client):
    officer, dispatcher = catalogue["officer"], catalogue["dispatcher_v1"]
    new_case(catalogue, grid=1)
    new_case(catalogue, grid=7)  # outside the dispatcher's village
    rollup_all()
    wall = signed_in(type(client), officer)
    first = wall.get("/ops/screen/figures.json")
    assert open_now(first) == 2
    new_case(catalogue, grid=2)
    # within the few seconds the same answer is given again, to a second screen of the same sight too
    assert open_now(wall.get("/ops/screen/figures.json")) == 2
    assert wall.get("/ops/screen/map.json?unit=village:V1").status_code == 200
    # a dispatcher of one village never gets the town's answer: their own, built for them
    village = signed_in(type(client), dispatcher)
    assert open_now(village.get("/ops/screen/figures.json?unit=village:V1")) == 2  # G1 and G2, not G7
    cache.clear()  # the few seconds are over
    assert open_now(wall.get("/ops/screen/figures.json")) == 3
