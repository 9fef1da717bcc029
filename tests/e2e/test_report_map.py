"""The report forms' map on a phone: at GPS zoom it shows the town's own layers, not a grey box.

The grids (coloured by village, with their names), the village borders, and beside the dot the name
of the grid it is in: the inspector and the resident see where the dot is before sending.
"""

import pytest

from tests.builders import grid_centre
from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot
from tests.e2e.test_cases import PHONE, cases_town, context_of  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def in_english(page):
    page.click(".langswitch button[value=en]")
    page.wait_for_selector("html[lang=en]")


def open_report_map(page, url):
    page.goto(url)
    page.wait_for_selector("#report-map[data-ready=true]")
    page.locator(".gps[data-state=ok]").wait_for()
    page.locator("#report-map").scroll_into_view_if_needed()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_resident_report_map_draws_the_town(cases_town, context_of, lang):  # noqa: F811
    page = context_of(PHONE, gps=grid_centre(5))
    if lang == "en":
        page.goto("/report/")
        in_english(page)
    open_report_map(page, "/report/")
    report_map = page.locator("#report-map")
    assert report_map.get_attribute("data-grids") == "8"
    assert report_map.locator("path.grid-shape").count() == 8
    assert report_map.locator("path.village-border").count() == 1  # one path holds every border
    # at GPS zoom the dot says which grid it is in
    assert report_map.get_attribute("data-grid") == "G5"
    assert report_map.locator(".report-place").inner_text() == "网格5 · 村3"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, f"report-map-resident-{lang}.png")

    # a tap elsewhere moves the dot and its grid's name with it
    page.evaluate("() => document.querySelector('#report-map .leaflet-control-zoom-out').click()")
    page.wait_for_timeout(300)
    page.evaluate("() => document.querySelector('#report-map .leaflet-control-zoom-out').click()")
    page.wait_for_timeout(400)
    box = report_map.bounding_box()
    report_map.click(position={"x": 12, "y": box["height"] / 2})
    assert report_map.get_attribute("data-grid") != "G5"
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_inspector_report_map_draws_the_town_beyond_her_grid(cases_town, context_of, lang):  # noqa: F811
    page = context_of(PHONE, gps=grid_centre(2))  # just outside her own grid G1
    login(page, "inspector_g1", PASSWORD)
    if lang == "en":
        in_english(page)
    open_report_map(page, "/cases/m/")
    report_map = page.locator("#report-map")
    assert report_map.get_attribute("data-grids") == "8"
    assert report_map.locator("path.grid-shape").count() == 8
    assert report_map.get_attribute("data-grid") == "G2"
    assert report_map.locator(".report-place").inner_text() == "网格2 · 村1"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390 or lang == "en"
    screenshot(page, f"report-map-inspector-{lang}.png")
    assert page.js_errors == []


def test_a_place_outside_the_grids_says_so(cases_town, context_of):  # noqa: F811
    page = context_of(PHONE, gps=(113.70, 22.80))
    open_report_map(page, "/report/")
    assert page.locator("#report-map").get_attribute("data-grid") == ""
    assert page.locator("#report-map .report-place").inner_text() == "不在本镇网格内"
