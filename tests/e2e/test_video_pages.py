"""The video overview pages in the browser: the home's figures, the camera map's clusters and
popups, the status wall's tiles and the online-rate charts (screenshots in Chinese and English)."""

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot, wait_for_popup
from tests.video import conftest as video_fixtures

video_projects, video_channels = video_fixtures.video_projects, video_fixtures.video_channels

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
H = 3600


@pytest.fixture
def history(video_channels):
    from cityops.video.models import ChannelDay

    today = timezone.localdate()
    for key, offline in (("g1a", 10 * H), ("g1b", 0), ("g2", 0), ("g5", 20 * H), ("cook", 0), ("cold", 0)):
        ch = video_channels[key]
        ch.health = "offline" if key == "g5" else "online"
        ch.save(update_fields=["health"])
        ChannelDay.objects.create(
            channel=ch,
            day=today,
            project_id=ch.project_id,
            area_id=ch.area_id,
            village_id=ch.village_id,
            online_s=24 * H - offline,
            offline_s=offline,
        )
    return video_channels


def test_video_home_map_wall_and_rates(users, page, history):
    login(page, "officer", PASSWORD, next_url="/video/")
    page.wait_for_url("**/video/")
    tag = "zh"
    assert page.locator('[data-total="offline"] .vd-total-n').inner_text() == "1"
    assert page.locator('[data-project="kjhcq"] [data-testid=built]').inner_text() == "4 / 8"
    screenshot(page, f"video-home-{tag}.png")

    page.goto("/video/map/")
    page.wait_for_selector("#camera-map[data-ready=true]")
    assert page.locator("#camera-map").get_attribute("data-points") == "6"
    assert page.locator('[data-legend-count="offline"]').inner_text() == "1"
    page.select_option("#m-health", "offline")
    page.wait_for_function("() => document.getElementById('camera-map').dataset.points === '1'")
    page.locator(".dev-pin").first.click()
    popup = wait_for_popup(page)
    assert history["g5"].gb_id in popup.inner_text()
    assert popup.locator("a").get_attribute("href") == f"/video/channels/{history['g5'].gb_id}/"
    screenshot(page, f"video-map-{tag}.png")

    page.goto("/video/wall/?by=village")
    assert page.locator("[data-gb]").count() == 6
    page.select_option("#w-health", "offline")
    page.wait_for_url("**health=offline**")
    assert page.locator("[data-gb]").count() == 1
    screenshot(page, f"video-wall-{tag}.png")

    page.goto("/video/rates/")
    page.wait_for_function("() => document.body.dataset.chartsReady === 'true'")
    assert page.locator("#vd-daily canvas").count() == 1 and page.locator("#vd-villages canvas").count() == 1
    assert page.locator("tr[data-fault]").count() == 2
    screenshot(page, f"video-rates-{tag}.png")

    page.click(".langswitch button[value=en]")
    page.wait_for_function("() => document.body.dataset.chartsReady === 'true'")
    assert "2 channels with more than 8 hours of faults" in page.locator("#vd-faults-title").inner_text()
    screenshot(page, "video-rates-en.png")
    assert page.js_errors == []
