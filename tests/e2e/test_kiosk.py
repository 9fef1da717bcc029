"""The kiosk in Chromium at 1080×1920 portrait: a resident's words find the item, the guide shows
what to bring per situation, and after the idle time the screen goes back to the start emptied,
with nothing typed in the address or the history."""

import pytest

from cityops.egov import search
from cityops.egov.services import item_publish, item_save_draft
from tests.e2e.pages import screenshot
from tests.egov.conftest import guide

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PORTRAIT = {"width": 1080, "height": 1920}


@pytest.fixture
def catalogue(town):
    from cityops.org.models import Department

    Department.objects.create(
        code="D-SCJG", name="市场监督管理分局", short_name="市场监管", gives_services=True
    )
    item_save_draft(code="SCJG-XK-0001", department="D-SCJG", guide=guide(), actor_name="t")
    item_publish(code="SCJG-XK-0001", actor_name="t")
    search.search("开餐馆")  # the live server shares this process: jieba and the index are loaded once


def test_search_guide_and_idle_reset(new_page, catalogue, settings):
    settings.CITYOPS_KIOSK_IDLE_SECONDS = 8
    page = new_page(viewport=PORTRAIT)
    page.set_default_timeout(30_000)  # the idle time, not the machine's speed, is what is tested
    page.goto("/kiosk/")
    page.fill("#kiosk-q", "开餐馆")
    page.click("#kiosk-form button[type=submit]")
    page.get_by_test_id("kiosk-results").get_by_text("食品经营许可证核发").wait_for()
    assert page.url.endswith("/kiosk/")  # the search was posted: nothing in the address
    screenshot(page, "kiosk-results-portrait.png")
    page.get_by_test_id("kiosk-results").get_by_text("食品经营许可证核发").click()
    page.get_by_test_id("kiosk-guide").wait_for()
    assert not page.get_by_text("授权委托书").is_visible()  # asked only when an agent applies
    page.get_by_role("button", name="委托他人代办").click()
    assert page.get_by_text("授权委托书").is_visible()
    screenshot(page, "kiosk-guide-portrait.png")
    # left alone, the kiosk goes back to the start, replacing the entry
    page.wait_for_url("**/kiosk/", timeout=30_000)
    assert page.input_value("#kiosk-q") == ""
    assert page.locator("#kiosk-results").inner_text().strip() == ""
    # the guide's entry was replaced; going back reaches the start where the search was typed, empty
    page.go_back()
    page.wait_for_load_state()
    assert page.url.endswith("/kiosk/") and page.input_value("#kiosk-q") == ""
    assert page.locator("#kiosk-results").inner_text().strip() == ""
    assert page.js_errors == []


def test_apply_at_the_kiosk_get_a_receipt_and_a_form_left_half_filled_is_emptied(
    new_page, catalogue, settings
):
    from cityops.egov.models import Application
    from tests.egov.conftest import PERSON_ID, PHONE

    settings.CITYOPS_KIOSK_IDLE_SECONDS = 8
    page = new_page(viewport=PORTRAIT)
    page.set_default_timeout(30_000)
    page.goto("/kiosk/items/SCJG-XK-0001/")
    page.get_by_test_id("kiosk-apply-link").click()
    page.fill("#id_name", "陈小梅")
    page.fill("#id_id_number", PERSON_ID)
    page.click("#id_phone")
    for digit in PHONE[:6]:  # the number keys type into the field last touched
        page.click(f"[data-pad-key='{digit}']")
    assert page.input_value("#id_phone") == PHONE[:6]
    # the resident walks away mid-form: the kiosk empties it and goes back to the start
    page.wait_for_url("**/kiosk/", timeout=30_000)
    page.go_back()
    page.wait_for_load_state()
    assert "陈小梅" not in page.content() and PERSON_ID not in page.content()
    assert not Application.objects.exists()

    settings.CITYOPS_KIOSK_IDLE_SECONDS = 120  # time enough to fill the form on a busy machine
    page.goto("/kiosk/items/SCJG-XK-0001/apply/")
    page.fill("#id_name", "陈小梅")
    page.fill("#id_id_number", PERSON_ID)
    page.fill("#id_phone", PHONE)
    page.get_by_test_id("kiosk-submit").click()
    number = page.get_by_test_id("receipt-number").inner_text()
    assert number == Application.objects.get().number and page.url.endswith("/apply/")
    assert "139****5678" in page.content() and PERSON_ID not in page.content()
    screenshot(page, "kiosk-receipt-portrait.png")
    settings.CITYOPS_KIOSK_IDLE_SECONDS = 8
    page.get_by_role("link", name="完成").click()
    page.wait_for_url("**/kiosk/")
    page.fill("#k-number", number)
    page.fill("#k-phone", PHONE)
    page.get_by_test_id("kiosk-track-form").locator("button[type=submit]").click()
    page.get_by_test_id("track-view").wait_for()
    assert "食品经营许可证核发" in page.get_by_test_id("track-view").inner_text()
    screenshot(page, "kiosk-track-portrait.png")
    page.wait_for_url("**/kiosk/", timeout=30_000)  # the idle reset empties the answer too
    page.wait_for_function("() => !document.querySelector('[data-testid=track-view]')")
    assert page.js_errors == []
