"""An offline alarm shows how long the device has been silent now, not when the alarm was raised."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot
from tests.iot import conftest as iot_fixtures

iot_types, iot_devices = iot_fixtures.iot_types, iot_fixtures.iot_devices

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def silent_station(iot_devices, iot_types):
    """AIR-G1 raised offline 13 minutes ago after 4 minutes of silence: silent for 17 minutes now."""
    from cityops.iot.models import Alarm, Rule

    rule = Rule.objects.create(
        code="air-offline",
        name="空气站离线",
        device_type=iot_types["air"],
        kind="offline",
        severity="warning",
    )
    device = iot_devices["AIR-G1"]
    at = timezone.now() - timedelta(minutes=13)
    return Alarm.objects.create(
        device=device,
        rule=rule,
        severity="warning",
        message="空气站离线：已 4 分钟无数据",
        value=4.0,
        started_at=at,
        last_seen_at=at,
        area_id=device.area_id,
        village_id=device.village_id,
        grid_id=device.grid_id,
    )


def test_the_console_and_the_alarm_page_count_the_silence(users, new_page, silent_station):
    page = new_page()
    page.clock.install()
    login(page, "officer", PASSWORD, next_url="/iot/alarms/")
    row = page.locator(f"tr[data-alarm='{silent_station.pk}'] .alarm-msg")
    assert row.inner_text() == "空气站离线：已 17 分钟无数据"
    screenshot(page, "alarm-duration-console-zh.png")

    page.goto(f"/iot/alarms/{silent_station.pk}/")
    message = page.locator(".iot-alarm-message")
    assert message.inner_text() == "空气站离线：已 17 分钟无数据"
    # the page stays open: the duration counts on without a reload
    page.clock.run_for("05:00")
    assert message.inner_text() == "空气站离线：已 22 分钟无数据"
    page.clock.run_for("01:00:00")
    assert message.inner_text() == "空气站离线：已 1 小时 22 分钟无数据"
    screenshot(page, "alarm-duration-detail-zh.png")
    assert page.js_errors == []


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_silence_in_english(users, new_page, silent_station, viewport):
    page = new_page(locale="en-GB", viewport=viewport)
    login(page, "officer", PASSWORD, next_url="/iot/alarms/")
    page.click(".langswitch button[value=en]")
    page.wait_for_selector("html[lang=en]")
    row = page.locator(f"tr[data-alarm='{silent_station.pk}'] .alarm-msg")
    assert row.inner_text() == "空气站离线: no data for 17 min"
    screenshot(page, f"alarm-duration-console-en{'-phone' if viewport else ''}.png")
    page.goto(f"/iot/alarms/{silent_station.pk}/")
    assert page.locator(".iot-alarm-message").inner_text() == "空气站离线: no data for 17 min"
    screenshot(page, f"alarm-duration-detail-en{'-phone' if viewport else ''}.png")
    assert page.js_errors == []
