"""The rules the front-end scripts keep, checked on their source so that a new script cannot skip them.

Server data reaches the page as text: no script writes HTML from a string (the ECharts tooltips, which
need HTML, build it with the escaping ``html`` tag of html.js); and every Leaflet map is set up by
map-common.js, which also makes Leaflet's tooltips and popups text-only. The browser tests
(tests/e2e/test_safe_text.py) show the effect; these show that nothing goes around it.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "cityops"
SCRIPTS = sorted((ROOT / "static" / "cityops").glob("*.js"))
TEMPLATES = sorted(ROOT.rglob("templates/**/*.html"))

# a quoted string literal holding a tag: HTML built by concatenation
HTML_LITERAL = re.compile(r"""(["'])[^"'\n]*<\s*/?[a-zA-Z][^"'\n]*\1""")
HTML_SINKS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "createContextualFragment")
LEAFLET_SETUP = ("L.map(", "L.tileLayer(", "L.control.scale(")


def source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_scripts_are_found():
    names = {p.name for p in SCRIPTS}
    assert {"map-common.js", "map.js", "html.js", "kpi-charts.js", "iot-device.js"} <= names


def test_no_script_writes_html_from_a_string():
    found = [
        f"{p.name}: {sink}"
        for p in SCRIPTS
        for sink in HTML_SINKS
        if sink in source(p) and p.name != "html.js"
    ]
    assert found == []


def test_no_html_is_built_in_plain_string_literals():
    found = [
        f"{p.name}:{n}: {line.strip()}"
        for p in SCRIPTS
        for n, line in enumerate(source(p).splitlines(), 1)
        if not line.lstrip().startswith("//") and HTML_LITERAL.search(line)
    ]
    assert found == []


def test_echarts_tooltips_are_built_with_the_escaping_tag():
    for p in SCRIPTS:
        text = source(p)
        if "tooltip" in text and "formatter: function" in text:
            assert "CityopsHTML.html" in text, f"{p.name} formats a tooltip without html.js"


def test_only_map_common_sets_leaflet_up():
    found = [f"{p.name}: {call}" for p in SCRIPTS for call in LEAFLET_SETUP if call in source(p)]
    assert found == [f"map-common.js: {call}" for call in LEAFLET_SETUP]


def test_pages_load_leaflet_only_through_the_map_partial():
    loaders = [p.relative_to(ROOT).as_posix() for p in TEMPLATES if "vendor/leaflet/leaflet.js" in source(p)]
    assert loaders == ["templates/partials/map_scripts.html"]
    partial = source(ROOT / "templates" / "partials" / "map_scripts.html")
    order = [partial.index(name) for name in ("leaflet.js", "cityops/html.js", "cityops/map-common.js")]
    assert order == sorted(order)
