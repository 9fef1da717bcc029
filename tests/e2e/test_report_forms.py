"""The two report forms (a resident's /report/ and the inspector's phone page) in Chromium: no
console errors, the send button disabled while a report is on its way, and a field's error gone
once the field is put right."""

import pytest

from tests.builders import grid_centre
from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot
from tests.e2e.test_cases import pick, upload

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
# Chromium logs every 4xx answer to the console; a form's 422 with its field errors is the design
ANSWERED_422 = "the server responded with a status of 422"


@pytest.fixture
def report_town(users):
    from tests.cases.conftest import make_items, make_workstations

    make_workstations()
    make_items()
    return users


@pytest.fixture
def phone(browser, live_server):
    """A phone whose GPS is in grid 1 (the inspector's own: a patrol report must lie in its reporter's scope),
    recording what the page writes to its console."""
    lon, lat = grid_centre(1)
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport=PHONE,
        device_scale_factor=1,
        geolocation={"longitude": lon, "latitude": lat, "accuracy": 12},
        permissions=["geolocation"],
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda msg: (
            msg.type == "error" and ANSWERED_422 not in msg.text and page.console_errors.append(msg.text)
        ),
    )
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    # a request cut short by leaving the page (ERR_ABORTED) is no failure; any other is
    page.on(
        "requestfailed",
        lambda req: (
            req.failure != "net::ERR_ABORTED" and page.console_errors.append(f"{req.url}: {req.failure}")
        ),
    )
    page.on("response", lambda r: r.status == 404 and page.console_errors.append(f"404 {r.url}"))
    yield page
    context.close()


def watch_the_button(page):
    """Record whether the send button is ever disabled (a request takes milliseconds here)."""
    page.evaluate(
        """() => {
          const button = document.querySelector("form[data-report-form] button[type=submit]");
          window.buttonWasDisabled = false;
          new MutationObserver(() => { if (button.disabled) window.buttonWasDisabled = true; })
            .observe(button, { attributes: true, attributeFilter: ["disabled"] });
        }"""
    )


def send_and_expect_errors(page):
    with page.expect_response(lambda r: "items/" in r.url):
        page.fill("input[name=q]", "垃圾")  # a search inside the form disables nothing, logs nothing
    watch_the_button(page)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("form[data-report-form] button[type=submit]").click()
    assert answer.value.status == 422
    page.locator("#err-item .field-error").wait_for()
    assert page.evaluate("window.buttonWasDisabled") is True
    assert page.locator("form[data-report-form] button[type=submit]").is_enabled()  # and again after


def report(page, name: str):
    assert "请从列表中选择问题类型" in page.locator("#err-item").inner_text()
    pick(page, "暴露垃圾")
    assert page.locator("#err-item").inner_text() == ""  # gone once an item is picked
    page.set_input_files("#report-photos", [upload(f"{name}.jpg")])
    watch_the_button(page)
    page.locator("form[data-report-form] button[type=submit]").click()
    page.locator("[data-testid=report-result]").wait_for()
    assert page.evaluate("window.buttonWasDisabled") is True
    screenshot(page, f"report-form-{name}-sent.png")


def test_a_resident_reports_without_console_errors(report_town, phone):
    phone.goto("/report/")
    phone.wait_for_selector(".gps[data-state=ok]")
    assert phone.locator("link[rel=icon]").count() >= 1
    phone.fill("#report-description", "小区门口堆放生活垃圾")
    send_and_expect_errors(phone)
    screenshot(phone, "report-form-resident-errors.png")
    phone.fill("#report-name", "李女士")
    phone.fill("#report-phone", "139 0000 2222")
    report(phone, "resident")
    assert phone.console_errors == []


def test_an_inspector_reports_without_console_errors(report_town, phone):
    login(phone, "inspector_g1", PASSWORD)
    phone.goto("/cases/m/")
    phone.wait_for_selector(".gps[data-state=ok]")
    send_and_expect_errors(phone)
    screenshot(phone, "report-form-inspector-errors.png")
    report(phone, "inspector")
    assert phone.console_errors == []


def test_favicon_ico_is_the_sites_icon(phone):
    resp = phone.request.get("/favicon.ico")  # redirected to the static file
    assert resp.status == 200 and resp.body()[:4] == b"\x00\x00\x01\x00"  # an icon file
