"""Decision support's pages: each opens for the centre's roles, in the reader's scope (a grid
outside it is a 404); a bad choice is answered with a message naming it; roles without ops.view
are refused; the forecast can be asked for again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.ops.models import ForecastState
from tests.ops.insight_data import build_grid_town, stat

pytestmark = pytest.mark.django_db
PAGES = ["", "hotspots/", "hotspots/time/", "places/", "rankings/", "forecast/"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens(client, users, page):
    client.force_login(users["officer"])
    response = client.get(f"/ops/insight/{page}")
    assert response.status_code == 200
    assert 'data-testid="ops-nav"' in response.content.decode()


@pytest.mark.parametrize("who", ["inspector_g1", "handler", "resident"])
def test_roles_without_the_centre_are_refused(client, users, who):
    client.force_login(users[who])
    assert client.get("/ops/insight/hotspots/").status_code == 403


def test_a_grid_outside_the_scope_is_a_404(client, users):
    client.force_login(users["dispatcher_v1"])
    assert client.get("/ops/insight/hotspots/grid/G1/").status_code == 200
    assert client.get("/ops/insight/hotspots/grid/G5/").status_code == 404
    assert client.get("/ops/insight/hotspots/grid/NOPE/").status_code == 404


def test_a_village_has_too_few_grids_for_hot_spots(client, users):
    client.force_login(users["dispatcher_v1"])
    page = client.get("/ops/insight/hotspots/")
    assert page.context["result"].refusal == (
        "Too few grids for hot spots: 2 in your scope, at least 9 are needed to compare neighbourhoods"
    )
    assert b"insight-map-data" not in page.content


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("hotspots/?start=2026-13-01", "The start must be a date as YYYY-MM-DD, not “2026-13-01”"),
        (
            "hotspots/?start=2026-03-02&end=2026-03-01",
            "The period ends (2026-03-01) before it starts (2026-03-02)",
        ),
        ("places/?start=2024-01-01&end=2026-01-01", "A period is at most 366 days long"),
        ("places/?radius=5000", "Radius (m) must be a whole number from 10 to 500, not “5000”"),
        ("hotspots/?group=ZZ", "There is no item group “ZZ”"),
        ("hotspots/time/?weeks=two", "Weeks must be a whole number from 4 to 26, not “two”"),
        ("rankings/?dimension=grid", "A ranking is of departments or villages, not “grid”"),
        ("rankings/?kpi=nothing", "There is no indicator “nothing” to rank by"),
    ],
)
def test_bad_input_is_named(client, users, url, message):
    client.force_login(users["officer"])
    response = client.get(f"/ops/insight/{url}")
    assert response.status_code == 400
    assert response.context["error"] == message


def test_the_hot_spot_page_maps_the_town(client, db):
    from tests.conftest import _user

    grids = build_grid_town()
    day = timezone.localdate() - timedelta(days=3)
    for i, g in enumerate(grids):
        stat(day, g, 40 if i in (7, 8, 13, 14) else 3)
    officer = _user("officer_gt", "duty_officer")
    client.force_login(officer)
    page = client.get("/ops/insight/hotspots/")
    assert page.status_code == 200
    classes = {f["properties"]["code"]: f["properties"]["cls"] for f in page.context["map_data"]["features"]}
    assert len(classes) == 36 and classes["Q11"].startswith("hot")
    assert b'id="insight-map"' in page.content


def test_asking_for_a_new_forecast(client, users):
    client.force_login(users["dispatcher_v1"])
    response = client.post("/ops/insight/forecast/refresh/")
    assert response.status_code == 302
    state = ForecastState.objects.get(pk=1)
    assert state.requested_by == "dispatcher_v1" and state.requested_at is not None
    assert client.get("/ops/insight/forecast/refresh/").status_code == 405
