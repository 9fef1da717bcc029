"""The error pages in the browser: the site's shell, the user's language, a way home."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SIZES = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 768}}


def choose_english(page):
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_404_and_403_pages_lead_home(users, new_page, size, language):
    page = new_page(viewport=SIZES[size])
    login(page, "officer", PASSWORD)
    if language == "en":
        choose_english(page)
    for url, status, title in (
        ("/cases/NOTEXIST/", 404, {"zh": "找不到页面", "en": "Page not found"}),
        ("/iot/dead-letters/", 403, {"zh": "无权访问", "en": "Access denied"}),
    ):
        response = page.goto(url)
        assert response.status == status
        assert page.locator("h1").inner_text() == title[language]
        assert page.locator(".usermenu").is_visible()  # the shell: the user can still sign out
        # the page fits the window: nothing to scroll sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
        screenshot(page, f"error-{status}-{size}-{language}.png")
        page.locator("[data-testid=home-link]").click()
        page.wait_for_url("**/cases/")  # the duty officer's home is the workbench
    assert page.js_errors == []


def test_an_expired_form_explains_itself(users, new_page):
    page = new_page()
    login(page, "officer", PASSWORD)
    # every answer renews the session cookie: let the page's own requests finish before it is dropped
    page.goto("/accounts/password/", wait_until="networkidle")
    page.context.clear_cookies()  # the session and CSRF cookie are gone, as after a long break
    page.fill("#id_old_password", PASSWORD)
    page.get_by_role("button", name="修改密码").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "表单已过期"
    screenshot(page, "error-csrf-1366-zh.png")
    page.locator("[data-testid=home-link]").click()
    page.wait_for_url("**/accounts/login/**")


@pytest.mark.urls("tests.core.test_error_pages")  # the site's URLs and a page that fails
@pytest.mark.parametrize("size", SIZES)
def test_the_500_page_keeps_the_look_and_a_way_home(users, new_page, size):
    page = new_page(viewport=SIZES[size])
    login(page, "officer", PASSWORD)
    for language, title in (("zh", "服务器内部错误"), ("en", "Server error")):
        if language == "en":
            page.goto("/cases/")
            choose_english(page)
        assert page.goto("/crash/").status == 500
        assert page.locator("h1").inner_text() == title
        assert page.locator(".topbar .brand").is_visible()
        screenshot(page, f"error-500-{size}-{language}.png")
    page.locator("[data-testid=home-link]").click()
    page.wait_for_url("**/cases/")
