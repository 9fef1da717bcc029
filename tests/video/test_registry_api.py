"""The registry API: lists and details in scope, strict inputs, write-only credentials."""

import json

import pytest

from cityops.video.credentials import open_credentials
from cityops.video.models import Channel
from tests.video.conftest import gb

pytestmark = pytest.mark.usefixtures("english_pages")

BASE = "/api/v1/video"
SECRET = "Api-S3cret"


def post(client, path, body):
    return client.post(BASE + path, json.dumps(body), content_type="application/json")


def patch(client, path, body):
    return client.patch(BASE + path, json.dumps(body), content_type="application/json")


def test_channel_list_and_get_are_scoped(api_client, users, video_channels):
    c = api_client.login_as(users["officer"])
    body = c.get(BASE + "/channels").json()
    assert body["count"] == 7
    assert c.get(BASE + "/channels?build_status=planned").json()["count"] == 1
    assert c.get(BASE + "/channels?q=五号").json()["count"] == 1
    c = api_client.login_as(users["dispatcher_v1"])  # village V1: grids 1 and 2
    gb_ids = {r["gb_id"] for r in c.get(BASE + "/channels").json()["results"]}
    assert gb_ids == {video_channels[k].gb_id for k in ("g1a", "g1b", "g2")}
    assert c.get(f"{BASE}/channels/{video_channels['g5'].gb_id}").status_code == 404
    assert c.get(f"{BASE}/channels/{video_channels['g1a'].gb_id}").json()["village"] == "V1"
    assert c.get(BASE + "/sites/PS-G5").status_code == 404
    sites = c.get(BASE + "/sites").json()
    assert {s["code"] for s in sites["results"]} == {"PS-G1", "PS-G2"}
    assert api_client.login_as(users["resident"]).get(BASE + "/channels").status_code == 403


def test_projects_with_progress(api_client, users, video_channels):
    c = api_client.login_as(users["officer"])
    projects = {p["code"]: p for p in c.get(BASE + "/projects").json()}
    ps = projects["kjhcq"]["progress"]
    assert (ps["planned"], ps["built"], ps["plan"]) == (1, 4, 8)
    assert ps["percent"] == 50.0
    detail = c.get(BASE + "/projects/kjhcq").json()
    assert {v["village"] for v in detail["villages"]} == {"V1", "V3", "V4"}
    assert c.get(BASE + "/projects/nope").status_code == 404


def test_create_strips_and_seals_credentials_and_never_returns_them(api_client, users, video_channels):
    c = api_client.login_as(users["steward"])
    r = post(
        c,
        "/channels",
        {
            "gb_id": gb("132", 70),
            "name": "新",
            "site": "PS-G5",
            "main_url": f"rtsp://admin:{SECRET}@10.0.0.5/1",
        },
    )
    assert r.status_code == 201, r.content
    assert SECRET not in r.content.decode() and "admin" not in r.content.decode()
    assert r.json()["main_url"] == "rtsp://10.0.0.5/1" and r.json()["has_credentials"] is True
    assert r.json()["grid"] == "G5"
    assert open_credentials(Channel.objects.get(gb_id=gb("132", 70)).credentials_sealed).password == SECRET
    r = post(c, "/channels", {"gb_id": gb("132", 71), "name": "x", "site": "PS-G5", "password": SECRET})
    assert r.status_code == 201 and SECRET not in r.content.decode()
    listing = c.get(BASE + "/channels").content.decode()
    assert SECRET not in listing and "admin" not in listing


def test_create_refusals(api_client, users, video_channels):
    c = api_client.login_as(users["steward"])
    r = post(c, "/channels", {"gb_id": gb("132", 72), "name": "x", "site": "PS-G5", "colour": "red"})
    assert r.status_code == 422 and "colour" in r.json()["detail"]
    r = post(c, "/channels", {"gb_id": video_channels["g5"].gb_id, "name": "x", "site": "PS-G5"})
    assert r.status_code == 422
    assert r.json()["errors"][0] == {
        "field": "gb_id",
        "message": f"a channel with ID {video_channels['g5'].gb_id} exists already",
    }
    r = post(c, "/channels", {"gb_id": "44190000002167000001", "name": "x", "site": "PS-G5"})
    assert r.status_code == 422 and "(131, 132)" in r.json()["detail"].replace("（", "(").replace("）", ")")
    c = api_client.login_as(users["officer"])  # may view, not change
    assert post(c, "/channels", {"gb_id": gb("132", 73), "name": "x", "site": "PS-G5"}).status_code == 403


def test_patch_and_build_status(api_client, users, video_channels):
    c = api_client.login_as(users["steward"])
    path = f"/channels/{video_channels['g8'].gb_id}"
    r = patch(c, path, {"name": "八号改", "build_status": "building"})
    assert r.status_code == 200 and r.json()["name"] == "八号改" and r.json()["build_status"] == "building"
    r = patch(c, path, {"build_status": "planned"})
    assert r.status_code == 422 and "needs a reason" in r.json()["detail"]
    r = patch(c, path, {"build_status": "planned", "reason": "moved"})
    assert r.json()["build_status"] == "planned"
    r = patch(c, path, {"password": SECRET})
    assert r.json()["has_credentials"] is True and SECRET not in r.content.decode()
    assert patch(c, path, {"unknown": 1}).status_code == 422


@pytest.mark.parametrize("who", ["dispatcher_v4", "inspector_g1"])
def test_out_of_scope_or_role_is_refused(api_client, users, video_channels, who):
    c = api_client.login_as(users[who])
    status = c.get(f"{BASE}/channels/{video_channels['g1a'].gb_id}").status_code
    assert status in (403, 404)
