"""An item's situations and materials edited on its page in Chromium: rows added, renamed, moved and
removed in place (htmx), a bad row named beside it, and the whole guide saved as a new draft."""

import pytest
from playwright.sync_api import expect

from cityops.egov.models import ServiceItem
from cityops.egov.services import item_publish, item_save_draft
from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot
from tests.egov.conftest import guide

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def item(users):
    from cityops.org.models import Department

    Department.objects.create(code="D-SCJG", name="市场监督管理分局", gives_services=True)
    item_save_draft(code="SCJG-XK-0001", department="D-SCJG", guide=guide(), actor_name="t")
    item_publish(code="SCJG-XK-0001", actor_name="t")
    return users


def test_situations_and_materials_are_edited_on_the_items_page(page, item):
    login(page, "admin", PASSWORD)
    page.goto("/services/items/SCJG-XK-0001/edit/")
    names = page.locator("input[name=m_name]")
    page.fill("input[name=s_name] >> nth=0", "由他人代为办理")  # renamed: its material keeps it
    page.get_by_test_id("add-material").click()
    names.nth(2).wait_for()
    names.nth(2).fill("营业执照")
    page.fill("input[name=m_copies] >> nth=2", "0")
    page.locator("button[value='up:m:2']").click()
    expect(names.nth(1)).to_have_value("营业执照")
    assert [names.nth(n).input_value() for n in range(3)] == ["食品经营许可申请书", "营业执照", "授权委托书"]
    situation = page.locator("select[name=m_situation] >> nth=2")
    assert situation.evaluate("e => e.options[e.selectedIndex].text") == "由他人代为办理"
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_test_id("errors").get_by_text("申请材料第 2 行").wait_for()
    assert ServiceItem.objects.get(code="SCJG-XK-0001").draft is None
    screenshot(page, "egov-item-parts-error.png")
    page.fill("input[name=m_copies] >> nth=1", "1")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/services/items/SCJG-XK-0001/")
    draft = ServiceItem.objects.get(code="SCJG-XK-0001").draft
    assert draft.number == 2
    assert [(m.name, m.situation.name if m.situation else "") for m in draft.materials.all()] == [
        ("食品经营许可申请书", ""),
        ("营业执照", ""),
        ("授权委托书", "由他人代为办理"),
    ]
    assert page.js_errors == []
