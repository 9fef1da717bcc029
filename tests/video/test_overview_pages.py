"""The video overview pages: who may open them, what they show in scope, the fault export."""

import csv
import io
import json

import pytest
from django.utils import timezone

from cityops.video.models import ChannelDay

pytestmark = pytest.mark.django_db

PAGES = ["/video/", "/video/wall/", "/video/map/", "/video/map/points.json", "/video/rates/"]
H = 3600


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def today_history(video_channels):
    c = video_channels
    today = timezone.localdate()
    for key, offline in (("g1a", 10 * H), ("g1b", 0), ("g2", 0), ("g5", 20 * H), ("cook", 0)):
        ch = c[key]
        ChannelDay.objects.create(
            channel=ch,
            day=today,
            project_id=ch.project_id,
            area_id=ch.area_id,
            village_id=ch.village_id,
            online_s=24 * H - offline,
            offline_s=offline,
        )
    c["g5"].health = "offline"
    c["g5"].save(update_fields=["health"])
    for key in ("g1a", "g1b", "g2", "cook", "cold"):
        c[key].health = "online"
        c[key].save(update_fields=["health"])
    return c


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_signs_in_and_roles_without_video_view_are_refused(client, users, url):
    assert "/accounts/login/" in client.get(url)["Location"]
    client.force_login(users["inspector_g1"])
    assert client.get(url).status_code == 403


def test_home_shows_progress_online_now_and_rates(client, users, today_history):
    client.force_login(users["officer"])
    html = client.get("/video/").content.decode()
    assert 'data-project="kjhcq"' in html and 'data-project="mcld"' in html
    assert "4 / 8" in html  # built of planned channels of the public-security project
    assert 'href="/video/wall/?health=offline"' in html
    assert "below target" in html and "target met" in html
    assert 'data-total="faults"><span class="vd-total-n">2<' in html


def test_wall_links_every_tile_to_its_channel_and_groups_by_village(client, users, today_history):
    client.force_login(users["officer"])
    html = client.get("/video/wall/?by=village").content.decode()
    assert html.count("data-gb=") == 6  # the planned channel has no tile
    assert f'href="/video/channels/{today_history["g5"].gb_id}/"' in html
    assert 'class="vd-tile vd-tile-offline"' in html
    offline = client.get("/video/wall/?health=offline").content.decode()
    assert offline.count("data-gb=") == 1


def test_map_points_are_scoped_and_filtered(client, users, today_history):
    client.force_login(users["dispatcher_v1"])
    body = json.loads(client.get("/video/map/points.json").content)
    assert body["total"] == 3 and {p["c"] for p in body["points"]} == {
        today_history[k].gb_id for k in ("g1a", "g1b", "g2")
    }
    client.force_login(users["officer"])
    body = json.loads(client.get("/video/map/points.json?health=offline").content)
    assert [p["c"] for p in body["points"]] == [today_history["g5"].gb_id]
    body = json.loads(client.get("/video/map/points.json?project=mcld").content)
    assert body["total"] == 2
    assert json.loads(client.get("/video/map/points.json?project=nope").content)["total"] == 6


def test_rates_page_and_fault_exports(client, users, today_history):
    client.force_login(users["officer"])
    response = client.get("/video/rates/")
    html = response.content.decode()
    chart = response.context["chart"]
    assert [p["code"] for p in chart["projects"]] == ["kjhcq", "mcld"]
    assert chart["projects"][0]["target"] == 98.0 and chart["days"][-1] == timezone.localdate().isoformat()
    assert [f.gb_id for f in response.context["faults"]] == [today_history[k].gb_id for k in ("g5", "g1a")]
    assert "2 channels with more than 8 hours of faults" in html
    month = timezone.localdate().strftime("%Y-%m")
    export = client.get(f"/video/rates/faults.csv?month={month}")
    assert export["Content-Disposition"] == f'attachment; filename="video-faults-{month}.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:2] == ["GB/T 28181 ID", "Channel"] and len(rows) == 3
    assert rows[1][0] == today_history["g5"].gb_id and rows[1][5] == "20.0" and rows[1][8] == "Offline"
    xlsx = client.get("/video/rates/faults.xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"
    assert client.get("/video/rates/faults.pdf").status_code == 404
    client.force_login(users["dispatcher_v4"])
    assert client.get("/video/rates/").context["faults"] == []


def test_a_month_to_come_shows_this_month_and_a_bad_month_is_ignored(client, users, today_history):
    client.force_login(users["officer"])
    this = timezone.localdate().replace(day=1)
    assert client.get("/video/rates/?month=2999-01").context["month"] == this
    assert client.get("/video/rates/?month=garbage").context["month"] == this
    assert client.get("/video/rates/?month=2026-13").context["month"] == this
