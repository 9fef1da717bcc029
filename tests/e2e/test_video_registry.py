"""The video registry's pages in the browser (zh-hans and en): the channel list and its filters,
a channel's page, the projects' build progress, the group tree and the import's dry run."""

import pytest
from django.conf import settings

from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot
from tests.video import conftest as video_fixtures

video_projects, video_channels = video_fixtures.video_projects, video_fixtures.video_channels
gb = video_fixtures.gb

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SECRET = "Browser-S3cret"


@pytest.fixture
def registry(video_channels):
    from cityops.video import services

    bg = services.group_create(gb_id=gb("215", 901), name="治安业务分组")
    vo = services.group_create(gb_id=gb("216", 902), name="片区一视频", parent=bg.gb_id)
    services.group_create(gb_id=gb("216", 903), name="一号路口组", parent=vo.gb_id)
    services.channel_update(
        channel_id=video_channels["g1a"].pk, group=vo.gb_id, vendor="海康威视", model="DS-2CD"
    )
    services.channel_update(
        channel_id=video_channels["g5"].pk, main_url=f"rtsp://admin:{SECRET}@10.0.0.1:554/101"
    )
    services.channel_set_build_status(channel_id=video_channels["g5"].pk, status="accepted")
    return video_channels


def test_registry_pages(users, new_page, live_server, registry, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        "项目,点位编码,点位名称,点位经度,点位纬度,国标编码,通道名称\r\n"
        f"kjhcq,N1,新点,113.815,22.89,{gb('132', 1)},重复\r\n"
        "kjhcq,N2,外面,100.0,30.0,123,短\r\n".encode("gbk")
    )
    for lang in ("zh-hans", "en"):
        page = new_page("zh-CN" if lang == "zh-hans" else "en-US")
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}]
        )
        login(page, "steward", PASSWORD, next_url="/video/channels/")
        page.wait_for_url("**/video/channels/")
        assert page.locator("tr[data-channel]").count() == 7
        page.select_option("#f-status", "built")
        page.wait_for_function("() => document.querySelectorAll('tr[data-channel]').length === 5")
        screenshot(page, f"video-channels-{lang}.png")

        page.goto(f"/video/channels/{registry['g5'].gb_id}/")
        assert SECRET not in page.content()
        assert page.locator('[data-testid="has-credentials"]').inner_text() != ""
        screenshot(page, f"video-channel-{lang}.png")

        page.goto("/video/projects/")
        assert page.locator('[data-project="kjhcq"]').get_attribute("data-project") == "kjhcq"
        screenshot(page, f"video-projects-{lang}.png")
        page.goto("/video/projects/kjhcq/")
        assert page.locator("tr[data-village]").count() == 3
        screenshot(page, f"video-project-{lang}.png")

        page.goto("/video/groups/")
        assert page.locator("li[data-group]").count() == 3
        page.locator("summary").first.click()  # collapse
        page.locator("summary").first.click()  # and expand again
        screenshot(page, f"video-groups-{lang}.png")

        page.goto("/video/channels/import/")
        page.set_input_files("#id_file", str(bad))
        page.click('[data-testid="import-check-button"]')
        page.wait_for_selector('[data-testid="import-errors"]')
        assert page.locator('tr[data-row="2"]').count() >= 1 and page.locator('tr[data-row="3"]').count() >= 2
        screenshot(page, f"video-import-{lang}.png")
        assert not page.js_errors


def test_registry_editing_pages(users, new_page, live_server, registry, tmp_path):
    """Edit a channel (a typed password never shows again), its build status, a site; a catalog's
    dry run with its bad items."""
    from tests.video.sipdevice import item
    from tests.video.test_catalog import doc

    catalog = tmp_path / "catalog.xml"
    catalog.write_bytes(
        doc([item(gb("216", 950), "无上级", parent=gb("215", 999)), item(gb("132", 951), "无位置")])
    )
    ch = registry["g1b"]
    typed = "Typed-Pa55word"
    for lang in ("zh-hans", "en"):
        page = new_page("zh-CN" if lang == "zh-hans" else "en-US")
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}]
        )
        login(page, "steward", PASSWORD, next_url=f"/video/channels/{ch.gb_id}/")
        page.wait_for_url(f"**/video/channels/{ch.gb_id}/")
        page.click('[data-testid="channel-edit-link"]')
        page.fill("#id_main_url", "http://10.0.0.7/1")
        page.check("input[name=credentials][value=set]")
        page.fill("#id_username", "operator")
        page.fill("#id_password", typed)
        page.click('[data-testid="channel-edit-form"] button[type=submit]')
        page.wait_for_selector(".field-error")
        assert typed not in page.content()
        screenshot(page, f"video-channel-edit-{lang}.png")
        page.fill("#id_main_url", "rtsp://10.0.0.7/1")
        page.check("input[name=credentials][value=set]")
        page.fill("#id_username", "operator")
        page.fill("#id_password", typed)
        page.click('[data-testid="channel-edit-form"] button[type=submit]')
        page.wait_for_url(f"**/video/channels/{ch.gb_id}/")
        assert typed not in page.content()

        page.click('[data-testid="channel-build-link"]')
        page.select_option("#id_status", "planned")
        page.click('[data-testid="build-form"] button[type=submit]')
        page.wait_for_selector(".field-error")
        screenshot(page, f"video-channel-build-{lang}.png")

        page.goto(f"/video/sites/{ch.site.code}/")
        screenshot(page, f"video-site-{lang}.png")
        page.click('[data-testid="site-edit-link"]')
        page.fill("#id_lon", "100.0")
        page.click('[data-testid="site-edit-form"] button[type=submit]')
        page.wait_for_selector(".field-error")
        screenshot(page, f"video-site-edit-{lang}.png")

        page.goto("/video/channels/import/")
        page.set_input_files("#id_file", str(catalog))
        page.select_option("#id_project", "kjhcq")
        page.click('[data-testid="import-check-button"]')
        page.wait_for_selector('[data-testid="import-errors"]')
        assert page.locator("tr[data-item]").count() >= 2
        screenshot(page, f"video-import-catalog-{lang}.png")
        assert not page.js_errors
