"""A consumer switched off in the browser: the reason asked for, its key refused at once saying so,
the change in its history; switched back on, the key works again."""

import json
import urllib.error
import urllib.request

import pytest

from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def call(base: str, raw: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"{base}/ckan/api/3/action/package_list", headers={"Authorization": raw})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the test server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_switching_a_consumer_off_and_on(users, new_page, live_server):
    from cityops.databrain.sharing import services

    consumer = services.consumer_create(
        kind="system", code="SYS-GRID", name="网格化管理系统", contact="王工 13800000000", by=users["steward"]
    )
    _key, raw = services.key_create(consumer=consumer, name="网格系统", days=30, by=users["steward"])
    assert call(live_server.url, raw)[0] == 200
    page = new_page()
    login(page, "steward", PASSWORD, next_url="/data/sharing/consumers/SYS-GRID/")
    page.click('[data-testid="consumer-edit-link"]')
    page.click('[data-testid="consumer-switch-button"]')  # no reason: refused, saying so
    page.wait_for_selector(".alert-error")
    assert "请说明停用或启用的原因" in page.locator(".alert-error").inner_text()
    assert call(live_server.url, raw)[0] == 200
    page.fill('[data-testid="switch-reason"]', "合同到期")
    page.click('[data-testid="consumer-switch-button"]')
    page.wait_for_selector('[data-testid="switched-off"]')
    assert page.locator('tr[data-history="switch_off"]').inner_text().count("合同到期") == 1
    screenshot(page, "databrain-consumer-switched-off.png")
    status, body = call(live_server.url, raw)
    assert status == 403 and body["error"]["__type"] == "Authorization Error"
    assert "使用方 SYS-GRID 已于" in body["error"]["message"] and "停用" in body["error"]["message"]
    page.click('[data-testid="consumer-edit-link"]')
    page.fill('[data-testid="switch-reason"]', "续签合同")
    page.click('[data-testid="consumer-switch-button"]')
    page.wait_for_selector('tr[data-history="switch_on"]')
    assert page.locator('[data-testid="switched-off"]').count() == 0
    assert call(live_server.url, raw)[0] == 200
    assert not page.js_errors
