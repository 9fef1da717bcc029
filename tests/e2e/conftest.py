"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

They skip when Chromium or the built front-end assets are missing, and fail instead under CI=true,
so that a CI machine without them cannot pass by skipping.
"""

import contextlib
import os
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VENDOR = ROOT / "cityops" / "static" / "vendor"
VENDOR_FILES = (
    "leaflet/leaflet.js",
    "leaflet/leaflet.css",
    "leaflet/images/layers.png",
    "echarts/echarts.min.js",
    "htmx.org/htmx.min.js",
    "leaflet.markercluster/leaflet.markercluster.js",
    "swagger-ui-dist/swagger-ui-bundle.js",
)
VIEWPORT = {"width": 1366, "height": 768}


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return "Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium fonts-noto-cjk)"
    missing = [f for f in VENDOR_FILES if not (VENDOR / f).exists()]
    if missing:
        return f"front-end assets are not built ({', '.join(missing)}): run 'npm ci && npm run build'"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"e2e environment incomplete under CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the main thread, where the (sync) test code and
    # its database fixtures also run: Django must not mistake them for async code.
    with pytest.MonkeyPatch.context() as mp, sync_playwright() as pw:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts (zh-CN by default, as the town's staff use it)."""
    contexts, refused = [], []

    def open_page(locale: str = "zh-CN", viewport: dict | None = None):
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport=viewport or VIEWPORT, device_scale_factor=1
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None
        )
        page.js_errors = errors
        return page

    yield open_page
    for context in contexts:
        context.close()
    _wait_idle(live_server.url)
    assert refused == [], "the pages did something the Content-Security-Policy refuses"


def _wait_idle(url: str) -> None:
    """Let the live server finish a request a closed page left in flight (a badge's poll) before the
    test's database is flushed under it. On SQLite the live server serves one request at a time, so
    once one more is answered the last is done; a static file touches no database."""
    with contextlib.suppress(OSError):
        urllib.request.urlopen(f"{url}/static/cityops/app.css", timeout=30).read()


@pytest.fixture
def page(new_page):
    return new_page()
