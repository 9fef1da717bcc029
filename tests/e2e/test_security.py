"""The security officer in the browser: an incident registered on the form, its first report
recorded as the next step, the first report's timer met; a step out of order is not offered."""

import pytest

from tests.conftest import PASSWORD, _user
from tests.e2e.pages import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_registering_and_reporting_an_incident(users, page):
    _user("security", "security_officer")
    login(page, "security", PASSWORD)
    page.goto("/security/incidents/new/")
    page.fill("#id_title", "门户网站首页被篡改")
    page.select_option("#id_kind", "attack.defacement")
    page.select_option("#id_grade", "major")
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/security/incidents/SEC-*/")
    steps = page.locator("[data-testid=steps]")
    assert steps.locator("tr[data-step=detect]").inner_text().count("security") == 2  # owner, recorded by
    # only the next step offers "done"; the later ones wait for it
    assert page.locator("[data-testid^=step-done-]").count() == 1
    form = page.locator("[data-testid=step-done-report]")
    page.fill("#owner-report", "苏志远（安全管理员）")
    page.locator("tr[data-step=report] form").first.locator("button").click()
    page.wait_for_load_state()
    form.locator("textarea").fill("已向省网信办首报。")
    form.locator("button").click()
    page.wait_for_load_state()
    assert "首报 按时完成" in " ".join(page.locator("[data-testid=timers]").inner_text().split())
    assert page.locator("[data-testid=step-done-contain]").count() == 1
    assert page.js_errors == []
    screenshot(page, "security-incident.png")
