"""The town map drawn from cityops' own grids, scoped to the signed-in user."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot, wait_for_popup

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_map(page, username):
    login(page, username, PASSWORD, next_url="/map/")
    page.wait_for_url("**/map/")
    page.wait_for_selector("#map[data-ready=true]")


def test_village_dispatcher_sees_own_grids_and_their_inspectors(users, page):
    open_map(page, "dispatcher_v1")

    assert page.locator("path.grid-shape").count() == 2
    assert page.locator("#map").get_attribute("data-grids") == "2"
    assert sorted(page.locator("#region-tree .tree-grid .tree-label").all_inner_texts()) == [
        "网格1 G1",
        "网格2 G2",
    ]
    assert "2" in page.locator("#map-summary").inner_text()

    # a click away from the school marker in the middle of G1
    grid = page.locator("path.grid-shape[data-grid=G1]")
    box = grid.bounding_box()
    grid.click(position={"x": box["width"] * 0.3, "y": box["height"] * 0.25})
    popup = wait_for_popup(page)
    popup.get_by_text("inspector_g1").wait_for()
    text = popup.inner_text()
    assert "网格1" in text and "G1" in text
    assert "村1" in text and "片区1" in text
    assert "138****5678" in text
    assert page.locator("#region-tree .tree-label.is-selected").inner_text() == "网格1 G1"
    screenshot(page, "map-dispatcher.png")
    assert page.js_errors == []


def test_town_officer_sees_all_grids_and_places(users, page):
    open_map(page, "officer")

    assert page.locator("path.grid-shape").count() == 8
    assert page.locator("#region-tree .tree-grid").count() == 8
    assert page.locator("path.place-marker").count() == 3
    # the navigation shows what the role allows: a duty officer has no administration
    nav = page.locator(".mainnav")
    assert nav.get_by_text("地图").is_visible()
    assert nav.get_by_text("系统管理").count() == 0 and nav.get_by_text("审计日志").count() == 0
    screenshot(page, "map-officer.png")

    # the tree zooms to a village and marks it
    page.locator('#region-tree .tree-label[data-level=village][data-code="V4"]').click()
    assert page.locator("#region-tree .tree-label.is-selected").inner_text() == "村4"
    # a grid without an inspector says so
    page.locator('#region-tree .tree-label[data-level=grid][data-code="G8"]').click()
    wait_for_popup(page).get_by_text("未配置综管员").wait_for()
    screenshot(page, "map-officer-village.png")
    assert page.js_errors == []


def test_map_on_a_phone(users, new_page):
    page = new_page(viewport={"width": 390, "height": 844})
    open_map(page, "officer")
    assert page.locator("path.grid-shape").count() == 8
    screenshot(page, "map-phone.png")


def test_resident_has_no_map(users, page):
    login(page, "resident", PASSWORD)
    page.wait_for_url("**/report/mine/")
    assert page.locator(".mainnav").get_by_text("地图").count() == 0
    response = page.goto("/map/")
    assert response.status == 403


def test_auditor_navigation_links_to_admin_and_audit_trail(users, page):
    open_map(page, "auditor")
    nav = page.locator(".mainnav")
    assert nav.get_by_role("link", name="系统管理").get_attribute("href") == "/admin/"
    assert nav.get_by_role("link", name="审计日志").get_attribute("href") == "/audit/"
    assert nav.get_by_role("link", name="API 文档").get_attribute("href") == "/api/v1/docs"
