"""The Content-Security-Policy every response carries: no inline or evaluated script, nothing from
another host but the operator's own tile and media servers."""

import re
from pathlib import Path

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "cityops"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split("; ")}


def test_pages_and_the_api_are_served_with_a_policy_that_runs_only_our_own_scripts(client, users):
    for response in (
        client.get("/accounts/login/"),
        client.get("/api/v1/openapi.json"),
        client.get("/nowhere/"),
    ):
        policy = directives(response)
        assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["connect-src"] == ["'self'"] and policy["default-src"] == ["'self'"]


def test_the_operators_tile_and_media_servers_are_the_only_other_hosts(client):
    with override_settings(
        CITYOPS_TILE_URL="http://tiles.intranet:8080/{z}/{x}/{y}.png",
        CITYOPS_VIDEO_HLS_URL="https://media.intranet/live/{gb_id}_{stream}/index.m3u8",
    ):
        policy = directives(client.get("/accounts/login/"))
    assert policy["img-src"] == ["'self'", "data:", "blob:", "http://tiles.intranet:8080"]
    assert policy["connect-src"] == ["'self'", "https://media.intranet"]
    assert policy["media-src"] == ["'self'", "blob:", "https://media.intranet"]


def test_no_template_holds_a_script_the_policy_would_refuse():
    """Inline script blocks and event-handler attributes would be refused by the browser; JSON data
    blocks (``type="application/json"``, ``json_script``) are not scripts that run."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in inline.finditer(text)]
        found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in handler.finditer(text)]
    assert found == []
