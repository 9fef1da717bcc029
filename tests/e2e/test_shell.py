"""The site's shell in the browser, at the three sizes its users have (a phone, a laptop, a desktop)
and in both languages: the department desk's queues, the phone pages and the top bar."""

import pytest
from django.conf import settings

from cityops.cases.choices import Status
from cityops.cases.models import Case
from cityops.org.models import Department
from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
DESKTOP = {"width": 1920, "height": 1080}
SIZES = {"390": PHONE, "1366": LAPTOP, "1920": DESKTOP}
LOCALES = {"zh": "zh-CN", "en": "en-US"}
LANGUAGES = {"zh": "zh-hans", "en": "en"}


@pytest.fixture
def shell_town(users):
    from tests.cases.conftest import make_items, make_workstations
    from tests.e2e.test_cases import _case

    make_workstations()
    make_items()
    cg = Department.objects.get(code="D-CG")
    # enough cases in each queue that the list is longer than the window
    for i in range(40):  # far enough apart (over 50 m) not to be taken for duplicates
        grid, row = 1 + i % 8, i // 8
        case = _case(users, grid, "E-GARBAGE", dx=0.001 * (row % 3), dy=0.001 * (row // 3))
        status = [Status.DISPATCHED, Status.ACCEPTED, Status.DISPOSED][i % 3]
        Case.objects.filter(pk=case.pk).update(status=status, department=cg)
    return users


def open_as(browser, live_server, username, size, lang, touch=False):
    options = {
        "base_url": live_server.url,
        "locale": LOCALES[lang],
        "viewport": SIZES[size],
        "device_scale_factor": 1,
    }
    if touch:
        options |= {"is_mobile": True, "has_touch": True}
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    # the language is the user's choice (the switch's cookie), not the browser's
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": LANGUAGES[lang], "url": live_server.url}]
    )
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    login(page, username, PASSWORD)
    return page


def reachable(locator) -> bool:
    """Whether a click at the middle of the element lands on it: it is inside the window, not
    clipped by a scrolling or squashed ancestor, and not covered by anything."""
    return locator.evaluate(
        """e => {
          const r = e.getBoundingClientRect();
          const x = r.left + r.width / 2, y = r.top + r.height / 2;
          if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
          for (let p = e.parentElement; p; p = p.parentElement) {  // clipped by an ancestor?
            const s = getComputedStyle(p);
            if (s.overflowX === "visible" && s.overflowY === "visible") continue;
            const q = p.getBoundingClientRect();
            if (r.left < q.left - 1 || r.right > q.right + 1 || r.top < q.top - 1 || r.bottom > q.bottom + 1) return false;
          }
          const hit = document.elementFromPoint(x, y);
          return !!hit && (hit === e || e.contains(hit));
        }"""
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", ["1366", "1920", "390"])
def test_the_department_desk_shows_its_queues(shell_town, browser, live_server, size, lang):
    page = open_as(browser, live_server, "handler", size, lang, touch=size == "390")
    page.goto("/cases/dept/")
    tabs = page.locator("#dept-list .tab")
    assert tabs.count() == 5
    screenshot(page, f"shell-dept-{size}-{lang}.png")
    for i in range(5):
        tab = tabs.nth(i)
        b = tab.bounding_box()
        assert b["height"] >= 28, (tab.inner_text(), b)
        assert reachable(tab), tab.inner_text()
        # the label is not clipped: the tab is as wide as its text needs
        assert tab.evaluate("e => e.scrollWidth <= e.clientWidth + 1 && e.scrollHeight <= e.clientHeight + 1")
    # each queue can be switched to by a click on its label
    tabs.nth(2).click()
    page.wait_for_selector("#dept-list .tab.is-active[data-tab=recheck]")
    assert page.locator("#dept-list .case-card").count() > 0
    page.context.close()


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= innerWidth")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_phone_page_fits_a_phone(shell_town, browser, live_server, lang):
    page = open_as(browser, live_server, "inspector_g1", "390", lang, touch=True)
    page.goto("/cases/m/tasks/")
    tabs = page.locator(".phone-tabs a")
    pages = [tabs.nth(i).get_attribute("href") for i in range(tabs.count())]
    assert "/cases/m/" in pages and "/cases/m/tasks/" in pages
    for url in pages:
        page.goto(url)
        page.wait_for_load_state("load")
        name = url.strip("/").replace("/", "-")
        screenshot(page, f"shell-{name}-390-{lang}.png")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{url} is {width} px wide"
        assert reachable(page.locator(".langswitch button[value=en]")), url
        assert reachable(page.locator(".langswitch button[value=zh-hans]")), url
        menu = page.locator(".usermenu summary")
        assert reachable(menu), url
        menu.click()
        assert reachable(page.locator(".usermenu-panel button[type=submit]")), url  # log out
        screenshot(page, f"shell-{name}-390-{lang}-menu.png")
        assert fits_the_width(page), f"{url}: the open menu widens the page"
    assert page.js_errors == []
    page.context.close()


def test_on_a_phone_the_links_open_from_a_menu_instead_of_scrolling_sideways(
    shell_town, browser, live_server
):
    page = open_as(browser, live_server, "officer", "390", "zh", touch=True)
    page.goto("/cases/")
    nav = page.locator(".mainnav")
    links = nav.locator("a")
    assert links.count() >= 8  # the duty officer's pages: more than a phone's width holds
    shown = [links.nth(i).inner_text() for i in range(links.count()) if links.nth(i).is_visible()]
    assert shown == ["案件"]  # where one is; the rest behind the menu
    assert reachable(page.locator(".nav-more-label"))
    screenshot(page, "shell-phone-menu-closed.png")
    page.locator(".nav-more-label").click()
    assert nav.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # wrapped, not a scroll box
    for i in range(links.count()):
        assert reachable(links.nth(i)), links.nth(i).inner_text()
    assert fits_the_width(page)
    screenshot(page, "shell-phone-menu-open.png")
    links.filter(has_text="物联设备").click()
    page.wait_for_url("**/iot/devices/")
    assert [a.inner_text() for a in nav.locator("a").all() if a.is_visible()] == ["物联设备"]  # closed again
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", ["1366", "1920"])
@pytest.mark.parametrize("username", ["officer", "admin"])
def test_the_top_bar_shows_every_link(shell_town, browser, live_server, username, size, lang):
    page = open_as(browser, live_server, username, size, lang)
    page.goto("/cases/" if username == "officer" else "/map/")
    screenshot(page, f"shell-topbar-{username}-{size}-{lang}.png")
    nav = page.locator(".mainnav")
    # no scroll box: every link is in plain sight, none under the bell or the user menu
    assert nav.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    links = nav.locator("a")
    assert links.count() >= 3
    for i in range(links.count()):
        assert reachable(links.nth(i)), links.nth(i).inner_text()
    for tool in (".langswitch button[value=en]", ".usermenu summary"):
        assert reachable(page.locator(tool)), tool
    assert fits_the_width(page)
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", ["1366", "1920"])
def test_the_workbench_uses_the_screen(shell_town, browser, live_server, size, lang):
    page = open_as(browser, live_server, "officer", size, lang)
    page.goto("/cases/?tab=all")
    page.wait_for_selector("tr[data-case]")
    screenshot(page, f"shell-workbench-{size}-{lang}.png")
    tabs = page.locator("#workbench-list .tabs")
    assert tabs.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    for i in range(tabs.locator(".tab").count()):
        assert reachable(tabs.locator(".tab").nth(i))
    if size == "1920":  # every column in sight, the reporting time last
        assert page.locator(".case-table").evaluate(
            "t => t.parentElement.scrollWidth <= t.parentElement.clientWidth + 1"
        )
        assert reachable(page.locator(".case-table th").last)
    assert fits_the_width(page)
    page.context.close()
