"""One's own reports in the browser: the inspector's phone list and case view, a resident's reports and
tracking, and finding an item by pinyin — at phone and desktop sizes, in Chinese and English."""

import pytest

from cityops.cases.choices import Channel
from cityops.cases.intake import IntakeIn, Reporter, case_intake
from cityops.cases.models import CaseReport
from tests.builders import grid_centre
from tests.cases.conftest import make_items, make_workstations
from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SIZES = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 768}}
TEXT = {
    "zh": {"my_reports": "我的上报", "registered": "已立案", "track": "查询办理进度", "progress": "办理进度"},
    "en": {
        "my_reports": "My reports",
        "registered": "Registered",
        "track": "Track my report",
        "progress": "Progress",
    },
}


@pytest.fixture
def town(users):
    make_workstations()
    make_items()
    return users


def open_page(new_page, size: str, language: str):
    page = new_page(viewport=SIZES[size])
    if language == "en":
        page.goto("/accounts/login/")
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
    return page


def patrol_case(users, dx=0.0, item="E-GARBAGE"):
    lon, lat = grid_centre(1)
    by = users["inspector_g1"]
    data = IntakeIn(
        channel=Channel.PATROL,
        item_code=item,
        lon=lon + dx,
        lat=lat,
        description="路边有垃圾",
        reporter=Reporter(user=by),
    )
    return case_intake(data, by=by).case


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_inspector_opens_their_reports_on_the_phone(town, new_page, size, language):
    from cityops.cases.services import ActionIn, case_transition

    first = patrol_case(town, dx=-0.003)
    patrol_case(town, dx=0.003, item="C-MANHOLE")
    case_transition(case_id=first.pk, by=town["dispatcher_v1"], data=ActionIn(action="register"))
    page = open_page(new_page, size, language)
    login(page, "inspector_g1", PASSWORD)
    page.goto("/cases/m/reports/")
    text = TEXT[language]
    assert page.locator("h1").inner_text().startswith(text["my_reports"])
    cards = page.locator("[data-testid=my-reports] .my-report")
    assert cards.count() == 2
    assert text["registered"] in cards.nth(1).inner_text()  # the first report is the older one
    screenshot(page, f"phone-my-reports-{size}-{language}.png")

    cards.nth(1).click()
    page.wait_for_url(f"**/cases/m/case/{first.number}/")
    assert page.locator(f"#task-{first.number} .badge").inner_text() == text["registered"]
    assert page.locator("[data-testid=grid-sketch] circle").count() == 2
    assert page.locator(".timeline-item").count() == 2  # reported, registered
    page.locator("[data-testid=grid-sketch]").scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshot(page, f"phone-case-{size}-{language}.png")), full_page=True)
    assert page.js_errors == []


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_resident_tracks_from_the_result_and_from_their_list(town, new_page, size, language):
    text = TEXT[language]
    lon, lat = grid_centre(5)
    page = open_page(new_page, size, language)
    login(page, "resident", PASSWORD)
    page.wait_for_url("**/report/mine/")  # a resident's home is their reports
    screenshot(page, f"resident-mine-empty-{size}-{language}.png")

    # report, with the item found by the pinyin of its name
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 10})
    page.goto("/report/")
    page.wait_for_selector(".gps[data-state=ok]")
    screenshot(page, f"report-page-{size}-{language}.png")  # the search's hint
    page.fill("input[name=q]", "xftd")
    page.wait_for_function("() => document.querySelectorAll('#item-choices .pick-name').length === 1")
    assert page.locator(".pick-name").all_inner_texts() == ["消防通道堵塞"]
    screenshot(page, f"report-pinyin-{size}-{language}.png")
    page.locator(".pick:has(.pick-name:text-is('消防通道堵塞'))").click()
    page.fill("#report-description", "小区消防通道被车辆占用")
    page.fill("#report-name", "李女士")
    page.fill("#report-phone", "139 0000 2222")
    page.locator("form[data-report-form] button[type=submit]").click()
    page.locator("[data-testid=report-result]").wait_for()
    report = CaseReport.objects.get()
    screenshot(page, f"resident-reported-{size}-{language}.png")

    # the result's button shows the progress at once; the code is in no address
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.get_by_role("button", name=text["track"]).click()
    page.locator("[data-testid=track-result]").wait_for()
    assert page.locator("#id_number").input_value() == report.case.number
    assert all(report.token not in u for u in requests) and report.token not in page.url
    screenshot(page, f"resident-track-{size}-{language}.png")

    page.goto("/")
    page.wait_for_url("**/report/mine/")
    row = page.locator(f".my-report[data-case='{report.case.number}']")
    assert report.token in row.inner_text()
    screenshot(page, f"resident-mine-{size}-{language}.png")
    row.get_by_role("button", name=text["progress"]).click()
    page.locator("[data-testid=track-result]").wait_for()

    page.goto("/accounts/profile/")
    assert page.locator("#token-create").count() == 0
    assert page.locator(".card-title", has_text=text["my_reports"]).is_visible()
    screenshot(page, f"resident-profile-{size}-{language}.png")
    assert page.js_errors == []
