"""Every endpoint and page restricts to the acting user's scope; out-of-scope objects are 404."""

import json

import pytest

from tests.builders import grid_centre

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def grid_codes(resp):
    return sorted(f["properties"]["code"] for f in resp.json()["features"])


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("officer", ["G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8"]),
        ("area_dispatcher", ["G1", "G2", "G3", "G4"]),
        ("dispatcher_v1", ["G1", "G2"]),
        ("dispatcher_v4", ["G7", "G8"]),
        ("inspector_g1", ["G1"]),
    ],
)
def test_grid_list_is_scoped(client, users, who, expected):
    resp = get(client, users[who], "/api/v1/geo/grids")
    assert resp.status_code == 200
    assert grid_codes(resp) == expected
    assert resp.json()["paging"]["count"] == len(expected)


def test_a_village_dispatcher_cannot_read_another_villages_grid(client, users):
    resp = get(client, users["dispatcher_v1"], "/api/v1/geo/grids/G7")
    assert resp.status_code == 404 and resp["Content-Type"] == PROBLEM
    assert resp.json()["detail"] == "There is no grid 'G7' in your scope."
    assert get(client, users["dispatcher_v4"], "/api/v1/geo/grids/G7").status_code == 200


def test_filters_cannot_widen_scope(client, users):
    resp = get(client, users["dispatcher_v1"], "/api/v1/geo/grids", village="V4")
    assert resp.status_code == 200 and grid_codes(resp) == []
    resp = get(client, users["dispatcher_v1"], "/api/v1/geo/places", village="V3")
    assert resp.json()["count"] == 0


def test_tree_shows_own_branch_and_ancestors_only(client, users):
    tree = get(client, users["dispatcher_v1"], "/api/v1/geo/tree").json()
    assert tree["code"] == "T"
    assert [a["code"] for a in tree["areas"]] == ["A1"]
    assert [v["code"] for v in tree["areas"][0]["villages"]] == ["V1"]
    assert [g["code"] for g in tree["areas"][0]["villages"][0]["grids"]] == ["G1", "G2"]


def test_places_are_scoped(client, users):
    officer = get(client, users["officer"], "/api/v1/geo/places").json()
    assert sorted(p["code"] for p in officer["results"]) == ["C2", "S1", "S2"]
    mine = get(client, users["dispatcher_v1"], "/api/v1/geo/places").json()
    assert [p["code"] for p in mine["results"]] == ["S1"]
    other = get(client, users["dispatcher_v4"], "/api/v1/geo/places").json()
    assert other["results"] == []


def test_export_is_scoped(client, users):
    doc = get(client, users["dispatcher_v4"], "/api/v1/geo/export").json()
    codes = sorted(f["properties"]["code"] for f in doc["features"])
    assert codes == ["A2", "G7", "G8", "T", "V4"]


def test_inspectors_of_a_grid_are_scoped(client, users):
    resp = get(client, users["dispatcher_v1"], "/api/v1/accounts/grids/G1/inspectors")
    assert resp.status_code == 200
    assert resp.json() == [
        {"username": "inspector_g1", "display_name": "inspector_g1", "phone": "138****5678"}
    ]
    assert get(client, users["dispatcher_v4"], "/api/v1/accounts/grids/G1/inspectors").status_code == 404


def test_user_list_is_scoped_and_masked(client, users):
    resp = get(client, users["dispatcher_v1"], "/api/v1/accounts/users")
    assert sorted(u["username"] for u in resp.json()["results"]) == ["dispatcher_v1", "inspector_g1"]
    assert all(u["phone"] == "138****5678" for u in resp.json()["results"])
    assert get(client, users["inspector_g1"], "/api/v1/accounts/users").status_code == 403


def test_workstations_show_the_chain_of_command_above_a_village(client, users):
    from cityops.geo.models import Area, Village
    from cityops.org.models import Workstation

    Workstation.objects.create(code="W0", name="指挥中心", level="town")
    for a in Area.objects.all():
        Workstation.objects.create(code=f"W{a.code}", name=f"{a.name}工作站", level="area", area=a)
    for v in Village.objects.all():
        Workstation.objects.create(
            code=f"W{v.code}", name=f"{v.name}工作站", level="village", area=v.area, village=v
        )
    resp = get(client, users["dispatcher_v1"], "/api/v1/org/workstations")
    assert sorted(w["code"] for w in resp.json()["results"]) == ["W0", "WA1", "WV1"]
    assert resp.json()["count"] == 3


def test_locate_is_open_to_staff_and_answers_outside(client, users):
    lon, lat = grid_centre(7)
    resp = get(client, users["dispatcher_v1"], "/api/v1/geo/locate", lon=lon, lat=lat)
    assert resp.json()["grid"] == "G7"  # locating a point is not reading another village's objects
    resp = get(client, users["officer"], "/api/v1/geo/locate", lon=100, lat=20)
    assert resp.json() == {
        "inside": False,
        "lon": 100.0,
        "lat": 20.0,
        "grid": None,
        "grid_name": None,
        "village": None,
        "village_name": None,
        "area": None,
        "area_name": None,
    }


def test_a_resident_cannot_read_internal_geography(client, users):
    for url in ["/api/v1/geo/grids", "/api/v1/geo/tree", "/api/v1/geo/places", "/api/v1/org/departments"]:
        resp = get(client, users["resident"], url)
        assert resp.status_code == 403, url
        assert resp["Content-Type"] == PROBLEM


def test_only_town_level_stewards_may_import(client, users):
    body = json.dumps({"type": "FeatureCollection", "features": []})
    for who in ["dispatcher_v1", "officer", "inspector_g1"]:
        client.force_login(users[who])
        resp = client.post("/api/v1/geo/import", body, content_type="application/json")
        assert resp.status_code == 403, who
    client.force_login(users["steward"])
    resp = client.post("/api/v1/geo/import", body, content_type="application/json")
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["message"] == "the FeatureCollection has no features"


def test_pages_are_scoped(client, users):
    client.force_login(users["dispatcher_v1"])
    page = client.get("/map/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "网格1" in text and "网格7" not in text
    client.force_login(users["resident"])
    assert client.get("/map/").status_code == 403
    client.force_login(users["dispatcher_v1"])
    assert client.get("/admin/").status_code == 302  # not staff: sent to the admin login


def test_admin_lists_only_accounts_in_scope(client, users):
    from cityops.accounts.models import User

    assert User.objects.restrict(users["admin"], "accounts.view").count() == len(users)
    assert set(User.objects.restrict(users["dispatcher_v1"], "accounts.change")) == set()
