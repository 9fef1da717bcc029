"""The sub-navigation shared by the video pages: what each role is shown, the current page marked,
and the top navigation's way in for a food-safety officer."""

import re

import pytest

from tests.conftest import _user

ALL = [
    "/video/",
    "/video/map/",
    "/video/wall/",
    "/video/rates/",
    "/video/channels/",
    "/video/projects/",
    "/video/groups/",
    "/video/alerts/",
    "/video/kitchens/",
]


def subnav(body: str) -> tuple[list[str], list[str]]:
    """(every link of the sub-navigation, the links marked current)."""
    nav = re.search(r'<nav class="tabs video-nav[^"]*"[^>]*>(.*?)</nav>', body, re.S)
    if nav is None:
        return [], []
    links = re.findall(r'<a class="tab[^"]*" href="([^"]+)"( aria-current="page")?', nav.group(1))
    return [href for href, _ in links], [href for href, current in links if current]


@pytest.mark.parametrize(
    ("username", "extra"),
    [("officer", []), ("dispatcher_v1", []), ("steward", ["/video/channels/import/"])],
)
def test_every_video_page_shows_the_pages_the_role_opens(client, users, video_channels, username, extra):
    client.force_login(users[username])
    for url in ALL + extra:
        response = client.get(url)
        assert response.status_code == 200, url
        links, current = subnav(response.content.decode())
        assert links == ALL + extra, url
        assert current == [url], url


def test_a_detail_page_marks_its_list(client, users, video_channels):
    client.force_login(users["officer"])
    for url, section in (
        (f"/video/channels/{video_channels['g1a'].gb_id}/", "/video/channels/"),
        (f"/video/channels/{video_channels['g1a'].gb_id}/live/", "/video/channels/"),
        ("/video/projects/kjhcq/", "/video/projects/"),
        ("/video/kitchens/S2/", "/video/kitchens/"),
    ):
        assert subnav(client.get(url).content.decode())[1] == [section], url


def test_a_food_safety_officer_gets_the_kitchens_in_the_top_navigation_and_no_sub_navigation(
    client, users, video_channels
):
    officer = _user("food_officer", "food_safety")
    video_channels["school"].officers.add(officer)
    client.force_login(officer)
    body = client.get("/video/kitchens/").content.decode()
    top = re.search(r'<nav class="mainnav".*?</nav>', body, re.S).group(0)
    assert 'href="/video/kitchens/"' in top and 'href="/video/"' not in top
    assert subnav(body) == ([], [])
    client.force_login(users["officer"])
    top = re.search(r'<nav class="mainnav".*?</nav>', client.get("/video/").content.decode(), re.S).group(0)
    assert 'href="/video/"' in top and 'href="/video/kitchens/"' not in top


def test_a_village_dispatcher_sees_what_is_in_service_not_a_share_of_the_towns_plan(
    client, users, video_channels, settings
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(users["dispatcher_v1"])
    html = client.get("/video/").content.decode()
    assert "planned" not in html and "of the plan" not in html
    assert '<strong data-testid="built">3</strong>' in html  # the three channels of village V1
