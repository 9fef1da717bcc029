"""Decision support in Chromium: the hot-spot map colours the planted cluster's grids hot, and the
forecast page draws the chart and warns of the planted surge, in Chinese and in English."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.ops.insight.forecast import forecast_all, last_complete_week
from cityops.ops.insight.hotspots import CLASS_COLOURS
from tests.conftest import PASSWORD, _user
from tests.e2e.pages import login, screenshot
from tests.ops.insight_data import SIDE, build_grid_town, stat

pytestmark = pytest.mark.django_db(transaction=True)
CLUSTER = {(1, 1), (1, 2), (2, 1), (2, 2)}


def _data():
    grids = build_grid_town()
    last = last_complete_week(timezone.localdate())
    for k in range(24):
        monday = last - timedelta(weeks=23 - k)
        for i, g in enumerate(grids):
            r, c = divmod(i, SIDE)
            n = (6 if (r, c) in CLUSTER else 1) + (k * k % 5 if i == 0 else 0)
            stat(monday + timedelta(days=2), g, n * (4 if k == 23 and (r, c) == (1, 1) else 1))
    forecast_all()
    return _user("insight_officer", "duty_officer")


def test_the_hot_spot_map_and_the_forecast(new_page, live_server, settings):
    settings.CITYOPS_SCREEN_STREAM_SECONDS = 5  # the screen's stream ends soon, as in its own tests
    officer = _data()
    for locale, suffix in (("zh-CN", "zh"), ("en-GB", "en")):
        page = new_page(locale=locale, viewport={"width": 1400, "height": 1000})
        if suffix == "en":
            page.context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
            )
        login(
            page,
            officer.username,
            PASSWORD,
            "/ops/insight/hotspots/?start=" + str(timezone.localdate() - timedelta(days=60)),
        )
        page.wait_for_selector("#insight-map[data-ready=true]")
        fills = page.eval_on_selector_all(
            "#insight-map path.leaflet-interactive", "els => els.map(e => e.getAttribute('fill'))"
        )
        assert len(fills) == SIDE * SIDE
        assert fills.count(CLASS_COLOURS["hot99"]) + fills.count(CLASS_COLOURS["hot95"]) >= len(CLUSTER)
        screenshot(page, f"ops-insight-hotspots-{suffix}.png")
        page.goto("/ops/insight/forecast/?series=village:GV1")
        page.wait_for_selector("#forecast-chart[data-ready=true]")
        assert page.locator('[data-testid="forecast-warning"]').count() >= 1
        assert page.locator('[data-testid="mape"]').count() == 1
        screenshot(page, f"ops-insight-forecast-{suffix}.png")
        assert page.js_errors == []
    # the warning on the big screen, as a panel of its own (last: its stream holds a connection)
    page = new_page(viewport={"width": 1920, "height": 1080})
    login(page, officer.username, PASSWORD, "/ops/screen/")
    panel = page.locator('[data-panel="ops.forecast_warning"]')
    panel.wait_for()
    assert "方村1" in panel.inner_text()
    screenshot(page, "ops-insight-screen-panel.png")
