"""The incident page in the browser: the map with the affected grids and what is near, the live task
board, a task moved from the board; in Chinese and in English."""

import pytest

from tests.builders import grid_centre
from tests.conftest import PASSWORD
from tests.e2e.pages import SCREENSHOTS, login
from tests.iot import conftest as iot_fixtures
from tests.ops import conftest as ops_fixtures

iot_types, iot_devices = iot_fixtures.iot_types, iot_fixtures.iot_devices
workstations, water_alarm, plans = ops_fixtures.workstations, ops_fixtures.water_alarm, ops_fixtures.plans

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_incident_page(users, new_page, live_server, settings, workstations, plans, water_alarm, monkeypatch):
    from cityops.geo.models import Grid
    from cityops.ops.emergency import services
    from cityops.ops.models import IncidentTask

    officer = users["officer"]
    incident = services.incident_from_alarm(
        by=officer,
        alarm_id=water_alarm.pk,
        kind="flood",
        level="2",
        extra_grid_ids=[Grid.objects.get(code="G3").pk],
    )
    services.plan_activate(incident=incident, by=officer)
    lon, lat = grid_centre(3)
    shelter = services.resource_upsert(
        by=officer,
        code="SH-1",
        name="村2避难场所",
        kind="shelter",
        capacity=300,
        capacity_unit="人",
        lon=lon,
        lat=lat,
    )
    services.resource_deploy(incident=incident, resource=shelter, by=officer)

    for locale, lang in (("zh-CN", "zh-hans"), ("en-GB", "en")):
        page = new_page(locale=locale, viewport={"width": 1440, "height": 1100})
        if lang == "en":
            page.context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
            )
        login(page, "officer", PASSWORD, next_url=f"/ops/incidents/{incident.pk}/")
        page.wait_for_selector("#incident-map[data-ready=true]")
        assert (
            page.locator("#incident-map .leaflet-interactive").count() >= 5
        )  # 2 grids, sensor, shelter, incident
        assert page.locator("#task-board tr[data-task]").count() == 3
        if lang == "zh-hans":
            # the board's poll leaves a reason being typed alone, and goes on once it is cleared
            monkeypatch.setattr("cityops.ops.views.emergency.BOARD_REFRESH_SECONDS", 1)
            page.reload()
            page.wait_for_selector("#incident-map[data-ready=true]")
            reason = page.locator("#task-board input[name=reason]").first
            reason.fill("道路中断，正在绕行")
            page.evaluate("document.getElementById('task-board').dataset.mark = 'before'")
            page.wait_for_timeout(2500)
            assert page.evaluate("document.getElementById('task-board').dataset.mark") == "before"
            assert reason.input_value() == "道路中断，正在绕行"
            reason.fill("")
            page.locator("h1").first.click()
            page.wait_for_function("() => !document.getElementById('task-board').dataset.mark", timeout=5000)
            row = page.locator("#task-board tr[data-task]").first
            row.locator("select[name=status]").select_option("accepted")
            row.locator("button[type=submit]").click()
            page.wait_for_selector("#incident-map[data-ready=true]")
            assert "已接收" in page.locator("#task-board").inner_text()
            assert IncidentTask.objects.filter(status="accepted").count() == 1
        else:
            assert "Task board" in page.locator("#task-board").inner_text()
        page.screenshot(path=str(SCREENSHOTS / f"ops-incident-{lang}.png"), full_page=True)
        assert page.js_errors == []
