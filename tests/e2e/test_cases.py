"""Grid governance in the browser: one case walked across four users, the workbench and the case map."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from cityops.cases.choices import Channel, Status
from cityops.cases.intake import IntakeIn, Reporter, case_intake
from cityops.cases.models import Case, CaseEvent
from tests.builders import grid_centre
from tests.cases.conftest import make_items, make_workstations
from tests.conftest import PASSWORD
from tests.e2e.conftest import VIEWPORT
from tests.e2e.pages import SCREENSHOTS, login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def photo_jpeg(seed: int = 0) -> bytes:
    """A made-up street photo: a road, a kerb and a heap of rubbish."""
    img = Image.new("RGB", (800, 600), (132, 140, 148))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, 800, 220], fill=(176, 204, 232))
    draw.rectangle([0, 220, 800, 260], fill=(190, 190, 182))
    draw.ellipse([260 + seed * 30, 330, 560 + seed * 30, 470], fill=(96, 78, 52))
    draw.rectangle([330 + seed * 30, 300, 420 + seed * 30, 380], fill=(40, 110, 60))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def upload(name: str, seed: int = 0) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": photo_jpeg(seed)}


@pytest.fixture
def cases_town(users):
    make_workstations()
    make_items()
    return users


@pytest.fixture
def context_of(browser, live_server):
    """Browser contexts on a desktop or on a phone whose GPS is at a given place."""
    contexts = []

    def open_context(viewport=None, gps=None):
        options = {
            "base_url": live_server.url,
            "locale": "zh-CN",
            "viewport": viewport or VIEWPORT,
            "device_scale_factor": 1,
        }
        if gps is not None:
            lon, lat = gps
            options.update(
                geolocation={"longitude": lon, "latitude": lat, "accuracy": 12},
                permissions=["geolocation"],
                is_mobile=True,
                has_touch=True,
            )
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        return page

    yield open_context
    for context in contexts:
        context.close()


def full_screenshot(page, name: str):
    """The whole page, not only the window: the forms and the history below the fold too."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def pick(page, name: str):
    page.locator(f".pick:has(.pick-name:text-is('{name}'))").click()


def take(page, action: str, note: str = "", photo: dict | None = None):
    """Open the form of ``action`` on the page, fill it and send it; wait for the page to say done."""
    form = page.locator(f"details[data-action={action}]")
    if form.get_attribute("open") is None:
        form.locator("summary").click()
    if note:
        form.locator("textarea[name=note]").fill(note)
    if photo:
        form.locator("input[name=photos]").set_input_files([photo])
    card = page.locator("[data-case][data-version]").first
    number, version = card.get_attribute("data-case"), card.get_attribute("data-version")
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        "([n, v]) => { const e = document.querySelector(`[data-case='${n}'][data-version]`);"
        " return e && e.dataset.version !== v; }",
        arg=[number, version],
    )
    page.locator("[data-testid=done]").wait_for()


def test_one_case_from_report_to_closure(cases_town, context_of):
    # 1. the inspector reports on the phone page: GPS, an item found by name, a photo
    lon, lat = grid_centre(1)
    phone = context_of(PHONE, gps=(lon + 0.002, lat + 0.004))
    login(phone, "inspector_g1", PASSWORD)
    phone.goto("/cases/m/")
    phone.wait_for_selector(".gps[data-state=ok]")
    assert "已通过 GPS 定位" in phone.locator("#gps-status").inner_text()
    with phone.expect_response(lambda r: "/cases/items/" in r.url):
        phone.fill("input[name=q]", "垃圾")
    pick(phone, "暴露垃圾")
    phone.fill("#report-description", "人行道上堆放生活垃圾，约两立方米")
    phone.set_input_files("#report-photos", [upload("scene.jpg")])
    phone.locator(".photo-previews img").wait_for()
    screenshot(phone, "cases-1-inspector-report-photo.png")
    phone.evaluate("window.scrollTo(0, 0)")
    screenshot(phone, "cases-1-inspector-report.png")
    phone.locator("form[data-report-form] button[type=submit]").click()
    result = phone.locator("[data-testid=report-result]")
    result.wait_for()
    number = result.get_attribute("data-number")
    assert "上报成功" in result.inner_text()
    screenshot(phone, "cases-1-inspector-reported.png")
    case = Case.objects.get(number=number)
    assert case.status == Status.REPORTED and case.grid.code == "G1" and case.attachments.count() == 1

    # 2. the village dispatcher finds it on the workbench, registers and dispatches it
    desk = context_of()
    login(desk, "dispatcher_v1", PASSWORD)
    desk.goto("/cases/")
    row = desk.locator(f"tr[data-case='{number}']")
    row.wait_for()
    assert "待受理" in desk.locator(".tab.is-active").inner_text()
    screenshot(desk, "cases-2-workbench.png")
    row.locator("a.case-link").click()
    desk.wait_for_selector("#case-map[data-ready=true]")
    # a cancellation needs a reason: the form says so in place and the case stays as it is
    cancel = desk.locator("details[data-action=cancel]")
    cancel.locator("summary").click()
    with desk.expect_response(lambda r: r.url.endswith("/act/")) as answer:
        cancel.locator("button[type=submit]").click()
    assert answer.value.status == 422
    desk.locator("details[data-action=cancel] .field-error", has_text="请填写说明。").wait_for()
    assert "请修改标出的内容。" in desk.locator("[data-testid=action-error]").inner_text()
    full_screenshot(desk, "cases-2-detail-error.png")
    take(desk, "register")
    assert desk.locator(".case-head .badge").inner_text() == "已立案"
    take(desk, "dispatch", note="请城管中队尽快清理")
    assert desk.locator(".case-head .badge").inner_text() == "已派遣"
    assert desk.locator("#case-map path").count() >= 2  # the grid and the point survive the swaps
    full_screenshot(desk, "cases-3-dispatched.png")

    # 3. the department handler accepts it and reports the disposal with a photo
    dept = context_of()
    login(dept, "handler", PASSWORD)
    dept.goto("/cases/dept/")
    dept.locator(f".case-card[data-case='{number}']").click()
    dept.wait_for_selector(f"#case-detail [data-case='{number}']")
    screenshot(dept, "cases-4-department.png")
    take(dept, "accept")
    take(dept, "dispose", note="已清理完毕，垃圾已清运", photo=upload("after.jpg", seed=3))
    assert dept.locator("#case-detail .case-head .badge").inner_text() == "待核查"
    dept.locator("#dept-list .tab[data-tab=recheck] .tab-count", has_text="1").wait_for()
    full_screenshot(dept, "cases-4-disposed.png")

    # 4. the inspector re-checks it on the phone and closes it
    phone.goto("/cases/m/tasks/")
    card = phone.locator(f"#task-{number}")
    card.wait_for()
    screenshot(phone, "cases-5-recheck.png")
    take(phone, "recheck_pass", note="现场已清理干净")
    card = phone.locator(f"#task-{number}")
    assert "已结案" in card.locator(".badge").inner_text()
    screenshot(phone, "cases-5-closed.png")

    # the dispatcher's inbox links the case
    desk.goto("/cases/inbox/")
    desk.locator(f".inbox a[href='/cases/{number}/']").first.wait_for()
    screenshot(desk, "cases-inbox.png")

    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.attachments.count() == 2
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == [
        "report",
        "register",
        "dispatch",
        "accept",
        "dispose",
        "recheck_pass",
    ]
    for page in (phone, desk, dept):
        assert page.js_errors == []


def _case(users, grid, item="E-GARBAGE", dx=0.0, dy=0.0, channel=Channel.PATROL):
    lon, lat = grid_centre(grid)
    by = None
    if channel == Channel.PATROL:  # a patrol report lies in its reporter's scope
        by = users["inspector_g1"] if grid == 1 else users["officer"]
    data = IntakeIn(
        channel=channel,
        item_code=item,
        lon=lon + dx,
        lat=lat + dy,
        description="演示案件",
        reporter=Reporter(user=by, name="张三", phone="13900001111"),
    )
    return case_intake(data, by=by).case


def colourful_cases(users):
    """Open cases in several grids: overdue, due soon and in time."""
    now = timezone.now()
    plan = [
        (1, "E-GARBAGE", -2),
        (1, "C-MANHOLE", -1),
        (2, "E-FIRE", 1),
        (2, "E-GARBAGE", 30),
        (3, "E-GARBAGE", 60),
        (5, "E-FIRE", -5),
        (6, "C-MANHOLE", 3),
        (7, "E-GARBAGE", 90),
        (8, "E-FIRE", 120),
    ]
    cases = []
    for i, (grid, item, hours) in enumerate(plan):
        case = _case(users, grid, item, dx=0.001 * (i % 3), dy=0.003 * (i % 2))
        deadline = now + timedelta(hours=hours)
        warn = now - timedelta(minutes=5) if 0 < hours < 4 else deadline - timedelta(hours=1)
        Case.objects.filter(pk=case.pk).update(step_deadline=deadline, step_warn_at=warn)
        cases.append(case)
    return cases


def test_workbench_and_case_map_show_deadline_colours(cases_town, context_of):
    colourful_cases(cases_town)
    page = context_of()
    login(page, "officer", PASSWORD)
    page.goto("/cases/")
    assert page.locator("tr[data-case]").count() == 9
    assert page.locator("tr[data-colour=red]").count() == 3
    assert page.locator("tr[data-colour=yellow]").count() == 2
    screenshot(page, "cases-workbench.png")

    # the colour filter swaps the table in place (htmx) and keeps the tab
    page.select_option("#f-colour", "red")
    page.wait_for_function("() => document.querySelectorAll('tr[data-case]').length === 3")
    assert "colour=red" in page.url
    page.select_option("#f-colour", "")
    page.wait_for_function("() => document.querySelectorAll('tr[data-case]').length === 9")

    page.goto("/cases/map/")
    page.wait_for_selector("#case-map[data-ready=true]")
    assert page.locator("#case-map").get_attribute("data-points") == "9"
    assert page.locator("[data-colour-count=red]").inner_text() == "3"
    screenshot(page, "cases-map.png")
    page.locator(".case-pin, .case-cluster").first.click()
    page.wait_for_timeout(400)
    assert page.js_errors == []


def test_resident_reports_and_tracks(cases_town, context_of):
    lon, lat = grid_centre(5)
    page = context_of(PHONE, gps=(lon, lat))
    page.goto("/report/")
    page.wait_for_selector(".gps[data-state=ok]")
    screenshot(page, "cases-resident-report.png")
    pick(page, "消防通道堵塞")
    page.fill("#report-description", "小区消防通道被车辆占用")
    page.fill("#report-name", "李女士")
    page.fill("#report-phone", "12345")
    page.locator("form[data-report-form] button[type=submit]").click()
    page.locator("#err-phone .field-error").wait_for()
    assert "手机号码" in page.locator("#err-phone").inner_text()
    page.fill("#report-phone", "139 0000 2222")
    page.set_input_files("#report-photos", [upload("lane.jpg", seed=1)])
    page.locator("form[data-report-form] button[type=submit]").click()
    result = page.locator("[data-testid=report-result]")
    result.wait_for()
    number = result.get_attribute("data-number")
    code = page.locator("[data-testid=tracking-code]").inner_text()
    screenshot(page, "cases-resident-reported.png")

    page.goto("/report/track/")
    page.fill("#id_number", number)
    page.fill("#id_code", code)
    page.locator("form.track-form button[type=submit]").click()
    page.locator("[data-testid=track-result]").wait_for()
    assert "待受理" in page.locator(".track-result .badge").inner_text()
    screenshot(page, "cases-resident-track.png")
    assert page.js_errors == []


def test_the_inspector_patrols_with_gps(cases_town, context_of):
    from cityops.cases.models import PatrolSession
    from cityops.cases.views.phone import patrol_api_ready

    if not patrol_api_ready():
        pytest.skip("the patrols API is not mounted at /api/v1/patrols")
    lon, lat = grid_centre(1)
    phone = context_of(PHONE, gps=(lon, lat))
    login(phone, "inspector_g1", PASSWORD)
    phone.goto("/cases/m/patrol/")
    assert phone.locator("#patrol-out").is_hidden()
    phone.click("#patrol-in")
    phone.wait_for_selector(".patrol-state[data-state=on]")
    assert "正在巡查：网格1" in phone.locator("#patrol-title").inner_text()
    phone.context.set_geolocation({"longitude": lon + 0.0005, "latitude": lat + 0.0005, "accuracy": 10})
    phone.wait_for_timeout(1500)  # the position watcher picks up the move
    screenshot(phone, "cases-patrol.png")
    phone.click("#patrol-out")  # sends the points gathered so far, then checks out
    phone.wait_for_selector(".patrol-state[data-state=off]")
    assert "巡查已结束" in phone.locator("#patrol-title").inner_text()
    session = PatrolSession.objects.get()
    assert session.ended_at is not None and session.chunks.count() == 1 and session.points >= 2
    assert phone.js_errors == []


def test_an_inspector_reporting_outside_the_grid_is_told_where_and_why(cases_town, context_of):
    lon, lat = grid_centre(5)  # another village's grid
    phone = context_of(PHONE, gps=(lon, lat))
    login(phone, "inspector_g1", PASSWORD)
    phone.goto("/cases/m/")
    phone.wait_for_selector(".gps[data-state=ok]")
    with phone.expect_response(lambda r: "/cases/items/" in r.url):
        phone.fill("input[name=q]", "垃圾")
    pick(phone, "暴露垃圾")
    phone.fill("#report-description", "路过看到的垃圾")
    phone.locator("form[data-report-form] button[type=submit]").click()
    slot = phone.locator("#err-location")
    slot.get_by_text("不在您的责任范围").wait_for()
    assert "G5" in slot.inner_text() and "G1" in slot.inner_text()
    screenshot(phone, "cases-out-of-scope.png")
    assert Case.objects.count() == 0
