"""The window clerk's flow in Chromium: an application made at the kiosk appears in the queue; the
clerk takes it, finds a material defective and asks once for everything, receives the supplement,
checks again, accepts, approves and delivers; the applicant follows it on the public lookup, a wrong
phone answered as not found. Screenshots of the queue, the application and the dashboard."""

import pytest

from cityops.egov.applications.intake import apply
from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot
from tests.egov.conftest import PHONE, calendar, clerk, departments, draft, published  # noqa: F401 — fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def waiting(published, clerk):  # noqa: F811 — the fixtures of tests/egov
    app, _made = apply(data=draft(situations=["委托他人代办"]), channel="kiosk", by=None)
    return app


def test_the_clerks_flow_from_the_queue_to_delivery(new_page, waiting):
    page = new_page()
    page.set_default_timeout(30_000)  # the flow, not the machine's speed, is what is tested
    login(page, "clerk", PASSWORD)
    assert page.url.endswith("/services/applications/")
    row = page.locator(f"tr[data-number='{waiting.number}']")
    row.wait_for()
    screenshot(page, "egov-queue.png")
    row.get_by_role("link", name=waiting.number).click()
    page.get_by_test_id("application-head").wait_for()
    page.locator("form[data-action='take'] button").click()
    page.get_by_test_id("materials").locator("[data-material='1'] button[value='ok']").click()
    second = page.get_by_test_id("materials").locator("[data-material='2']")
    second.locator("input[name='note']").fill("委托书未签名")
    second.locator("button[value='defective']").click()
    page.locator("form[data-action='request_supplement'] button").click()
    assert page.get_by_test_id("status").inner_text() == "补正中"
    assert page.locator("form[data-action='request_supplement']").count() == 0  # asked once only
    screenshot(page, "egov-application-supplement.png")

    # the applicant looks it up: the material asked for, nothing personal; a wrong phone: not found
    public = new_page()
    public.set_default_timeout(30_000)
    public.goto("/apply/track/")
    public.fill("#t-number", waiting.number)
    public.fill("#t-phone", "13800000000")
    public.click("[data-testid='track-form'] button[type=submit]")
    assert "没有与该办件号和手机号码相符的办件" in public.get_by_test_id("track-message").inner_text()
    public.fill("#t-number", waiting.number)
    public.fill("#t-phone", PHONE)
    public.click("[data-testid='track-form'] button[type=submit]")
    assert "授权委托书" in public.get_by_test_id("track-supplement").inner_text()
    assert "陈小梅" not in public.content()

    page.locator("form[data-action='supply'] button").click()
    page.get_by_test_id("materials").locator("[data-material='2'] button[value='ok']").click()
    page.locator("form[data-action='accept'] button").click()
    page.locator("form[data-action='approve'] button").click()
    assert page.get_by_test_id("status").inner_text() == "已办结"
    page.locator("form[data-action='deliver'] button").click()
    assert page.get_by_test_id("status").inner_text() == "结果已送达"
    steps = page.get_by_test_id("timeline").inner_text()
    for step in ("一次性告知补正", "收到补正材料", "准予", "结果已送达"):
        assert step in steps
    screenshot(page, "egov-application-delivered.png")
    page.goto("/services/dashboard/")
    page.get_by_test_id("now-figures").wait_for()
    screenshot(page, "egov-dashboard.png")
    assert page.js_errors == [] and public.js_errors == []
