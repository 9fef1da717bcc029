"""Bright kitchens: who sees which school, cameras by room with meal-hour online rates, alerts by
kind, and the monthly compliance report (XLSX)."""

import io
from datetime import date

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cityops.cases.models import Case
from cityops.video import alerts
from cityops.video.models import Canteen, ChannelDay, School
from tests.builders import grid_centre
from tests.conftest import _user
from tests.video.alerting import alerting_fixture, event, post  # noqa: F401
from tests.video.conftest import gb, make_channel, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def kitchens(client, alerting, video_projects):
    """School S2 (the shared fixture's, grid 5) and school S9 (grid 1, one canteen, one camera);
    an officer of S2 only; meal-hour seconds for three days of March 2026 and alerts."""
    site = make_site(video_projects["kitchen"], "K-S9", 1, "第九中学食堂")
    lon, lat = grid_centre(1)
    s9 = School.objects.create(
        code="S9", name="第九中学", lon=lon, lat=lat, area_id=site.area_id, village_id=site.village_id,
        grid_id=site.grid_id,
    )  # fmt: skip
    c9 = Canteen.objects.create(school=s9, code="S9-C1", name="第九中学食堂")
    store9 = make_channel(site, gb("132", 9, industry="11"), "仓库", canteen=c9, room="store")
    officer = _user("food_officer", "food_safety")
    alerting["school"].officers.add(officer)
    cook, cold = alerting["cook"], alerting["cold"]
    cook.health, cold.health = "online", "offline"
    cook.save(), cold.save()
    for ch, day, on, off in [
        (cook, date(2026, 3, 2), 16200, 0),
        (cook, date(2026, 3, 3), 15000, 1200),
        (cold, date(2026, 3, 2), 16200, 0),
        (cold, date(2026, 3, 4), 8100, 8100),
        (cook, date(2026, 2, 27), 0, 16200),  # another month
        (store9, date(2026, 3, 2), 16200, 0),
    ]:
        ChannelDay.objects.create(
            channel=ch, day=day, project_id=ch.project_id, area_id=ch.area_id, village_id=ch.village_id,
            meal_online_s=on, meal_offline_s=off, online_s=on, offline_s=off,
        )  # fmt: skip
    post(client, event(cook, "a-1", at="2026-03-02T09:00:00+08:00"))
    post(client, event(cook, "a-2", at="2026-03-02T09:10:00+08:00"))  # duplicate of a-1
    post(client, event(cold, "a-3", kind="rodent", at="2026-03-05T20:00:00+08:00"))
    post(client, event(store9, "a-9", kind="rodent", at="2026-03-05T20:00:00+08:00"))
    first = alerts.Alert.objects.get(event_id="a-1")
    Case.objects.filter(pk=first.case_id).update(status="closed", closed_at=timezone.now())
    alerts.alerts_follow_cases()
    return {**alerting, "officer": officer, "s9": s9}


def test_a_food_safety_officer_sees_only_their_school(client, kitchens):
    client.force_login(kitchens["officer"])
    page = client.get("/video/kitchens/?month=2026-03").content.decode()
    assert 'data-school="S2"' in page and 'data-school="S9"' not in page
    assert client.get("/video/kitchens/S2/?month=2026-03").status_code == 200
    assert client.get("/video/kitchens/S9/").status_code == 404
    assert client.get("/video/kitchens/S9/report.xlsx").status_code == 404
    assert client.get("/video/alerts/").status_code == 403  # kitchens only


def test_home_sends_a_food_safety_officer_to_the_kitchens(client, kitchens):
    client.force_login(kitchens["officer"])
    assert client.get("/").url == "/video/kitchens/"


def test_others_see_the_schools_of_their_scope(client, kitchens):
    client.force_login(kitchens["users"]["officer"])  # the town's duty officer
    page = client.get("/video/kitchens/").content.decode()
    assert 'data-school="S2"' in page and 'data-school="S9"' in page
    v1 = kitchens["users"]["dispatcher_v1"]
    client.force_login(v1)
    visible = {s.code for s in School.objects.filter(village_id=v1.scope_village_id)}
    page = client.get("/video/kitchens/").content.decode()
    for code in ("S2", "S9"):
        assert (f'data-school="{code}"' in page) == (code in visible)
        assert client.get(f"/video/kitchens/{code}/").status_code == (200 if code in visible else 404)
    client.force_login(kitchens["users"]["inspector_g1"])
    assert client.get("/video/kitchens/").status_code == 403


def test_the_school_page_shows_rooms_health_rates_and_alerts(client, kitchens):
    client.force_login(kitchens["officer"])
    page = client.get("/video/kitchens/S2/?month=2026-03").content.decode()
    assert (
        'data-room="cooking"' in page and 'data-health="online"' in page and 'data-health="offline"' in page
    )
    assert "96.3%" in page and "75.0%" in page  # cooking 31,200 of 32,400 s; cold 24,300 of 32,400
    assert 'data-kind="no_hat"' in page and 'data-kind="rodent"' in page


def test_the_monthly_report(client, kitchens):
    client.force_login(kitchens["officer"])
    response = client.get("/video/kitchens/S2/report.xlsx?month=2026-03")
    assert response.status_code == 200
    assert 'filename="kitchen-S2-2026-03.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert summary["学校"] == "第二小学 (S2)"
    assert summary["覆盖的功能间"] == 2 and summary["应覆盖的功能间"] == 6 and summary["摄像机"] == 2
    # (16200 + 15000 + 16200 + 8100) / (16200 + 16200 + 16200 + 16200): February's day is left out
    assert summary["就餐时段在线率"] == "85.6%"
    assert summary["有功能间离线的天数"] == 2  # 3 and 4 March
    assert summary["告警"] == 3 and summary["案件已办结的告警"] == 1
    rooms = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert len(rooms) == 6
    cooking = next(r for r in rooms if r[1] == "烹饪区")
    assert cooking[2:] == (1, "是", pytest.approx(31200 / 32400), 1)
    kinds = {r[1]: r for r in book.worksheets[2].iter_rows(min_row=2, values_only=True)}
    assert kinds["no_hat"][2:] == (2, 1, 1) and kinds["rodent"][2:] == (1, 1, 0)
    days = list(book.worksheets[3].iter_rows(min_row=2, values_only=True))
    assert [(d[0].date(), d[2]) for d in days] == [
        (date(2026, 3, 3), "烹饪区"),
        (date(2026, 3, 4), "专间（冷食）"),
    ]
