"""Every page in every role's navigation loads only from this server, without script errors.

A town's intranet reaches no public CDN: a page that fetches anything from another host is blank or
broken there, so each role signs in, follows every link of its navigation (and its user menu), and
every request the browser makes is recorded.
"""

from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD, _user
from tests.e2e.pages import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Roles whose navigation differs: the command centre, the phone, a department, a resident, the data
# steward, the auditor, the administrator (whose links lead into Django's admin), a school's
# food-safety officer (who sees the bright kitchens only) and the security officer (network security).
ROLES = [
    "officer",
    "inspector_g1",
    "handler",
    "resident",
    "steward",
    "auditor",
    "admin",
    "food_officer",
    "security",
]


def watch(page) -> dict:
    """Record every request, every failed response and every console error of ``page`` from now on."""
    seen = {"requests": [], "console": []}

    def on_response(response):
        if response.status >= 400:
            seen["console"].append(f"HTTP {response.status}: {response.url}")

    def on_console(message):
        where = message.location.get("url", "")
        # the browser's own request for /favicon.ico (not the page's) is left to the favicon's fix
        if message.type == "error" and urlsplit(where).path != "/favicon.ico":
            seen["console"].append(f"{message.type}: {message.text} ({where})")

    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("response", on_response)
    page.on("console", on_console)
    return seen


def foreign(urls: list[str], server: str) -> list[str]:
    """The requests that went anywhere but ``server`` (data: and blob: URLs stay in the page)."""
    here = urlsplit(server).netloc
    return [
        u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != here
    ]


def nav_links(page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        ".mainnav a[href], .usermenu-panel a[href], .phone-tabs a[href]", "els => els.map(e => e.href)"
    )
    return list(dict.fromkeys(hrefs))


@pytest.mark.parametrize("username", ROLES)
def test_every_page_in_the_navigation_loads_only_from_this_server(users, new_page, live_server, username):
    if username == "food_officer":
        _user("food_officer", "food_safety")
    if username == "security":
        _user("security", "security_officer")
    page = new_page()
    seen = watch(page)
    login(page, username, PASSWORD)
    links = nav_links(page)
    assert any(urlsplit(u).path == "/api/v1/docs" for u in links), links
    video = [urlsplit(u).path for u in links if urlsplit(u).path.startswith("/video/")]
    if username == "food_officer":
        assert video == ["/video/kitchens/"], links
    elif username in ("officer", "steward", "auditor", "admin"):
        assert video == ["/video/"], links
    security = [urlsplit(u).path for u in links if urlsplit(u).path.startswith("/security/")]
    assert security == (["/security/"] if username in ("auditor", "security") else []), links
    problems = []
    for url in links:
        seen["requests"].clear()
        seen["console"].clear()
        del page.js_errors[:]
        response = page.goto(url, wait_until="networkidle", timeout=30_000)
        path = urlsplit(url).path
        if response is None or response.status >= 400:
            problems.append(f"{path}: HTTP {response.status if response else 'no answer'}")
        problems += [f"{path}: loads {u}" for u in foreign(seen["requests"], live_server.url)]
        problems += [f"{path}: {e}" for e in seen["console"] + page.js_errors]
    assert problems == [], "\n".join(problems)


def test_the_api_docs_render_from_local_files(users, new_page, live_server):
    # Chinese on a laptop, English on a phone: each language and each layout once
    for (locale, language), (size, viewport) in (
        (("zh-CN", "中文"), ("1366", {"width": 1366, "height": 768})),
        (("en-GB", "English"), ("390", {"width": 390, "height": 844})),
    ):
        page = new_page(viewport=viewport)
        seen = watch(page)
        login(page, "officer", PASSWORD)
        if language == "English":
            page.get_by_role("button", name="English").click()
            page.wait_for_load_state()
        page.goto("/api/v1/docs")
        # the OpenAPI document is built on its first request: seconds on a busy machine
        page.wait_for_selector("#swagger-ui[data-ready=true]", timeout=30_000)
        page.locator(".swagger-ui .opblock").first.wait_for()
        assert page.locator(".swagger-ui .info .title").inner_text().startswith("cityops API")
        assert page.locator(".swagger-ui .opblock").count() > 20
        # the site's navigation stays: the way back to the rest of the site
        assert page.locator(".mainnav a[href='/api/v1/docs']").count() == 1
        assert foreign(seen["requests"], live_server.url) == []
        assert seen["console"] == [] and page.js_errors == []
        screenshot(page, f"api-docs-{size}-{locale}.png")
