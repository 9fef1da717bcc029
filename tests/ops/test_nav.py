"""The operations centre's sub-navigation and its entry in the top navigation follow the role."""

import pytest
from django.urls import reverse

from cityops.ops.templatetags.ops_nav import ops_sections

pytestmark = pytest.mark.django_db


def _labels(user, url_name=""):
    return [str(s["label"]) for s in ops_sections(user, url_name)]


def test_sections_follow_the_role(users):
    assert _labels(users["officer"]) == [
        "Big screen",
        "Duty roster",
        "Handover log",
        "Incidents",
        "Decision support",
        "Operations reports",
    ]
    # a dispatcher watches the centre but receives no reports
    assert "Operations reports" not in _labels(users["dispatcher_v1"])
    assert _labels(users["inspector_g1"]) == []


def test_a_detail_page_marks_its_list(users):
    current = [str(s["label"]) for s in ops_sections(users["officer"], "incident") if s["current"]]
    assert current == ["Incidents"]


def test_the_top_navigation_leads_to_the_centre(client, users):
    client.force_login(users["officer"])
    page = client.get(reverse("ops:incidents"), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert f'href="{reverse("ops:duty")}" class="is-active" aria-current="page">Operations centre' in html
    assert 'data-testid="ops-nav"' in html
    client.force_login(users["inspector_g1"])
    assert (
        "Operations centre"
        not in client.get(reverse("cases:workbench"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
