"""Every screen panel the wall draws with its generic renderer names its figures: ``items``, a list
of {label, value} in the reader's language. The panels with a renderer of their own are those
ops-screen.js lists (and the cases panel, drawn in the middle); any other panel — the ones other
capabilities add later without a change in ops — must give items, or the wall would show nothing."""

import re
from pathlib import Path

import pytest
from django.utils import translation

from cityops.core import screen
from cityops.core.screen import TOWN
from tests.ops.conftest import new_case

SCRIPT = Path(__file__).resolve().parents[2] / "cityops" / "static" / "cityops" / "ops-screen.js"

pytestmark = pytest.mark.django_db


def own_renderers() -> set[str]:
    text = SCRIPT.read_text(encoding="utf-8")
    table = re.search(r"const RENDER = \{(.*?)\};", text, re.S).group(1)
    keys = set(re.findall(r'"([a-z_.]+)":', table))
    keys |= set(re.findall(r'p\.key === "([a-z_.]+)"', text))
    assert "cases.figures" in keys and "iot.figures" in keys  # the pattern still reads the script
    return keys


def test_every_generically_drawn_panel_names_its_figures(catalogue):
    new_case(catalogue, grid=1)
    own = own_renderers()
    with translation.override("zh-hans"):
        shown = screen.figures(catalogue["officer"], TOWN)
    generic = [p for p in shown if p["key"] not in own and "data" in p]
    assert {p["key"] for p in generic} >= {"ops.duty_leader", "ops.incidents"}
    for p in generic:
        items = p["data"].get("items")
        assert isinstance(items, list) and items, f"{p['key']} gives no items"
        for it in items:
            assert set(it) >= {"label", "value"}, p["key"]
            assert isinstance(it["label"], str) and it["label"] not in p["data"], (p["key"], it["label"])
