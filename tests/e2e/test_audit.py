"""The auditor's pages in the browser: "Verify now" shows the worker's walk to its outcome without a
reload, and a review item is decided in its row."""

import pytest

from cityops.accounts.reviews.services import review_open
from cityops.accounts.services import token_create
from cityops.audit.verification import verification_run
from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_auditor_verifies_the_chain_and_decides_a_review_item(users, page):
    token, _ = token_create(user=users["officer"], name="大屏同步脚本")
    review = review_open(by=users["auditor"])
    login(page, "auditor", PASSWORD)
    page.locator(".mainnav").get_by_role("link", name="审计日志").click()
    page.wait_for_url("**/audit/")
    card = page.get_by_test_id("audit-verify")
    card.get_by_role("button", name="立即校验").click()
    page.locator('[data-status="queued"]').wait_for()
    verification_run(worker="e2e")  # the worker's part
    page.locator('[data-status="intact"]').wait_for(timeout=10_000)  # the card polls until the outcome
    assert "哈希链完整" in card.inner_text()
    screenshot(page, "audit-trail.png")

    page.get_by_test_id("security-nav").get_by_role("link", name="权限复核").click()
    page.wait_for_url("**/accounts/reviews/")
    page.locator(f'tr[data-review="{review.pk}"] a').click()
    row = page.locator(f'tr[data-item="{review.items.get(kind="token").pk}"]')
    row.locator("select").select_option("kept")
    row.locator('input[name="reason"]').fill("大屏每日同步需要")
    row.get_by_role("button", name="决定").click()
    page.locator('tr[data-decision="kept"]').wait_for()
    assert "大屏每日同步需要" in page.locator('tr[data-decision="kept"]').inner_text()
    screenshot(page, "access-review.png")
    assert page.js_errors == []
