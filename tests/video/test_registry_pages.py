"""The registry's pages: list, detail, export, projects, tree, import; scope and credentials."""

import pytest

from cityops.video import services
from cityops.video.models import Channel
from tests.video.conftest import gb

pytestmark = pytest.mark.usefixtures("english_pages")

SECRET = "Page-S3cret"


@pytest.fixture
def tree(video_channels):
    bg = services.group_create(gb_id=gb("215", 901), name="治安业务")
    vo = services.group_create(gb_id=gb("216", 902), name="片区一", parent=bg.gb_id)
    services.channel_update(channel_id=video_channels["g1a"].pk, group=vo.gb_id)
    services.channel_update(channel_id=video_channels["g5"].pk, main_url=f"rtsp://admin:{SECRET}@10.0.0.1/1")
    return bg, vo


def test_channel_list_filters_and_scope(client, users, video_channels):
    client.force_login(users["officer"])
    r = client.get("/video/channels/")
    assert r.status_code == 200
    assert r.content.decode().count('data-channel="') == 7
    r = client.get("/video/channels/?build_status=planned")
    assert r.content.decode().count('data-channel="') == 1
    r = client.get("/video/channels/?q=五号", headers={"HX-Request": "true", "HX-Target": "channel-list"})
    assert r.content.decode().count('data-channel="') == 1 and "<html" not in r.content.decode()
    client.force_login(users["dispatcher_v1"])
    body = client.get("/video/channels/").content.decode()
    assert body.count('data-channel="') == 3 and video_channels["g5"].gb_id not in body
    assert client.get(f"/video/channels/{video_channels['g5'].gb_id}/").status_code == 404
    assert client.get(f"/video/channels/{video_channels['g1a'].gb_id}/").status_code == 200
    client.force_login(users["resident"])
    assert client.get("/video/channels/").status_code == 403


def test_channel_detail_has_facts_history_and_include_points_never_credentials(
    client, users, tree, video_channels
):
    ch = video_channels["g5"]
    services.channel_set_build_status(channel_id=ch.pk, status="building", reason="重新施工")
    client.force_login(users["officer"])
    body = client.get(f"/video/channels/{ch.gb_id}/").content.decode()
    assert "rtsp://10.0.0.1/1" in body and SECRET not in body and "admin:" not in body
    assert 'data-testid="has-credentials"' in body and "重新施工" in body


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_of_the_filtered_list_never_holds_credentials(client, users, tree, fmt):
    client.force_login(users["dispatcher_v1"])
    r = client.get(f"/video/channels/export.{fmt}?project=kjhcq")
    data = b"".join(r.streaming_content)
    assert r.status_code == 200 and SECRET.encode() not in data
    if fmt == "csv":
        text = data.decode("utf-8-sig")
        assert text.count("\r\n") == 1 + 3  # header + the three channels of village V1
        assert gb("132", 4) not in text


def test_projects_and_project_pages(client, users, video_channels):
    client.force_login(users["officer"])
    body = client.get("/video/projects/").content.decode()
    assert 'data-project="kjhcq"' in body and 'data-percent="50.0"' in body
    body = client.get("/video/projects/kjhcq/").content.decode()
    assert 'data-village="V1"' in body and 'data-village="V3"' in body
    client.force_login(users["dispatcher_v1"])
    body = client.get("/video/projects/kjhcq/").content.decode()
    assert 'data-village="V1"' in body and 'data-village="V3"' not in body
    assert client.get("/video/projects/nope/").status_code == 404


def test_group_tree_page(client, users, tree):
    client.force_login(users["officer"])
    body = client.get("/video/groups/").content.decode()
    assert f'data-group="{gb("215", 901)}"' in body and f'data-group="{gb("216", 902)}"' in body
    assert ">1 channel<" in body  # the organisation's one channel, directly under it


def test_import_page_dry_run_then_commit(client, users, video_channels):
    from tests.video.test_registry_import import GOOD, csv_bytes, row

    client.force_login(users["officer"])
    assert client.get("/video/channels/import/").status_code == 403
    client.force_login(users["steward"])
    bad = csv_bytes([*GOOD, row("BAD", 3, 101)], "gbk")
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post("/video/channels/import/", {"file": SimpleUploadedFile("bad.csv", bad)})
    body = r.content.decode()
    assert r.status_code == 422 and 'data-row="5"' in body and "appears 2 times" in body
    assert not Channel.objects.filter(gb_id=gb("132", 101)).exists()
    r = client.post("/video/channels/import/", {"file": SimpleUploadedFile("good.csv", csv_bytes(GOOD))})
    body = r.content.decode()
    assert r.status_code == 200 and 'data-testid="import-check"' in body
    assert not Channel.objects.filter(gb_id=gb("132", 101)).exists()
    token = body.split('name="token" value="')[1].split('"')[0]
    r = client.post("/video/channels/import/", {"token": token, "project": "", "update": "0"})
    assert r.status_code == 200 and 'data-testid="import-done"' in r.content.decode()
    assert Channel.objects.filter(gb_id=gb("132", 101)).exists()
    # a token is used once, and only by its user
    r = client.post("/video/channels/import/", {"token": token})
    assert r.status_code == 400
