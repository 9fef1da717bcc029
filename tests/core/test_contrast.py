"""Every colour a page writes text in reaches WCAG AA (4.5:1 for normal text).

An enum's colour is drawn as a badge (its label in the colour on a 10 % tint of it, app.css .badge),
as plain text on white (a channel, a count), or as the background of white text (an avatar, a map
cluster): the tint is the hardest of the three, so each colour is measured against it. The page's
own text colours (app.css :root) are measured on the backgrounds they are written on.
"""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
from django.db import models

import cityops
from cityops.cases.choices import DeadlineColour
from cityops.geo.choices import PlaceKind

AA = 4.5
ROOT = Path(__file__).resolve().parents[2]
APP_CSS = ROOT / "cityops" / "static" / "cityops" / "app.css"

# Colours drawn only as a dot, a pin or a map fill beside a text that says the same (the deadline's
# traffic light beside the countdown, a kind of place beside its name): no text is written in them.
SWATCHES = {DeadlineColour, PlaceKind}


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def tint(hex_colour: str, share: float, base: str = "#ffffff") -> str:
    """color-mix(in srgb, colour share, base)."""
    c, b = hex_colour.lstrip("#"), base.lstrip("#")
    return "#" + "".join(
        f"{round(int(c[i : i + 2], 16) * share + int(b[i : i + 2], 16) * (1 - share)):02x}" for i in (0, 2, 4)
    )


def coloured_enums() -> list[type]:
    """Every Choices class in the project's choices, roles and models modules with a colour."""
    found = set()
    for info in pkgutil.walk_packages(cityops.__path__, "cityops."):
        leaf = info.name.rsplit(".", 1)[-1]
        if leaf not in ("choices", "roles", "models") and ".models." not in info.name:
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, models.Choices) and isinstance(getattr(cls, "colour", None), property):
                found.add(cls)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


def test_the_search_finds_the_coloured_enums():
    names = {c.__name__ for c in coloured_enums()}
    assert {"Status", "Channel", "Connectivity", "Severity", "Role", "SessionState"} <= names


@pytest.mark.parametrize("enum", [e for e in coloured_enums() if e not in SWATCHES], ids=lambda e: e.__name__)
def test_every_enum_colour_is_readable(enum):
    weak = []
    for member in enum:
        colour = member.colour
        assert re.fullmatch(r"#[0-9a-f]{6}", colour), f"{enum.__name__}.{member.value}: {colour!r}"
        on_badge = contrast(colour, tint(colour, 0.10))
        white_on = contrast("#ffffff", colour)
        if min(on_badge, white_on) < AA:
            weak.append(
                f"{member.value} {colour}: {on_badge:.2f}:1 on its badge, white on it {white_on:.2f}:1"
            )
    assert not weak, f"{enum.__name__} below {AA}:1 — " + "; ".join(weak)


def test_the_measure_is_right():
    # the figures the defect report gave for the old colours
    assert round(contrast("#d48806", "#ffffff"), 2) == 2.87
    assert round(contrast("#389e0d", "#ffffff"), 2) == 3.46
    assert round(contrast("#bfbfbf", "#ffffff"), 2) == 1.84
    assert tint("#000000", 0.10) == "#e6e6e6"


def css_variables() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", APP_CSS.read_text(encoding="utf-8"), re.S).group(1)
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", root))


@pytest.mark.parametrize(
    ("text", "backgrounds"),
    [
        ("text", ("surface", "bg", "#fafbfc", "#f7faff")),
        ("muted", ("surface", "bg", "#fafbfc", "#eef1f5", "#f2f4f7")),
        ("accent", ("surface", "bg", "#fafbfc")),
        ("danger", ("surface", "danger-bg")),
        ("warning", ("surface", "warning-bg")),
        ("success", ("surface", "success-bg")),
        ("brand", ("surface", "brand-light")),
    ],
)
def test_the_page_text_colours_are_readable(text, backgrounds):
    css = css_variables()
    for background in backgrounds:
        fg, bg = css[text], css.get(background, background)
        assert contrast(fg, bg) >= AA, f"--{text} {fg} on {background} {bg}: {contrast(fg, bg):.2f}:1"
