"""Names from the server are shown as text on every map and chart, never run as markup.

A place imported with the name ``<img src=x onerror=…>`` once ran script when the duty officer hovered
it on the town map. The same hostile text is put here into a place, a grid, a village, a device and a
unit; each page that draws them is opened, its tooltips and popups shown, and the payload must be
visible as characters while its flag stays unset.
"""

import json

import pytest
from django.test import Client

from cityops.cases.rollup import rollup_all
from cityops.core import middleware
from tests.builders import LAT0, LON0, STEP, feature, grid_centre, rect
from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot, wait_for_popup
from tests.e2e.test_cases import PHONE, cases_town, colourful_cases, context_of  # noqa: F401
from tests.iot import conftest as iot_fixtures
from tests.iot.pages import conftest as page_fixtures

iot_types, iot_devices = iot_fixtures.iot_types, iot_fixtures.iot_devices
now, iot_readings = page_fixtures.now, page_fixtures.iot_readings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def first_line_alone(monkeypatch):
    """These tests check the first line of defence on its own: names are drawn as text. The
    Content-Security-Policy, the second line, refuses a handler written as HTML and would hide a
    failure of the first, so the pages are served without it here (tests/e2e/test_csp.py checks the
    policy)."""
    monkeypatch.setattr(middleware, "content_security_policy", lambda: "")


PLACE = "<img src=x onerror=\"window.__xss='place'\">"
GRID = "<img src=x onerror=\"window.__xss='grid'\">"
VILLAGE = "<img src=x onerror=\"window.__xss='village'\">"
DEVICE = "<img src=x onerror=\"window.__xss='device'\">"
UNIT = "<svg onload=__xss=1>"  # a unit symbol holds 20 characters


def hostile_geography(steward):
    """Grid G1, village V1 and a new place renamed through the import API, as an attacker would."""
    lon, lat = grid_centre(3)
    features = [
        feature("village", "V1", VILLAGE, rect(LON0, LAT0, LON0 + 2 * STEP, LAT0 + 2 * STEP), "A1"),
        feature("grid", "G1", GRID, rect(LON0, LAT0, LON0 + STEP, LAT0 + 2 * STEP), "V1"),
        feature("place", "X1", PLACE, {"type": "Point", "coordinates": [lon, lat]}, kind="market"),
    ]
    client = Client()
    client.force_login(steward)
    body = json.dumps({"type": "FeatureCollection", "features": features})
    resp = client.post("/api/v1/geo/import", body, content_type="application/json")
    assert resp.status_code == 200, resp.content


def assert_payload_is_live(page, payload):
    """The control: the same text written as HTML does run, so a clean page means it was shown as text."""
    page.evaluate("() => { delete window.__xss; }")
    page.evaluate(
        "p => { const d = document.createElement('div'); d.innerHTML = p; document.body.append(d); }", payload
    )
    page.wait_for_function("() => window.__xss !== undefined")
    page.evaluate("() => { delete window.__xss; document.body.lastElementChild.remove(); }")


def assert_nothing_ran(page):
    page.wait_for_timeout(300)  # an <img src=x> fails and runs its handler within a few ms
    assert page.evaluate("() => window.__xss") is None
    assert page.locator(".leaflet-container img[src=x], .leaflet-container svg[onload]").count() == 0


def hover_grids_until(
    page, map_selector, name, shapes=".leaflet-overlay-pane path.leaflet-interactive"
) -> bool:
    """Point at the shapes of a map one by one until the hover name of ``name`` shows."""
    paths = page.locator(f"{map_selector} {shapes}")
    for i in range(paths.count()):
        paths.nth(i).dispatch_event("mouseover")
        hover = f"{map_selector} .leaflet-tooltip:not(.grid-label):not(.village-label)"
        shown = page.locator(hover, has_text="<img")
        if shown.count():
            return name in shown.first.text_content()
    return False


def test_the_town_map_shows_hostile_names_as_text(users, page):
    hostile_geography(users["steward"])
    login(page, "officer", PASSWORD, next_url="/map/")
    page.wait_for_selector("#map[data-ready=true]")

    assert hover_grids_until(page, "#map", PLACE, shapes="path.place-marker")
    screenshot(page, "safe-text-map-place.png")

    grid_label = page.locator(".grid-label", has_text="<img")
    assert grid_label.text_content() == GRID
    page.locator('#region-tree .tree-label[data-level=grid][data-code="G1"]').click()
    assert GRID in wait_for_popup(page).locator("h3").inner_text()
    assert VILLAGE in page.locator(".leaflet-popup-content").inner_text()

    # seen whole and small, the town shows village names instead of grid names
    page.locator("#region-tree .tree-label[data-level=town]").click()
    village_label = page.locator(".village-label:not(.is-hidden)", has_text="<img")
    for _ in range(6):
        page.wait_for_timeout(400)  # the zoom animation ends before the labels are fitted
        if village_label.count():
            break
        page.locator(".leaflet-control-zoom-out").click()
    assert village_label.inner_text() == VILLAGE
    screenshot(page, "safe-text-map-village.png")
    assert_nothing_ran(page)
    assert_payload_is_live(page, PLACE)
    assert page.js_errors == []


def test_the_case_map_and_case_page_show_a_hostile_grid_as_text(cases_town, context_of):  # noqa: F811
    hostile_geography(cases_town["steward"])
    colourful_cases(cases_town)
    page = context_of()
    login(page, "officer", PASSWORD, next_url="/cases/map/")
    page.wait_for_selector("#case-map[data-ready=true]")
    assert hover_grids_until(page, "#case-map", GRID)
    screenshot(page, "safe-text-case-map.png")
    assert_nothing_ran(page)

    number = page.evaluate(
        "() => fetch('/cases/map/points.json', {headers: {Accept: 'application/json'}})"
        ".then(r => r.json()).then(b => b.points.find(p => p.g.includes('<img')).n)"
    )
    page.goto(f"/cases/{number}/")
    page.wait_for_selector("#case-map[data-ready=true]")
    assert hover_grids_until(page, "#case-map", GRID)
    screenshot(page, "safe-text-case.png")
    assert_nothing_ran(page)
    assert page.js_errors == []


def test_the_report_map_shows_a_hostile_grid_as_text(cases_town, context_of):  # noqa: F811
    hostile_geography(cases_town["steward"])
    page = context_of(PHONE, gps=grid_centre(2))
    page.goto("/report/")
    page.wait_for_selector("#report-map[data-ready=true]")
    page.locator(".gps[data-state=ok]").wait_for()
    page.evaluate("() => document.getElementById('report-map').scrollIntoView()")
    page.locator("#report-map .leaflet-control-zoom-out").click()
    page.locator("#report-map .leaflet-control-zoom-out").click()
    page.wait_for_timeout(400)
    assert page.locator("#report-map .grid-label", has_text="<img").text_content() == GRID
    assert_nothing_ran(page)
    assert page.js_errors == []


def test_the_device_page_shows_a_hostile_name_and_unit_as_text(users, page, iot_readings):
    from cityops.iot.models import Device, Quantity

    Device.objects.filter(code="AIR-G1").update(name=DEVICE)
    Quantity.objects.filter(code="pm25").update(unit_symbol=UNIT)
    login(page, "officer", PASSWORD, next_url="/iot/devices/AIR-G1/")
    page.wait_for_selector("#device-point[data-ready=true]")
    page.wait_for_selector("#iot-charts[data-ready=true]")

    page.locator("#device-point path.device-point").hover(force=True)
    tooltip = page.locator("#device-point .leaflet-tooltip", has_text="AIR-G1")
    tooltip.wait_for()
    assert DEVICE in tooltip.inner_text()

    chart = page.locator('.iot-chart[data-quantity="pm25"]')
    chart.scroll_into_view_if_needed()
    page.evaluate(
        """() => {
          const el = document.querySelector('.iot-chart[data-quantity=pm25]');
          echarts.getInstanceByDom(el).dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 10});
        }"""
    )
    tip = chart.locator("div", has_text=UNIT).last
    tip.wait_for()
    assert UNIT in tip.inner_text()
    screenshot(page, "safe-text-device.png")
    assert_nothing_ran(page)
    assert page.evaluate("() => document.querySelectorAll('.iot-chart svg[onload]').length") == 0

    # the device map's popup shows the device's name and its grid's name as text
    hostile_geography(users["steward"])
    page.goto("/iot/devices/map/")
    page.wait_for_selector("#device-map[data-ready=true]")
    assert hover_grids_until(page, "#device-map", GRID)
    assert_nothing_ran(page)
    assert_payload_is_live(page, DEVICE)
    assert page.js_errors == []


def test_the_kpi_charts_show_a_hostile_grid_as_text(cases_town, context_of):  # noqa: F811
    hostile_geography(cases_town["steward"])
    colourful_cases(cases_town)
    rollup_all()
    page = context_of()
    login(page, "officer", PASSWORD)
    page.goto("/cases/kpis/?rows=grid&cols=department&kpi=registration_rate")
    page.wait_for_selector("#kpi-ranking[data-ready=true]")
    index = page.evaluate(
        "() => JSON.parse(document.getElementById('kpi-charts-data').textContent)"
        ".ranking.bars.findIndex(b => b.name.includes('<img'))"
    )
    assert index >= 0, page.locator("#kpi-charts-data").text_content()
    page.evaluate(
        "i => echarts.getInstanceByDom(document.getElementById('kpi-ranking'))"
        ".dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: i})",
        index,
    )
    tip = page.locator("#kpi-ranking div", has_text="<img").last
    tip.wait_for()
    assert GRID in tip.inner_text()
    screenshot(page, "safe-text-kpi.png")
    assert_nothing_ran(page)
    assert page.js_errors == []
