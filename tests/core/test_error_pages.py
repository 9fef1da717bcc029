"""Error pages: the site's shell, the user's language and a way home; JSON under the API prefixes."""

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.urls import path

from cityops.core.views import errors as views
from cityops.urls import handler403, handler404, handler500  # noqa: F401  (this module is a URLconf too)
from cityops.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db


def crash(request):
    raise OperationalError("the database went away")


# A URLconf for the 500 tests: the site's, plus a page that fails as if the database were gone.
urlpatterns = [path("crash/", crash), *site_urlpatterns]


def signed_in(client, user, language=None):
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def assert_shell(resp, status, lang):
    html = resp.content.decode()
    assert resp.status_code == status
    assert resp["Content-Type"].startswith("text/html")
    assert f'<html lang="{lang}">' in html
    assert 'class="topbar"' in html and "/static/cityops/app.css" in html
    assert 'data-testid="home-link"' in html and 'href="/"' in html
    assert f'data-status="{status}"' in html
    return html


def test_a_missing_case_is_a_404_page_in_chinese_with_the_navigation(client, users):
    html = assert_shell(signed_in(client, users["officer"]).get("/cases/NOTEXIST/"), 404, "zh-hans")
    assert "找不到页面" in html and "返回首页" in html
    assert 'class="mainnav"' in html  # the user's navigation stays


def test_the_404_page_speaks_english_when_the_user_chose_it(client, users):
    html = assert_shell(signed_in(client, users["officer"], "en").get("/cases/NOTEXIST/"), 404, "en")
    assert "Page not found" in html and "Back to the home page" in html


def test_an_unknown_address_for_a_stranger_offers_to_sign_in(client, town):
    html = assert_shell(client.get("/no-such-page/"), 404, "zh-hans")
    assert "/accounts/login/?next=/no-such-page/" in html and 'class="mainnav"' not in html


def test_a_page_the_role_may_not_open_is_a_403_page(client, users):
    html = assert_shell(signed_in(client, users["officer"]).get("/iot/dead-letters/"), 403, "zh-hans")
    assert "无权访问" in html and "iot.admin" not in html
    html = assert_shell(signed_in(Client(), users["officer"], "en").get("/iot/dead-letters/"), 403, "en")
    assert "Access denied" in html


def test_a_form_without_its_csrf_token_is_a_403_page_saying_why(users):
    client = signed_in(Client(enforce_csrf_checks=True), users["officer"])
    html = assert_shell(client.post("/accounts/password/", {"old_password": "x"}), 403, "zh-hans")
    assert "表单已过期" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = assert_shell(client.post("/accounts/password/", {"old_password": "x"}), 403, "en")
    assert "The form has expired" in html


@pytest.mark.urls(__name__)
def test_a_failure_is_a_500_page_in_the_users_language(users):
    client = Client(raise_request_exception=False)
    html = assert_shell(client.get("/crash/"), 500, "zh-hans")
    assert "服务器内部错误" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = assert_shell(client.get("/crash/"), 500, "en")
    assert "Server error" in html


def test_the_500_page_needs_no_database_session_or_user(django_assert_num_queries):
    request = RequestFactory().get("/cases/")  # no middleware ran: no user, no session, no request id
    with django_assert_num_queries(0):
        resp = views.server_error(request)
    assert resp.status_code == 500 and 'data-testid="home-link"' in resp.content.decode()


def test_the_500_page_falls_back_to_plain_html_when_its_template_fails(monkeypatch):
    def broken(name):
        raise OSError("templates unreadable")

    monkeypatch.setattr(views.loader, "get_template", broken)
    resp = views.server_error(RequestFactory().get("/"))
    assert resp.status_code == 500 and resp.content.decode() == views.FALLBACK_500


@pytest.mark.urls(__name__)
def test_api_prefixes_keep_their_json_errors(client, users):
    resp = client.get("/api/v1/no-such-endpoint")
    assert resp.status_code == 404 and resp["Content-Type"] == "application/problem+json"
    assert resp.json()["instance"] == "/api/v1/no-such-endpoint"
    # a missing object inside the API is still the API's own problem document
    resp = signed_in(client, users["officer"]).get("/api/v1/cases/NOTEXIST")
    assert resp.status_code == 404 and resp["Content-Type"] == "application/problem+json"
    # Open311 and SensorThings answer unknown paths in their own JSON formats
    assert (
        signed_in(Client(), users["officer"])
        .get("/open311/v2/nothing.json")["Content-Type"]
        .startswith("application/json")
    )
    resp = Client().get("/sta/v1.1/Nothing")
    assert resp.status_code in (401, 404) and resp["Content-Type"].startswith("application/json")
    for prefix in views.API_PREFIXES:
        resp = views.page_not_found(RequestFactory().get(f"{prefix}x"))
        assert resp.status_code == 404 and resp["Content-Type"] == "application/problem+json"
        resp = views.server_error(RequestFactory().get(f"{prefix}x"))
        assert resp.status_code == 500 and resp["Content-Type"] == "application/problem+json"
        resp = views.permission_denied(RequestFactory().get(f"{prefix}x"))
        assert resp.status_code == 403 and resp["Content-Type"] == "application/problem+json"
        resp = views.csrf_failure(RequestFactory().post(f"{prefix}x"))
        assert resp.status_code == 403 and resp["Content-Type"] == "application/problem+json"
