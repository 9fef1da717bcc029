"""Authentication, roles and scope: a village dispatcher sees only her village's Things."""

import base64

from tests.iot.sta.conftest import BASE


def test_anonymous_is_401(client, sta_data):
    response = client.get(BASE + "Things")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in response.json()["message"]


def test_bad_token_is_401(client, sta_data):
    response = client.get(BASE + "Things", HTTP_AUTHORIZATION="Bearer cto_nope")
    assert response.status_code == 401


def test_basic_auth_with_token_as_password(client, sta_data, users):
    from cityops.accounts.services import token_create

    _t, raw = token_create(user=users["officer"], name="basic")
    good = base64.b64encode(f"officer:{raw}".encode()).decode()
    assert client.get(BASE + "Things", HTTP_AUTHORIZATION=f"Basic {good}").status_code == 200
    wrong = base64.b64encode(f"admin:{raw}".encode()).decode()
    assert client.get(BASE + "Things", HTTP_AUTHORIZATION=f"Basic {wrong}").status_code == 401


def test_session_reads(api_client, sta_data, users):
    response = api_client.login_as(users["officer"]).get(BASE + "Things")
    assert response.status_code == 200 and len(response.json()["value"]) == 4


def test_role_without_iot_view_is_403(sta, sta_data):
    response = sta("inspector_g1").get("Things")
    assert response.status_code == 403
    assert "iot.view" in response.json()["message"]


def test_village_dispatcher_sees_only_her_village(sta, sta_data):
    client = sta("dispatcher_v1")
    assert [t["name"] for t in client.json("Things")["value"]] == ["AIR-G1", "WL-G2"]
    assert {d["name"] for d in client.json("Datastreams")["value"]} == {
        "AIR-G1 PM2.5",
        "AIR-G1 PM10",
        "AIR-G1 二氧化氮",
        "WL-G2 水位",
    }
    assert client.json("Observations", {"$count": "true"})["@iot.count"] == 13
    other = sta_data["devices"]["AIR-G5"]
    for path in (f"Things({other.id})", f"Locations({other.id})", f"FeaturesOfInterest({other.id})"):
        assert client.get(path).status_code == 404
    ds = sta_data["streams"][("AIR-G5", "pm25")]
    assert client.get(f"Datastreams({ds.id})/Observations").status_code == 404


def test_other_village_sees_nothing(sta, sta_data):
    client = sta("dispatcher_v4")
    assert client.json("Things")["value"] == []
    assert client.json("Observations")["value"] == []
    ds = sta_data["streams"][("AIR-G1", "pm25")]
    first = sta().json(f"Datastreams({ds.id})/Observations", {"$top": "1"})["value"][0]["@iot.id"]
    assert client.get(f"Observations({first})").status_code == 404
    expanded = client.json("Sensors", {"$expand": "Datastreams"})
    assert all(s["Datastreams"] == [] for s in expanded["value"])


def test_reader_cannot_write(sta, sta_data):
    response = sta("officer").send("post", "Sensors", {"name": "x", "description": "y"})
    assert response.status_code == 403
    assert "iot.change" in response.json()["message"]


def test_method_errors(sta, sta_data):
    client = sta("steward")
    device = sta_data["devices"]["AIR-G1"]
    assert client.send("put", f"Things({device.id})", {"name": "x"}).status_code == 400
    assert client.send("patch", "Things", {"name": "x"}).status_code == 405
    assert client.send("post", "", {}).status_code == 405
