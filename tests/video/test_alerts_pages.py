"""The alert pages: list with filters and paging, CSV/XLSX export, detail with its case's status,
and the snapshot served through a view that checks scope."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cityops.cases.models import Case
from cityops.video import alerts
from cityops.video.models import Alert
from tests.video.alerting import alerting_fixture, b64, event, jpeg, post  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def seen(client, alerting):
    """A kitchen alert with a snapshot (grid 5), a street one (grid 1) and one of an unknown kind."""
    post(client, event(alerting["cook"], "k-1", snapshot_base64=b64(jpeg())))
    post(client, event(alerting["g1a"], "s-1", kind="illegal_parking", at="2026-03-03T10:00:00+08:00"))
    post(client, event(alerting["g2"], "u-1", kind="unicorn", at="2026-03-04T10:00:00+08:00"))
    return {a.event_id: a for a in Alert.objects.all()}


def rows(response) -> list[str]:
    return [line for line in response.content.decode().split() if line.startswith("data-alert=")]


def test_the_list_filters_by_kind_scene_status_and_day(client, alerting, seen):
    client.force_login(alerting["users"]["officer"])
    assert len(rows(client.get("/video/alerts/"))) == 3
    assert rows(client.get("/video/alerts/?kind=no_hat")) == [f'data-alert="{seen["k-1"].pk}"']
    assert rows(client.get("/video/alerts/?scene=street")) == [f'data-alert="{seen["s-1"].pk}"']
    assert rows(client.get("/video/alerts/?status=no_case")) == [f'data-alert="{seen["u-1"].pk}"']
    assert len(rows(client.get("/video/alerts/?day_from=2026-03-03&day_to=2026-03-03"))) == 1


def test_a_village_dispatcher_sees_only_the_alerts_of_their_village(client, alerting, seen):
    client.force_login(alerting["users"]["dispatcher_v1"])
    shown = rows(client.get("/video/alerts/"))
    mine = Alert.objects.filter(village_id=alerting["users"]["dispatcher_v1"].scope_village_id)
    assert shown and len(shown) == mine.count() < 3
    other = Alert.objects.exclude(pk__in=mine).first()
    assert client.get(f"/video/alerts/{other.pk}/").status_code == 404
    assert client.get(f"/video/alerts/{other.pk}/snapshot").status_code == 404


def test_roles_without_video_view_are_refused(client, alerting, seen):
    client.force_login(alerting["users"]["inspector_g1"])
    assert client.get("/video/alerts/").status_code == 403


def test_the_detail_shows_the_case_and_its_status_and_the_snapshot(client, alerting, seen):
    alert = Alert.objects.get(event_id="k-1")
    client.force_login(alerting["users"]["officer"])
    page = client.get(f"/video/alerts/{alert.pk}/").content.decode()
    assert alert.case_number in page and 'data-case-status="reported"' in page
    assert f"/video/alerts/{alert.pk}/snapshot" in page
    snap = client.get(f"/video/alerts/{alert.pk}/snapshot")
    assert snap.status_code == 200 and snap["Content-Type"] == "image/jpeg"
    assert b"".join([snap.content]).startswith(b"\xff\xd8")
    Case.objects.filter(pk=alert.case_id).update(status="closed", closed_at=timezone.now())
    alerts.alerts_follow_cases()
    page = client.get(f"/video/alerts/{alert.pk}/").content.decode()
    assert 'data-status="case_closed"' in page and 'data-case-status="closed"' in page


def test_export_csv_and_xlsx(client, alerting, seen):
    client.force_login(alerting["users"]["officer"])
    csv = b"".join(client.get("/video/alerts/export.csv?scene=kitchen").streaming_content).decode("utf-8-sig")
    lines = csv.strip().split("\r\n")
    assert len(lines) == 2 and lines[0].startswith("编号,")
    assert "未戴厨师帽" in lines[1] and alerting["cook"].gb_id in lines[1]
    xlsx = b"".join(client.get("/video/alerts/export.xlsx").streaming_content)
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet.max_row == 4
    assert client.get("/video/alerts/export.pdf").status_code == 404


def test_paging(client, alerting):
    for n in range(55):
        post(client, event(alerting["g1a"], f"p-{n}", kind="unicorn"))
    client.force_login(alerting["users"]["officer"])
    assert len(rows(client.get("/video/alerts/"))) == 50
    assert len(rows(client.get("/video/alerts/?page=2"))) == 5
