"""好差评's figures: by department, window and item, in the user's scope, in a fixed number of queries,
and the screen's panel in the reader's language."""

import pytest
from django.utils import timezone, translation

from cityops.core import screen
from cityops.core.screen import TOWN, Unit
from cityops.egov.models import Rating
from cityops.egov.ratings.kpis import Where, table, totals
from cityops.egov.ratings.screen import ratings as ratings_panel
from cityops.geo.models import Village
from tests.egov.rating_builders import _listening, at, opened, rate  # noqa: F401

pytestmark = pytest.mark.django_db
MARCH = Where(at(3, 1).date(), at(3, 31).date())


def test_figures_by_window_and_item_count_each_rating_once(published, clerk, approver, supervisor):
    from tests.conftest import _user

    second = _user("clerk2", "window_clerk")
    for level in (5, 4, 1):
        rate(opened(clerk, at(3, 2)), level, at(3, 3))
    rate(opened(second, at(3, 4), code="SCJG-2"), 3, at(3, 5), source="window", by=second)
    opened(second, at(3, 4))  # awaiting
    opened(clerk, at(2, 27))  # concluded before the period
    by_clerk = {r["code"]: r for r in table(user=supervisor, where=MARCH, dimension="clerk")}
    assert by_clerk["clerk"]["ended"] == 3 and by_clerk["clerk"]["satisfaction"] == round(2 / 3, 4)
    assert by_clerk["clerk2"]["ended"] == 2 and by_clerk["clerk2"]["coverage"] == 0.5
    assert by_clerk["clerk2"]["satisfaction"] == 0.0 and by_clerk["clerk2"]["score"] == 3.0
    total = totals(user=approver, where=MARCH)
    assert (total["ended"], total["rated"], total["awaiting"], total["bad"]) == (5, 4, 1, 1)
    assert total["score"] == round((5 + 4 + 1 + 3) / 4, 2)
    assert [r["ended"] for r in table(user=approver, where=MARCH, dimension="item")] == [5]


def test_the_figures_take_a_fixed_number_of_queries(
    published, clerk, supervisor, django_assert_max_num_queries
):
    for level in (5, 2, 4):
        rate(opened(clerk, at(3, 2)), level, at(3, 3))
    with django_assert_max_num_queries(3):
        rows = table(user=supervisor, where=MARCH, dimension="item")
    assert rows[0]["ended"] == 3


def test_the_screen_panel_speaks_the_readers_language(published, clerk, users):
    today = timezone.now()
    rating = opened(clerk, today)
    rate(rating, 5, today)
    with translation.override("zh-hans"):
        shown = {p["key"]: p for p in screen.figures(users["officer"], TOWN)}
    panel = shown["egov.ratings"]["data"]
    labels = [i["label"] for i in panel["items"]]
    assert {"满意率", "主动评价率", "差评处置超期"} <= set(labels), labels
    assert all(isinstance(i["label"], str) and i["label"] not in panel for i in panel["items"])
    assert panel["month"]["ended"] == 1
    village = Village.objects.first()
    assert ratings_panel(users["officer"], Unit("grid", 1)) is None
    assert ratings_panel(users["officer"], Unit("village", village.pk))["month"]["ended"] == 0
    assert Rating.objects.count() == 1
