"""The kiosk's rating in Chromium at 1080×1920 portrait: the tracking number and phone typed on the
number pad, a bad rating that asks what went wrong, and nothing of it in the address."""

import pytest

from cityops.egov.applications.intake import apply
from cityops.egov.applications.services import ActionIn, application_act
from cityops.egov.models import FollowUp, Rating
from cityops.egov.ratings.services import rating_open
from cityops.egov.services import item_publish, item_save_draft
from tests.e2e.pages import screenshot
from tests.egov.conftest import PHONE, draft, guide

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PORTRAIT = {"width": 1080, "height": 1920}


@pytest.fixture
def concluded(town):
    from cityops.core.holidays import load_bundled_calendars
    from cityops.org.models import Department
    from tests.conftest import _user

    load_bundled_calendars()
    Department.objects.create(code="D-SCJG", name="市场监督管理分局", gives_services=True)
    spot = guide(name="食品小作坊登记", limit_kind="immediate", promised_days=0, materials=[])
    item_save_draft(code="SCJG-2", department="D-SCJG", guide=spot, actor_name="t")
    item_publish(code="SCJG-2", actor_name="t")
    clerk = _user("clerk", "window_clerk")
    app, _made = apply(data=draft("SCJG-2"), channel="window", by=clerk)
    app = application_act(application=app, action="take", by=clerk)
    app = application_act(
        application=app, action="decide_on_the_spot", by=clerk, data=ActionIn(outcome="approve")
    )
    rating_open(app)
    return app


def test_a_bad_rating_at_the_kiosk(new_page, concluded):
    page = new_page(viewport=PORTRAIT)
    page.goto("/kiosk/rate/")
    for key in concluded.number:
        page.click(f"[data-pad='{key}']")
    page.click("[data-pad='next']")
    for key in PHONE:
        page.click(f"[data-pad='{key}']")
    assert page.input_value("#k-number") == concluded.number and page.input_value("#k-phone") == PHONE
    page.click("button.kiosk-go")
    form = page.get_by_test_id("rate-form")
    form.wait_for()
    assert not page.get_by_text("服务态度").is_visible()  # asked only with a bad rating
    page.click("label.kiosk-level:has-text('非常不满意')")
    page.click("label:has-text('服务态度')")
    screenshot(page, "kiosk-rating-portrait.png")
    page.click("[data-testid=rate-form] button.kiosk-go")
    page.get_by_test_id("rate-thanks").wait_for()
    assert "非常不满意" in page.get_by_test_id("rate-thanks").inner_text()
    assert page.url.endswith("/kiosk/rate/") and PHONE not in page.content()
    rating = Rating.objects.get(application=concluded)
    assert (rating.level, rating.source, rating.problems) == (1, "kiosk", ["attitude"])
    assert FollowUp.objects.filter(rating=rating).exists()
    assert page.js_errors == []
