"""Sign-in, language switch, lockout, password expiry and API tokens in the browser."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_page_is_chinese_by_default_and_switches_to_english(new_page):
    page = new_page()
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "登录"
    assert page.get_by_label("用户名").is_visible()
    screenshot(page, "login-zh.png")

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Sign in"
    assert page.locator(".brand-name").inner_text() == "City Operations Centre"
    screenshot(page, "login-en.png")

    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "登录"

    # a first visit speaks Chinese whatever the browser asks for, English included
    for locale in ("de-DE", "en-US"):
        other = new_page(locale=locale)
        other.goto("/accounts/login/")
        assert other.locator("h1").inner_text() == "登录", locale


def test_five_wrong_passwords_pause_the_name_from_this_address(users, page):
    for _ in range(5):
        login(page, "dispatcher_v1", "wrong-password-1")
        assert "/accounts/login/" in page.url
    # now even the right password is refused from here, with the one message every refusal gets
    login(page, "dispatcher_v1", PASSWORD)
    error = page.locator("[data-testid=login-error]").inner_text()
    assert "用户名或密码不正确" in error and "暂停" in error
    assert "/accounts/login/" in page.url
    screenshot(page, "login-paused.png")
    # an unknown name gets exactly the same answer
    login(page, "no-such-user", "wrong-password-1")
    assert page.locator("[data-testid=login-error]").inner_text() == error

    users["dispatcher_v1"].refresh_from_db()
    assert not users["dispatcher_v1"].is_locked  # nobody elsewhere is shut out


def test_user_menu_profile_and_logout(users, page):
    login(page, "dispatcher_v1", PASSWORD, next_url="/map/")
    page.wait_for_url("**/map/")
    page.wait_for_selector("#map[data-ready=true]")  # no request left running when the test moves on
    page.locator(".usermenu summary").click()
    panel = page.locator(".usermenu-panel")
    assert "工作站派遣员" in panel.inner_text()
    assert "村1" in panel.inner_text()
    panel.get_by_role("link", name="个人资料").click()
    page.wait_for_url("**/accounts/profile/")
    assert "村1" in page.locator(".facts").inner_text()

    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/accounts/login/")


def test_issue_and_revoke_an_api_token(users, page):
    login(page, "officer", PASSWORD)
    page.goto("/accounts/profile/")
    assert page.get_by_text("您还没有 API 令牌。").is_visible()

    page.fill("#token-name", "数据同步")
    page.fill("#token-days", "30")
    page.get_by_role("button", name="签发令牌").click()
    secret = page.locator("#token-secret .secret")
    secret.wait_for()
    assert secret.inner_text().startswith("cto_")
    row = page.locator("#tokens tbody tr")
    row.first.wait_for()
    assert row.count() == 1
    assert "数据同步" in row.inner_text() and "有效" in row.inner_text()
    screenshot(page, "profile-token.png")

    page.on("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="吊销").click()
    page.locator("#tokens .status-revoked").wait_for()
    assert page.locator("#token-secret").is_hidden()
    assert page.js_errors == []


def test_an_expired_password_must_be_changed_first(users, page):
    from cityops.accounts.models import User

    User.objects.filter(username="dispatcher_v1").update(
        password_changed_at=timezone.now() - timedelta(days=400)
    )
    login(page, "dispatcher_v1", PASSWORD)
    page.wait_for_url("**/accounts/password/?expired=1")
    assert page.locator("[data-testid=password-expired]").is_visible()
    screenshot(page, "password-expired.png")

    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "Fresh-Lantern-73!")
    page.fill("#id_new_password2", "Fresh-Lantern-73!")
    page.get_by_role("button", name="修改密码").click()
    page.wait_for_url("**/cases/")  # a dispatcher lands on the workbench
    assert page.locator(".message-success").inner_text() == "密码已修改。"
