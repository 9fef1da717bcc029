"""The screen's panel registry: panels are found, filtered by the user's actions, and one that
fails does not take the others down."""

import pytest

from cityops.core import screen


class FakeUser:
    def __init__(self, *actions):
        self.actions = set(actions)

    def can(self, action):
        return action in self.actions


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(screen, "_REGISTRY", {})
    monkeypatch.setattr(screen, "_discovered", True)
    return screen._REGISTRY


def test_panels_in_order_for_the_users_actions_and_a_failing_one_reported(registry):
    @screen.panel("a.second", title="Second", action="a.view", order=20)
    def second(user, unit):
        return {"unit": unit.level}

    @screen.panel("a.first", title="First", action="a.view", order=10)
    def first(user, unit):
        return {"n": 1}

    @screen.panel("b.secret", title="Secret", action="b.view", order=5)
    def secret(user, unit):
        return {"n": 2}

    @screen.panel("a.broken", title="Broken", action="a.view", order=30)
    def broken(user, unit):
        raise RuntimeError("boom")

    @screen.panel("a.empty", title="Empty", action="a.view", order=40)
    def empty(user, unit):
        return None

    got = screen.figures(FakeUser("a.view"), screen.Unit("village", 7))
    assert got == [
        {"key": "a.first", "title": "First", "data": {"n": 1}},
        {"key": "a.second", "title": "Second", "data": {"unit": "village"}},
        {"key": "a.broken", "title": "Broken", "error": "failed"},
    ]
    assert [f["key"] for f in screen.figures(FakeUser("a.view", "b.view"), keys={"b.secret"})] == ["b.secret"]


def test_two_panels_of_one_name_are_refused(registry):
    screen.panel("a.x", title="X", action="a.view")(lambda u, n: None)
    with pytest.raises(ValueError, match="two screen panels"):
        screen.panel("a.x", title="X", action="a.view")(lambda u, n: None)


def test_units_check_their_level_and_filter_their_rows():
    assert screen.TOWN.filter() == {}
    assert screen.Unit("grid", 3).filter("channel__") == {"channel__grid_id": 3}
    with pytest.raises(ValueError):
        screen.Unit("county", 1)
    with pytest.raises(ValueError):
        screen.Unit("village")
