"""The IoT API: status codes, scope (404 outside it), problem details."""

import pytest

from cityops.iot.models import Device, Rule
from tests.builders import grid_centre
from tests.iot.rules.conftest import T0, alarms_of, feed

pytestmark = pytest.mark.django_db
JSON = "application/json"


def post(client, url, body):
    return client.post(url, body, content_type=JSON)


def patch(client, url, body):
    return client.patch(url, body, content_type=JSON)


def test_device_list_and_detail_are_scoped(api_client, devices, world):
    c = api_client.login_as(world["dispatcher_v1"])
    codes = {d["code"] for d in c.get("/api/v1/iot/devices?page_size=100").json()["results"]}
    assert codes == {"BIN-G1", "WL-G2", "NZ-G1", "MH-G2", "SL-G1"}
    assert c.get("/api/v1/iot/devices?type=waste_bin").json()["count"] == 1
    assert c.get("/api/v1/iot/devices?q=WL").json()["results"][0]["code"] == "WL-G2"
    detail = c.get("/api/v1/iot/devices/BIN-G1").json()
    assert {r["code"] for r in detail["rules"]} == {"bin-full", "battery-low", "offline"}
    assert {s["quantity"] for s in detail["streams"]} == {"fill_level", "battery"}
    r = c.get("/api/v1/iot/devices/BIN-G7")
    assert r.status_code == 404 and r["Content-Type"] == "application/problem+json"
    assert api_client.login_as(world["inspector_g1"]).get("/api/v1/iot/devices").status_code == 403


def test_device_create_update_move_and_secret(api_client, world):
    c = api_client.login_as(world["steward"])
    lon, lat = grid_centre(3)
    body = {"code": "GEN-1", "name": "通用一", "type": "generic", "lon": lon, "lat": lat}
    r = post(c, "/api/v1/iot/devices", body)
    assert r.status_code == 201 and r.json()["grid"] == "G3"
    assert post(c, "/api/v1/iot/devices", body).status_code == 422  # code taken
    far = post(c, "/api/v1/iot/devices", {**body, "code": "GEN-2", "lon": 100.0, "lat": 20.0})
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "location"
    assert post(c, "/api/v1/iot/devices", {**body, "code": "GEN-3", "colour": "red"}).status_code == 422
    lon8, lat8 = grid_centre(8)
    r = patch(
        c,
        "/api/v1/iot/devices/GEN-1",
        {"name": "通用一号", "lon": lon8, "lat": lat8, "status": "maintenance"},
    )
    assert r.status_code == 200
    assert (r.json()["name"], r.json()["grid"], r.json()["status"]) == ("通用一号", "G8", "maintenance")
    s = c.post("/api/v1/iot/devices/GEN-1/secret")
    assert s.status_code == 201 and len(s.json()["secret"]) >= 32
    assert Device.objects.get(code="GEN-1").secret_hash.startswith("$7$")
    d = api_client.login_as(world["dispatcher_v1"])
    assert post(d, "/api/v1/iot/devices", {**body, "code": "GEN-4"}).status_code == 403


def test_device_types_and_rules(api_client, world):
    c = api_client.login_as(world["steward"])
    types = c.get("/api/v1/iot/device-types").json()
    assert len(types) == 10 and {q["quantity"] for q in types[0]["quantities"]}
    rules = c.get("/api/v1/iot/rules?type=gas").json()
    assert {r["code"] for r in rules} == {"gas-leak", "offline"}
    body = {
        "type": "gas",
        "code": "gas-rising",
        "name": "浓度上升",
        "kind": "rate",
        "severity": "minor",
        "quantity": "gas_lel",
        "params": {"value": 2, "clear_value": 0.5},
    }
    r = post(c, "/api/v1/iot/rules", body)
    assert r.status_code == 201, r.json()
    bad = post(c, "/api/v1/iot/rules", {**body, "code": "gas-bad", "params": {"value": 2, "clear_value": 5}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "params.clear_value"
    rule_id = r.json()["id"]
    assert patch(c, f"/api/v1/iot/rules/{rule_id}", {"enabled": False}).json()["enabled"] is False
    assert patch(c, f"/api/v1/iot/rules/{rule_id}", {"params": {"value": -1}}).status_code == 422
    assert Rule.objects.get(pk=rule_id).params["value"] == 2
    assert post(api_client.login_as(world["officer"]), "/api/v1/iot/rules", body).status_code == 403


def test_alarm_endpoints(api_client, devices, world):
    feed(devices["bin"], {"fill_level": 0.85}, T0)
    alarm = alarms_of(devices["bin"]).get()
    d1 = api_client.login_as(world["dispatcher_v1"])
    page = d1.get("/api/v1/iot/alarms?status=active").json()
    assert page["count"] == 1 and page["results"][0]["severity_colour"] == "#876800"
    url = f"/api/v1/iot/alarms/{alarm.pk}"
    assert d1.get(url).json()["rule"] == "bin-full"
    assert post(d1, f"{url}/ack", {"note": "收到"}).json()["acknowledged_by"] == "dispatcher_v1"
    assert post(d1, f"{url}/ack", {}).status_code == 409
    r = post(d1, f"{url}/comments", {"text": "已派车"})
    assert r.status_code == 201 and r.json()["author"] == "dispatcher_v1"
    assert post(d1, f"{url}/comments", {"text": ""}).status_code == 422
    d4 = api_client.login_as(world["dispatcher_v4"])
    assert d4.get(url).status_code == 404
    assert post(d4, f"{url}/clear", {}).status_code == 404
    steward = api_client.login_as(world["steward"])
    assert post(steward, f"{url}/clear", {}).status_code == 403
    d1 = api_client.login_as(world["dispatcher_v1"])
    cleared = post(d1, f"{url}/clear", {"note": "已清运"}).json()
    assert cleared["status"] == "cleared" and cleared["cleared_by"] == "dispatcher_v1"
    assert [c["text"] for c in cleared["comments"]] == ["收到", "已派车", "已清运"]
    assert post(d1, f"{url}/clear", {}).status_code == 409


def test_alarm_detail_shows_its_case(api_client, devices, world):
    from cityops.cases.models import Case

    feed(devices["manhole"], {"cover_open": 1}, T0)
    alarm = alarms_of(devices["manhole"]).get()
    Case.objects.filter(pk=alarm.case_id).update(status="closed", closed_at=T0)
    body = api_client.login_as(world["officer"]).get(f"/api/v1/iot/alarms/{alarm.pk}").json()
    assert body["case"]["number"] == alarm.case_number and body["case"]["status"] == "closed"
