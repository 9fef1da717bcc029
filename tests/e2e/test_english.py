"""In English, the pages say nothing in Chinese but their data.

The town's names, items, people and the texts people wrote are data and stay as they were written;
everything else on a page is the interface and must be translated. The test takes every Chinese
string stored in the database as data, strips them from what each page shows (its text, and the
placeholders, titles and labels of its controls, and the JSON its charts are drawn from), and fails on any Chinese left over.
"""

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from cityops.cases.rollup import rollup_all
from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot
from tests.e2e.test_cases import _case
from tests.e2e.test_iot import (  # noqa: F401  (fixtures)
    dead_letters,
    iot_alarms,
    iot_devices,
    iot_readings,
    iot_rules,
    iot_types,
    now,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]+")
# What a page shows, but what is marked as another language (the switch's "中文" is in Chinese on purpose)
SHOWN = """() => {
  const other = [...document.querySelectorAll("body [lang]:not([lang|=en])")];
  other.forEach(e => { e.dataset.display = e.style.display; e.style.display = "none"; });
  const parts = [document.title, document.body.innerText];
  other.forEach(e => { e.style.display = e.dataset.display; });
  document.querySelectorAll("[placeholder], [title], [aria-label], img[alt]").forEach(e => {
    if (e.closest("[hidden]") || e.closest("[lang]:not([lang|=en])") || (e.closest("details:not([open])") && !e.closest("summary"))) return;
    parts.push(e.getAttribute("placeholder") || "", e.getAttribute("title") || "",
               e.getAttribute("aria-label") || "", e.getAttribute("alt") || "");
  });
  // what the scripts draw on a canvas (chart legends and axes) comes from the page's JSON
  document.querySelectorAll('script[type="application/json"]').forEach(e => {
    try { parts.push(JSON.stringify(JSON.parse(e.textContent))); } catch (err) { /* not JSON */ }
  });
  return parts.join("\\n");
}"""


def data_strings() -> list[str]:
    """Every Chinese text stored in the project's tables: names, descriptions, messages…"""
    found = set()
    for model in apps.get_models():
        if not model.__module__.startswith("cityops."):
            continue
        fields = [
            f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)
        ]
        if not fields:
            continue
        for row in model.objects.values_list(*fields):
            found.update(v for v in row if isinstance(v, str) and HAN.search(v))
    return sorted(found, key=len, reverse=True)


def untranslated(page, data: list[str]) -> list[str]:
    text = page.evaluate(SHOWN)
    for value in data:
        text = text.replace(value, " ")
    return sorted(set(HAN.findall(text)))


@pytest.fixture
def english_town(users, iot_readings, iot_alarms, dead_letters):  # noqa: F811
    from tests.cases.conftest import make_items, make_workstations

    make_workstations()
    make_items()
    cases = [_case(users, grid, item) for grid, item in ((1, "E-GARBAGE"), (2, "C-MANHOLE"), (5, "E-FIRE"))]
    rollup_all()
    return cases


def english(browser, live_server, username=None):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 1366, "height": 768},
        device_scale_factor=1,
    )
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    context.set_default_timeout(10_000)
    page = context.new_page()
    if username:
        login(page, username, PASSWORD)
    return page


def check(page, url: str, data: list[str], ready: str | None = None) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    if ready:
        page.wait_for_selector(ready)
    name = re.sub(r"\W+", "-", url.strip("/")) or "home"
    screenshot(page, f"english-{name}.png")
    return [f"{url}: {'、'.join(left)}" for left in [untranslated(page, data)] if left]


def test_the_pages_speak_english(english_town, browser, live_server):
    data = data_strings()
    number = english_town[0].number
    problems = []

    officer = english(browser, live_server, "admin")
    for url, ready in [
        ("/cases/", "tr[data-case]"),
        (f"/cases/{number}/", "#case-map[data-ready=true]"),
        ("/cases/map/", "#case-map[data-ready=true]"),
        ("/cases/kpis/", "#kpi-table"),
        ("/cases/inbox/", None),
        ("/map/", "#map[data-ready=true]"),
        ("/iot/devices/", "tr[data-device]"),
        ("/iot/devices/AIR-G1/", "#iot-charts[data-ready=true]"),
        ("/iot/devices/map/", None),
        ("/iot/alarms/", "tr[data-alarm]"),
        ("/iot/dead-letters/", None),
        ("/accounts/profile/", None),
    ]:
        problems += check(officer, url, data, ready)

    handler = english(browser, live_server, "handler")
    problems += check(handler, "/cases/dept/", data, "#dept-list .tab")

    inspector = english(browser, live_server, "inspector_g1")
    inspector.goto("/cases/m/tasks/")
    tabs = inspector.locator(".phone-tabs a")
    for url in [tabs.nth(i).get_attribute("href") for i in range(tabs.count())]:
        problems += check(inspector, url, data)

    public = english(browser, live_server)
    for url in ("/report/", "/report/track/", "/accounts/login/"):
        problems += check(public, url, data)

    assert not problems, "Chinese left on English pages:\n" + "\n".join(problems)
