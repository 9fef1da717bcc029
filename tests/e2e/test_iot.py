"""The IoT pages in the browser: the device list and map, a device's charts, the alarm console."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.pages import SCREENSHOTS, login, screenshot
from tests.iot import conftest as iot_fixtures
from tests.iot.pages import conftest as page_fixtures

# the IoT fixtures live beside the IoT tests; the browser tests borrow them
iot_types, iot_devices = iot_fixtures.iot_types, iot_fixtures.iot_devices
now, iot_readings, iot_rules = page_fixtures.now, page_fixtures.iot_readings, page_fixtures.iot_rules
iot_alarms, dead_letters = page_fixtures.iot_alarms, page_fixtures.dead_letters

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def wait_for_charts(page):
    page.wait_for_selector("#iot-charts[data-ready=true]")


def test_device_list_detail_and_charts(users, page, iot_readings, iot_alarms):
    login(page, "officer", PASSWORD, next_url="/iot/devices/")
    page.wait_for_url("**/iot/devices/")
    assert page.locator("tr[data-device]").count() == 4
    assert page.locator('[data-count="online"] .iot-count-n').inner_text() == "1"
    assert page.locator(".mainnav a.is-active").inner_text() == "物联设备"
    # the filters reload the list in place
    page.select_option("#f-type", "water")
    page.wait_for_function("() => document.querySelectorAll('tr[data-device]').length === 2")
    screenshot(page, "iot-devices.png")

    page.goto("/iot/devices/AIR-G1/")
    wait_for_charts(page)
    chart = page.locator('.iot-chart[data-quantity="pm25"]')
    assert chart.get_attribute("data-mode") == "raw"
    assert int(chart.get_attribute("data-count")) > 100
    assert chart.locator("canvas").count() == 1
    assert page.locator('.iot-chart[data-quantity="no2"]').get_attribute("data-count") == "0"
    page.wait_for_selector("#device-point[data-ready=true]")
    screenshot(page, "iot-device.png")

    page.click('[data-period="1y"]')
    page.wait_for_function(
        "() => document.querySelector('.iot-chart[data-quantity=pm25]').dataset.grain === '86400'"
        " && document.getElementById('iot-charts').dataset.ready === 'true'"
    )
    note = page.locator("#iot-chart-note").inner_text()
    assert "1 天" in note, note
    page.locator("#iot-charts").scroll_into_view_if_needed()
    screenshot(page, "iot-device-year.png")
    page.screenshot(path=str(SCREENSHOTS / "iot-device-full.png"), full_page=True)
    assert page.js_errors == []


def test_alarm_console_acknowledges_and_shows_a_refusal(users, page, iot_alarms):
    from cityops.iot.alarms import alarm_acknowledge
    from cityops.iot.models import Alarm

    login(page, "dispatcher_v1", PASSWORD, next_url="/iot/alarms/")
    page.wait_for_url("**/iot/alarms/")
    mine = iot_alarms["v1_active"]
    rows = page.locator("tr[data-alarm]")
    assert rows.count() == 2  # her village only
    assert rows.first.get_attribute("data-alarm") == str(mine.pk)

    page.locator(f'tr[data-alarm="{mine.pk}"] [data-action="ack"]').click()
    page.get_by_text(f"告警 {mine.pk} 已确认。").wait_for()
    assert page.locator(f'tr[data-alarm="{mine.pk}"] .iot-acked').is_visible()
    assert Alarm.objects.get(pk=mine.pk).acknowledged_by_id == users["dispatcher_v1"].pk
    screenshot(page, "iot-alarms.png")

    # someone else acknowledges the cleared alarm meanwhile: her click is refused with the reason
    other = iot_alarms["v1_cleared"]
    alarm_acknowledge(alarm_id=other.pk, by=users["officer"])
    page.locator(f'tr[data-alarm="{other.pk}"] [data-action="ack"]').click()
    page.get_by_text(f"告警 {other.pk} 已由他人确认。").wait_for()
    assert page.locator(".message-error").is_visible()
    assert page.js_errors == []


def test_alarm_detail_comment_and_clear(users, page, iot_alarms):
    alarm = iot_alarms["v1_active"]
    login(page, "officer", PASSWORD, next_url=f"/iot/alarms/{alarm.pk}/")
    page.fill("#alarm-text", "已通知网格员前往核实")
    page.click('[data-action="comment"]')
    page.get_by_text("已为告警").wait_for()
    assert page.locator('[data-event="comment"]').inner_text().count("已通知网格员前往核实") == 1
    page.fill("#alarm-text", "现场已处置")
    page.click('[data-action="clear"]')
    page.wait_for_selector('[data-status="cleared"]')
    screenshot(page, "iot-alarm.png")
    assert page.js_errors == []


def test_device_map_and_phone_list(users, new_page, iot_devices):
    page = new_page()
    login(page, "officer", PASSWORD, next_url="/iot/devices/map/")
    page.wait_for_selector("#device-map[data-ready=true]")
    assert page.locator("#device-map").get_attribute("data-points") == "4"
    assert page.locator(".dev-pin, .dev-cluster").count() >= 1
    screenshot(page, "iot-map.png")
    phone = new_page(viewport=PHONE)
    login(phone, "dispatcher_v1", PASSWORD, next_url="/iot/devices/")
    assert phone.locator("tr[data-device]").count() == 2
    screenshot(phone, "iot-devices-phone.png")


def test_dead_letters_for_the_administrator(users, page, dead_letters):
    login(page, "admin", PASSWORD, next_url="/iot/dead-letters/")
    assert page.locator("tr[data-dead-letter]").count() == 2
    screenshot(page, "iot-dead-letters.png")
    page.goto(f"/iot/dead-letters/{dead_letters['binary'].pk}/")
    assert "00 01 02 ff fe" in page.locator("pre.dl-payload").inner_text()
    page.click("text=标记为已处理")
    page.wait_for_selector('[data-resolved="yes"]')
    screenshot(page, "iot-dead-letter.png")


def test_alarm_console_in_english(users, new_page, iot_alarms):
    page = new_page(locale="en-GB")
    login(page, "officer", PASSWORD, next_url="/iot/alarms/")
    page.click(".langswitch button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Alarm console"
    screenshot(page, "iot-alarms-en.png")
