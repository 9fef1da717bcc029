"""Who may open the IoT pages, and the navigation that leads there."""

import pytest

pytestmark = pytest.mark.django_db

PAGES = ["/iot/devices/", "/iot/devices/map/", "/iot/devices/points.json", "/iot/alarms/"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", PAGES + ["/iot/devices/AIR-G1/", "/iot/dead-letters/"])
@pytest.mark.parametrize("username", ["resident", "inspector_g1", "handler"])
def test_roles_without_iot_view_are_refused(client, users, iot_devices, url, username):
    client.force_login(users[username])
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("username", ["officer", "dispatcher_v1", "steward", "auditor"])
def test_dead_letters_are_for_system_administrators_only(client, users, dead_letters, username):
    client.force_login(users[username])
    assert client.get("/iot/dead-letters/").status_code == 403
    assert client.get(f"/iot/dead-letters/{dead_letters['json'].pk}/").status_code == 403
    assert client.post(f"/iot/dead-letters/{dead_letters['json'].pk}/resolve/").status_code == 403


def test_navigation_shows_the_iot_entries_by_role(client, users):
    client.force_login(users["officer"])
    html = client.get("/iot/devices/").content.decode()
    assert 'href="/iot/devices/" class="is-active"' in html and 'href="/iot/alarms/"' in html
    assert 'href="/iot/dead-letters/"' not in html
    client.force_login(users["admin"])
    html = client.get("/iot/alarms/").content.decode()
    assert 'href="/iot/dead-letters/"' in html and 'href="/iot/alarms/" class="is-active"' in html
    client.force_login(users["inspector_g1"])
    html = client.get("/accounts/profile/").content.decode()
    assert "/iot/devices/" not in html
