"""The Content-Security-Policy in Chromium: a handler that reached a page as HTML does not run, and
the browser reports the refusal."""

import pytest

from tests.e2e.conftest import VIEWPORT

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAYLOAD = '<img src=x onerror="window.__xss=1">'


def test_the_policy_refuses_a_handler_written_as_html(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    try:
        page = context.new_page()
        refused = []
        page.on(
            "console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None
        )
        response = page.goto("/accounts/login/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.evaluate(
            "p => { const d = document.createElement('div'); d.innerHTML = p; document.body.append(d); }",
            PAYLOAD,
        )
        page.wait_for_function("() => document.querySelector('img[src=x]').complete")
        page.wait_for_timeout(300)  # the image fails at once; its handler would run within a few ms
        assert page.evaluate("() => window.__xss") is None
        assert any("inline event handler" in text for text in refused), refused
    finally:
        context.close()
