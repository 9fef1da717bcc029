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


@pytest.fixture
def at_village_and_town(published, clerk):
    """Two ratings of applications made at village V1's centre (one bad, so followed up) and one at
    the service centre."""
    from tests.conftest import _user

    v1_clerk = _user("clerk_v1", "window_clerk", "village", "V1")
    rate(opened(v1_clerk, at(3, 2)), 5, at(3, 3))
    rate(opened(v1_clerk, at(3, 2)), 1, at(3, 3))
    rate(opened(clerk, at(3, 2)), 4, at(3, 3))
    return Village.objects.select_related("area").get(code="V1")


def test_the_figures_narrow_to_an_area_or_a_village_as_the_applications_do(at_village_and_town, supervisor):
    from cityops.egov.ratings.kpis import follow_up_now

    v1 = at_village_and_town
    other = Village.objects.exclude(area=v1.area).first()
    place = {"start": MARCH.start, "end": MARCH.end}
    assert totals(user=supervisor, where=MARCH)["ended"] == 3
    assert totals(user=supervisor, where=Where(**place, village=v1.pk))["ended"] == 2
    assert totals(user=supervisor, where=Where(**place, area=v1.area_id))["ended"] == 2
    assert totals(user=supervisor, where=Where(**place, village=other.pk))["ended"] == 0
    assert follow_up_now(user=supervisor, where=Where(**place, village=v1.pk))["open"] == 1
    assert follow_up_now(user=supervisor, where=Where(**place, village=other.pk))["open"] == 0


def test_the_figures_api_and_page_take_an_area_and_a_village_and_name_an_unknown_one(
    at_village_and_town, supervisor, client, settings
):
    v1 = at_village_and_town
    other_area = type(v1.area).objects.exclude(pk=v1.area_id).first()
    client.force_login(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    march = {"start": "2026-03-01", "end": "2026-03-31"}
    url = "/api/v1/egov/rating-figures"
    assert client.get(url, {**march, "village": "V1"}).json()["total"]["ended"] == 2
    assert client.get(url, {**march, "area": v1.area.code, "village": "V1"}).json()["total"]["ended"] == 2
    unknown = client.get(url, {**march, "village": "V99"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [{"field": "query.village", "message": "no village V99"}]
    elsewhere = client.get(url, {**march, "area": other_area.code, "village": "V1"})
    assert elsewhere.json()["errors"] == [
        {"field": "query.village", "message": f"village V1 is not in area {other_area.code}"}
    ]
    page = client.get("/services/ratings/", {**march, "village": "V1"})
    assert page.context["total"]["ended"] == 2 and page.context["where"].village == v1.pk
    wrong = client.get("/services/ratings/", {**march, "area": "A99"})
    assert "no area A99" in wrong.content.decode() and wrong.context["total"]["ended"] == 3
