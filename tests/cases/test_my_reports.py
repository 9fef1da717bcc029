"""One's own reports: a signed-in resident's list and tracking, the inspector's list and case on the phone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.cases.choices import Channel
from cityops.cases.models import CaseReport
from tests.builders import grid_centre
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
    from cityops.cases import views_public

    monkeypatch.setattr(views_public, "MY_REPORTS_PER_PAGE", 2)
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
