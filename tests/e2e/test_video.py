"""The video pages in the browser: the live view plays a real HLS stream that ffmpeg writes from a
test pattern, tells in words when there is no media server or the stream fails; the alert list and a
school's kitchen page are looked at in both languages."""

import functools
import http.server
import shutil
import subprocess
import threading

import pytest

from tests.conftest import PASSWORD
from tests.e2e.pages import login, screenshot
from tests.video import conftest as video_fixtures
from tests.video.alerting import alerting_fixture, b64, event, jpeg, post  # noqa: F401

# the video fixtures live beside the video tests; the browser tests borrow them
video_projects, video_channels = video_fixtures.video_projects, video_fixtures.video_channels

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class CorsHandler(http.server.SimpleHTTPRequestHandler):
    """The media server's stand-in: static files, readable from the cityops page's origin."""

    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def hls_root(tmp_path_factory):
    """An HLS stream (H.264, 2 s segments, 8 s) of ffmpeg's test pattern, for any channel."""
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed (apt-get install -y ffmpeg)")
    root = tmp_path_factory.mktemp("hls")
    out = root / "stream"
    out.mkdir()
    subprocess.run(
        [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
            "-i", "testsrc=size=640x360:rate=25:duration=8",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50",
            "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", str(out / "index.m3u8"),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    return root


@pytest.fixture
def media_server(hls_root):
    handler = functools.partial(CorsHandler, directory=str(hls_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_live_view_plays_hls_and_says_what_is_wrong(alerting, new_page, media_server, settings):
    channel = alerting["g1a"]
    url = f"/video/channels/{channel.gb_id}/live/"
    page = new_page()
    login(page, "officer", PASSWORD)

    settings.CITYOPS_VIDEO_HLS_URL = ""
    page.goto(url)
    assert "CITYOPS_VIDEO_HLS_URL" in page.locator('[data-testid="live-unconfigured"]').inner_text()

    settings.CITYOPS_VIDEO_HLS_URL = media_server + "/stream/index.m3u8?channel={gb_id}&s={stream}"
    page.goto(url)
    page.wait_for_function(
        "() => { const v = document.querySelector('video[data-hls-src]');"
        " return v && v.readyState >= 2 && v.currentTime > 0.5; }",
        timeout=20_000,
    )
    video = page.locator("video[data-hls-src]")
    assert f"channel={channel.gb_id}&s=main" in video.get_attribute("data-hls-src")
    assert page.locator('[data-testid="live-error"]').is_hidden()
    screenshot(page, "video-live.png")

    settings.CITYOPS_VIDEO_HLS_URL = media_server + "/missing/{gb_id}.m3u8"
    page.goto(url)
    error = page.locator('[data-testid="live-error"]')
    error.wait_for(state="visible", timeout=20_000)
    assert "无法连接流媒体服务器" in error.inner_text() and "manifestLoadError" in error.inner_text()
    screenshot(page, "video-live-error.png")
    assert page.js_errors == []


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_alert_and_kitchen_pages(alerting, new_page, client, locale, live_server, settings):
    post(client, event(alerting["cook"], "k-1", snapshot_base64=b64(jpeg(size=(320, 180)))))
    post(client, event(alerting["g1a"], "s-1", kind="illegal_parking"))
    post(client, event(alerting["g2"], "u-1", kind="unicorn", confidence=0.41))
    page = new_page(locale=locale)
    if locale == "en":
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
        )
    login(page, "officer", PASSWORD)
    page.goto("/video/alerts/")
    assert page.locator("tr[data-alert]").count() == 3
    screenshot(page, f"video-alerts-{locale}.png")
    from cityops.video.models import Alert

    page.click(f'tr[data-alert="{Alert.objects.get(event_id="k-1").pk}"] a >> nth=0')
    page.wait_for_function(
        "() => { const i = document.querySelector('img.video-snapshot'); return i && i.complete; }"
    )
    assert page.evaluate("document.querySelector('img.video-snapshot').naturalWidth") == 320
    screenshot(page, f"video-alert-{locale}.png")
    page.goto("/video/kitchens/S2/")
    assert page.locator("[data-room]").count() == 6
    screenshot(page, f"video-kitchen-{locale}.png")
    assert page.js_errors == []
