"""One's own reports: a signed-in resident's list and tracking, the inspector's list and case on the phone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.cases.choices import Channel
from cityops.cases.intake import IntakeIn, Reporter, case_intake
from cityops.cases.models import Case, CaseReport
from cityops.cases.photos import read_photo
from cityops.geo.models import Grid
from tests.builders import grid_centre
from tests.cases.conftest import jpeg
from tests.cases.test_lifecycle import act
from tests.cases.test_views import resident_post

pytestmark = pytest.mark.django_db


def signed_in(client, users, who):
    client.force_login(users[who])
    return client


# ---- a resident ---------------------------------------------------------------------------------


def test_the_report_result_tracks_by_a_form_so_the_code_stays_out_of_urls(client, catalogue):
    body = resident_post(client).content.decode()
    report = CaseReport.objects.get()
    form = re.search(r'<form method="post" action="/report/track/".*?</form>', body, re.S).group(0)
    assert (
        f'name="number" value="{report.case.number}"' in form
        and f'name="code" value="{report.token}"' in form
    )
    assert 'name="csrfmiddlewaretoken"' in form
    assert not re.search(rf'href="[^"]*{report.token}', body)  # never in a link (logs, Referer, history)
    # what the button sends shows the report at once
    track = client.post("/report/track/", {"number": report.case.number, "code": report.token})
    assert track.status_code == 200 and 'data-testid="track-result"' in track.content.decode()


def test_a_signed_in_resident_lands_on_their_reports(client, catalogue):
    signed_in(client, catalogue, "resident")
    lon, lat = grid_centre(5)
    resident_post(client)
    resident_post(client, item="E-GARBAGE", lon=lon - 0.004, lat=lat - 0.008)  # another grid: a new case
    client.logout()
    resident_post(client, lon=lon + 0.004)  # an anonymous report is nobody's
    first, second = CaseReport.objects.filter(reporter=catalogue["resident"]).order_by("at")
    CaseReport.objects.filter(pk=first.pk).update(at=timezone.now() - timedelta(days=1))

    signed_in(client, catalogue, "resident")
    assert client.get("/").url == "/report/mine/"
    html = client.get("/report/mine/").content.decode()
    assert re.findall(r'data-case="([^"]+)"', html) == [second.case.number, first.case.number]  # newest first
    assert html.count('class="badge"') == 2 and "待受理" in html
    assert first.token in html and second.token in html
    assert 'action="/report/track/"' in html
    # the nav leads there, and the user menu shows no scope
    assert 'href="/report/mine/" class="is-active"' in html and "管辖范围" not in html


def test_the_residents_list_pages_by_twenty(client, catalogue, monkeypatch):
    from cityops.cases.views import public

    monkeypatch.setattr(public, "MY_REPORTS_PER_PAGE", 2)
    signed_in(client, catalogue, "resident")
    lon, lat = grid_centre(5)
    for i in range(3):
        resident_post(client, lon=lon - 0.004 + 0.004 * i)
    first = client.get("/report/mine/").content.decode()
    assert first.count('class="card my-report"') == 2 and 'href="?page=2"' in first
    assert client.get("/report/mine/?page=2").content.decode().count('class="card my-report"') == 1


def test_the_residents_list_is_for_residents(client, catalogue):
    assert client.get("/report/mine/").status_code == 302  # sign in first
    assert signed_in(client, catalogue, "officer").get("/report/mine/").status_code == 403


def test_a_residents_profile_has_no_scope_and_no_token_form(client, catalogue):
    html = signed_in(client, catalogue, "resident").get("/accounts/profile/").content.decode()
    assert "管辖范围" not in html and "token-create" not in html and "API 令牌" not in html
    assert 'href="/report/mine/"' in html
    staff = signed_in(client, catalogue, "officer").get("/accounts/profile/").content.decode()
    assert "管辖范围" in staff and "token-create" in staff


def test_an_empty_list_says_so(client, catalogue):
    html = signed_in(client, catalogue, "resident").get("/report/mine/").content.decode()
    assert "您还没有上报过问题。" in html


def test_other_peoples_reports_never_show(client, catalogue):
    from cityops.accounts.services import user_create
    from tests.conftest import PASSWORD

    other = user_create(
        username="resident2", role="resident", scope_level="town", scope_unit=None, password=PASSWORD
    )
    signed_in(client, catalogue, "resident")
    resident_post(client)
    client.force_login(other)
    html = client.get("/report/mine/").content.decode()
    assert 'class="card my-report"' not in html
    assert CaseReport.objects.get().channel == Channel.RESIDENT


# ---- the inspector's phone ----------------------------------------------------------------------


def patrol_report(users, *, grid=1, dx=0.0, item="E-GARBAGE", by="inspector_g1", photos=()):
    lon, lat = grid_centre(grid)
    user = users[by] if by else None
    channel = Channel.PATROL if by else Channel.HOTLINE
    data = IntakeIn(
        channel=channel,
        item_code=item,
        lon=lon + dx,
        lat=lat,
        description="路边有垃圾",
        reporter=Reporter(user=user),
        photos=list(photos),
    )
    return case_intake(data, by=user)


def photo():
    return read_photo("scene.jpg", jpeg())


def test_the_inspector_lists_their_own_reports_newest_first(client, catalogue):
    users = catalogue
    older = patrol_report(users, dx=-0.003).case
    newer = patrol_report(users, dx=0.003, item="C-MANHOLE").case
    someone_elses = patrol_report(users, dx=0.0, item="E-FIRE", by=None).case  # a hotline case in G1
    CaseReport.objects.filter(case=older).update(at=timezone.now() - timedelta(hours=3))
    # reporting an open case again brings it to the top: it is my latest report
    again = patrol_report(users, dx=-0.003)
    assert again.duplicate and again.case == older
    act(users, newer, "dispatcher_v1", "register")

    html = signed_in(client, users, "inspector_g1").get("/cases/m/reports/").content.decode()
    numbers = re.findall(r'class="card my-report my-report-link" href="/cases/m/case/([^/]+)/"', html)
    assert numbers == [older.number, newer.number] and someone_elses.number not in html
    assert 'data-status="registered"' in html and "已立案" in html and "--c: #" in html  # coloured status
    assert 'href="/cases/m/reports/" class="is-active"' in html  # its tab


def test_the_inspectors_list_is_scoped_and_paged(client, catalogue, monkeypatch):
    from cityops.cases.views import phone

    users = catalogue
    # reported by them in their grid, then re-located to a grid not theirs (a corrected position):
    # the list follows scope, not authorship alone
    outside = patrol_report(users, dx=0.002).case
    grid7 = Grid.objects.select_related("village").get(code="G7")
    Case.objects.filter(pk=outside.pk).update(
        grid=grid7, village_id=grid7.village_id, area_id=grid7.village.area_id
    )
    for i in range(3):
        patrol_report(users, dx=-0.004 + 0.004 * i)
    monkeypatch.setattr(phone, "MY_REPORTS_PER_PAGE", 2)
    client = signed_in(client, users, "inspector_g1")
    first = client.get("/cases/m/reports/").content.decode()
    assert first.count('class="card my-report') == 2 and 'href="?page=2"' in first
    second = client.get("/cases/m/reports/?page=2").content.decode()
    assert second.count('class="card my-report') == 1
    assert outside.number not in first + second
    assert client.get(f"/cases/m/case/{outside.number}/").status_code == 404


def test_the_phone_view_of_a_case(client, catalogue):
    users = catalogue
    case = patrol_report(users, photos=[photo()]).case
    act(users, case, "dispatcher_v1", "register")
    html = signed_in(client, users, "inspector_g1").get(f"/cases/m/case/{case.number}/").content.decode()
    assert f'data-case="{case.number}"' in html and "暴露垃圾" in html and "已立案" in html
    assert 'data-testid="grid-sketch"' in html and re.search(r'<path d="M[\d.]+,[\d.]+ L', html)
    assert html.count(f"/cases/{case.number}/photos/") >= 2  # the photo and its thumbnail
    assert "<strong>上报</strong>" in html and "→ 已立案" in html  # the timeline
    assert f'href="/cases/{case.number}/"' not in html  # no way into the desktop page


def test_phone_pages_link_to_the_phone_view(client, catalogue):
    users = catalogue
    client = signed_in(client, users, "inspector_g1")
    lon, lat = grid_centre(1)
    data = {"item": "E-GARBAGE", "lon": lon, "lat": lat, "description": "垃圾", "address": ""}
    body = client.post("/cases/m/", data, HTTP_HX_REQUEST="true").content.decode()
    case = CaseReport.objects.get().case
    assert f'href="/cases/m/case/{case.number}/"' in body and f'href="/cases/{case.number}/"' not in body
    act(users, case, "dispatcher_v1", "send_to_verify", note="请核实")
    tasks = client.get("/cases/m/tasks/").content.decode()
    assert f'href="/cases/m/case/{case.number}/"' in tasks and f'href="/cases/{case.number}/"' not in tasks


def test_the_sketch_fits_the_grid_and_its_point():
    from cityops.cases.views.phone import SKETCH_H, SKETCH_W, grid_sketch

    square = '{"type": "Polygon", "coordinates": [[[113.80, 22.88], [113.81, 22.88], [113.81, 22.90], [113.80, 22.88]]]}'
    sketch = grid_sketch(square, 113.805, 22.89)
    assert 0 < sketch["x"] < SKETCH_W and 0 < sketch["y"] < SKETCH_H
    assert sketch["path"].startswith("M") and sketch["path"].endswith("Z")
    assert grid_sketch("not json", 113.8, 22.9) is None
