"""The big screen in Chromium at 1920×1080: figures, map and feed; a new case appears in the feed
within seconds; a cut stream shows the stale state, and on reconnect the case written meanwhile
arrives (nothing missed); a drill-down to a village (its open case and the inspector on patrol on
the map) and back; the trend chart drawn once ECharts has loaded after the figures. And once at
3840×2160."""

import time

import pytest
from django.conf import settings as django_settings

from cityops.ops.views.hub import hub
from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot
from tests.ops.conftest import catalogue, new_case  # noqa: F401
from tests.ops.test_screen_patrols import _session

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HD = {"width": 1920, "height": 1080}
UHD = {"width": 3840, "height": 2160}


@pytest.fixture
def short_streams(settings):
    settings.CITYOPS_SCREEN_STREAM_SECONDS = 5  # each stream ends soon: a cut is seen at the next one
    # The feed reader of this process keeps the last minute's lines: those of the test before, whose
    # database was flushed since, would reach this test's screen as news.
    with hub.cond:
        hub.lines.clear()
        hub.known.clear()
        hub.cursor = None


def open_screen(new_page, viewport, english_at=None):
    page = new_page(locale="en-GB" if english_at else "zh-CN", viewport=viewport)
    if english_at:
        cookie = {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": english_at}
        page.context.add_cookies([cookie])
    login(page, "officer", PASSWORD, next_url="/ops/screen/")
    page.wait_for_url("**/ops/screen/")
    page.wait_for_selector("#sc-map[data-ready=true]")
    page.wait_for_selector("#screen[data-state=live]")
    page.wait_for_selector('.sc-period[data-period="today"]')
    return page


def test_live_feed_stale_state_and_drill_down(catalogue, new_page, short_streams):  # noqa: F811
    new_case(catalogue, grid=1)
    _session(catalogue["inspector_g1"], 2, seen_minutes_ago=4)
    page = open_screen(new_page, HD)
    assert page.locator(".sc-line").count() == 1
    assert page.locator("#sc-crumbs").inner_text() == "全镇"
    page.wait_for_selector("#sc-trend canvas")  # ECharts came after the figures, the trend is drawn
    patrols = page.locator('[data-panel="cases.patrols"]')
    assert "8 个网格中 1 个" in patrols.inner_text()
    assert patrols.locator(".sc-bar").count() == 2  # one bar an area

    started = time.monotonic()
    case = new_case(catalogue, grid=7, item="E-FIRE")
    page.locator(".sc-line", has_text=case.number).wait_for(timeout=8000)
    seconds = time.monotonic() - started
    assert seconds < 5, seconds
    assert (
        page.locator(".sc-line").first.inner_text().endswith(f"新案件 {case.number}：消防通道堵塞（网格7）")
    )
    screenshot(page, "ops-screen-1920.png")

    # the stream is cut: the next connection fails, the screen says so
    page.route("**/ops/events*", lambda route: route.abort())
    page.wait_for_selector("#screen[data-state=stale]", timeout=10000)
    assert page.locator("#sc-stale-note").is_visible()
    missed = new_case(catalogue, grid=3)
    screenshot(page, "ops-screen-stale.png")
    page.unroute("**/ops/events*")
    page.wait_for_selector("#screen[data-state=live]", timeout=10000)
    page.locator(".sc-line", has_text=missed.number).wait_for(timeout=5000)
    assert page.locator(".sc-line").count() == 3  # each line once

    # drill down: a grid of village V1 on the town map → its area; the breadcrumb leads back
    page.locator('#sc-map [data-grid="G1"]').click(position={"x": 8, "y": 8})
    page.wait_for_selector("#sc-map[data-unit='area:A1']")
    # (a corner of the grid: below the town, the case at its centre is a point of its own)
    page.locator('#sc-map [data-grid="G1"]').click(position={"x": 8, "y": 8})
    page.wait_for_selector("#sc-map[data-unit='village:V1']")
    page.wait_for_function("() => document.querySelector('#sc-crumbs').textContent.includes('村1')")
    assert page.locator("#sc-crumbs .sc-crumb").all_inner_texts() == ["全镇", "片区1", "村1"]
    # the open case of V1 and the inspector on patrol in G2
    assert page.locator("#sc-map .leaflet-points-pane path").count() == 2
    screenshot(page, "ops-screen-village.png")
    page.locator("#sc-crumbs button", has_text="全镇").click()
    page.wait_for_selector("#sc-map[data-unit='town']")
    assert page.js_errors == []


def test_the_screen_at_3840_by_2160(catalogue, new_page, live_server, short_streams):  # noqa: F811
    for grid in (1, 2, 5):
        new_case(catalogue, grid=grid)
    page = open_screen(new_page, UHD, english_at=live_server.url)
    size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert size == 32  # twice the 1080p size: each quadrant of a 2×2 wall reads like one 1080p screen
    assert page.locator(".sc-line").count() == 3
    assert page.locator(".sc-line").first.inner_text().endswith("暴露垃圾 in 网格5")
    assert page.locator("#sc-live").inner_text() == "Live"
    screenshot(page, "ops-screen-3840.png")
    assert page.js_errors == []


def test_redrawing_the_map_leaves_nothing_behind(catalogue, new_page):  # noqa: F811
    """Each redraw of the map (every refresh, each colour toggle) replaces its layers: after twenty,
    once garbage is collected, the page holds no more DOM nodes than after the first few."""
    page = open_screen(new_page, HD)
    cdp = page.context.new_cdp_session(page)
    buttons = page.locator(".sc-toggle button")

    def nodes_after(redraws: int) -> int:
        for i in range(redraws):
            buttons.nth(i % 2).click()
        cdp.send("HeapProfiler.collectGarbage")
        return cdp.send("Memory.getDOMCounters")["nodes"]

    settled = nodes_after(4)
    grid_layers = page.locator("#sc-map [data-grid]").count()
    assert grid_layers > 0
    # the leak kept each old drawing, 4 nodes a grid a redraw (641 after 20 redraws of 8 grids);
    # what is left is the collector's noise (under 50)
    assert nodes_after(20) - settled < 10 * grid_layers
    assert page.js_errors == []
