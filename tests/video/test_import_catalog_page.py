"""The import page takes a GB/T 28181 Catalog XML: dry run listing every bad item, then commit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cityops.video.models import Channel, Group
from tests.builders import grid_centre
from tests.video.conftest import gb
from tests.video.sipdevice import item
from tests.video.test_catalog import BUSINESS, ORG, doc

pytestmark = pytest.mark.usefixtures("english_pages")


def _post(client, name, data, project="kjhcq"):
    return client.post(
        "/video/channels/import/", {"file": SimpleUploadedFile(name, data), "project": project}
    )


def test_catalog_dry_run_then_commit(client, users, video_channels):
    lon, lat = grid_centre(3)
    data = doc(
        [
            item(BUSINESS, "城区治安"),
            item(ORG, "一号路口片", parent=BUSINESS),
            item(gb("132", 60), "三号路口", parent=ORG, lon=lon, lat=lat),
        ]
    )
    client.force_login(users["steward"])
    r = _post(client, "catalog.xml", data, project="")
    assert r.status_code == 422 and "needs the project" in r.content.decode()
    r = _post(client, "catalog.xml", data)
    body = r.content.decode()
    assert r.status_code == 200 and 'data-testid="import-check"' in body and "2 new groups" in body
    assert not Group.objects.exists() and not Channel.objects.filter(gb_id=gb("132", 60)).exists()
    token = body.split('name="token" value="')[1].split('"')[0]
    assert token.endswith(".xml")
    r = client.post("/video/channels/import/", {"token": token, "project": "kjhcq", "update": "0"})
    assert r.status_code == 200 and 'data-testid="import-done"' in r.content.decode()
    assert Channel.objects.get(gb_id=gb("132", 60)).group.gb_id == ORG


def test_every_bad_catalog_item_is_listed_and_nothing_written(client, users, video_channels):
    data = doc(
        [
            item(ORG, "无上级", parent=gb("215", 99)),  # item 1: an unknown parent
            item(gb("132", 61), "无位置"),  # item 2: a new channel without a position
            item("4419000000132", "短"),  # item 3: a bad ID
        ]
    )
    client.force_login(users["steward"])
    r = _post(client, "bad.xml", data)
    body = r.content.decode()
    assert r.status_code == 422 and 'data-testid="import-errors"' in body
    assert all(f'data-item="{n}"' in body for n in (1, 2, 3))
    assert gb("132", 61) in body and "nothing was written" in body
    assert not Group.objects.exists() and not Channel.objects.filter(gb_id=gb("132", 61)).exists()
    r = _post(client, "x.xml", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><Response/>")
    assert r.status_code == 422 and "DOCTYPE" in r.content.decode()
