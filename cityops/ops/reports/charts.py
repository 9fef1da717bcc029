"""The report's charts as SVG, built here: a few bars and a target line need no plotting library,
and text drawn as SVG text stays text in the PDF (WeasyPrint sets it in the embedded CJK font, so
it can be searched and copied)."""

from xml.sax.saxutils import escape

FONT = "Noto Sans CJK SC"  # one family: WeasyPrint's SVG text takes no fallback list
INK, MUTED, GOOD, BAD, TARGET = "#1f2933", "#52606d", "#2f855a", "#c53030", "#b7791f"
SERIES = ("#2b6cb0", "#718096", "#a0aec0")


def _text(x, y, text, *, size=11, anchor="start", fill=INK, weight="normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(str(text))}</text>'
    )


def _svg(width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(body)}</svg>'
    )


def rate_bars(bars: list[tuple[str, float | None]], *, target: float, width: int = 680) -> str:
    """Horizontal bars of a rate per member against ``target`` (a dashed line). The axis starts a
    little below the lowest value, as the KPI page's colour scale does: in a town where every
    village is near 98 %, an axis from 0 shows no difference."""
    values = [v for _n, v in bars if v is not None]
    lo = min([*values, target]) if values else target
    lo = max(0.0, int(lo * 100 - 1) / 100)
    label_w, right, row_h, top = 150, 60, 20, 24
    height = top + row_h * max(len(bars), 1) + 24
    span = width - label_w - right

    def x(v: float) -> float:
        return label_w + span * (v - lo) / (1 - lo if lo < 1 else 1)

    body = [_text(label_w, 14, f"{lo * 100:.0f}%", fill=MUTED, size=10)]
    body.append(_text(label_w + span, 14, "100%", anchor="end", fill=MUTED, size=10))
    for i, (name, value) in enumerate(bars):
        y = top + i * row_h
        body.append(_text(label_w - 6, y + 14, name, anchor="end"))
        if value is None:
            body.append(_text(label_w + 4, y + 14, "—", fill=MUTED))
            continue
        colour = GOOD if value >= target else BAD
        body.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{max(x(value) - label_w, 1):.1f}" height="{row_h - 6}" '
            f'fill="{colour}"/>'
        )
        body.append(_text(x(value) + 4, y + 14, f"{value * 100:.1f}%", size=10))
    tx = x(target)
    bottom = top + row_h * max(len(bars), 1)
    body.append(
        f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{bottom}" stroke="{TARGET}" '
        f'stroke-width="1.5" stroke-dasharray="4 3"/>'
    )
    body.append(_text(tx, bottom + 16, f"{target * 100:.1f}%", anchor="middle", fill=TARGET, size=10))
    return _svg(width, height, body)


def grouped_bars(groups: list[str], series: list[tuple[str, list[int]]], *, width: int = 680) -> str:
    """Vertical bars: for each group (a counter) one bar per series (this period, the one before,
    the same period a year ago), with a legend."""
    height, top, bottom, left = 220, 30, 40, 20
    peak = max([v for _n, vs in series for v in vs] + [1])
    plot_h = height - top - bottom
    slot = (width - left * 2) / max(len(groups), 1)
    bar_w = min(28, (slot - 16) / max(len(series), 1))
    body = []
    for s, (name, _values) in enumerate(series):
        lx = left + s * 190
        body.append(f'<rect x="{lx}" y="6" width="12" height="12" fill="{SERIES[s % len(SERIES)]}"/>')
        body.append(_text(lx + 16, 16, name, size=10))
    for g, group in enumerate(groups):
        gx = left + g * slot + (slot - bar_w * len(series)) / 2
        for s, (_name, values) in enumerate(series):
            v = values[g]
            h = plot_h * v / peak
            bx = gx + s * bar_w
            body.append(
                f'<rect x="{bx:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{SERIES[s % len(SERIES)]}"/>'
            )
            body.append(_text(bx + bar_w / 2 - 1, top + plot_h - h - 3, f"{v:,}", anchor="middle", size=8))
        body.append(_text(left + g * slot + slot / 2, height - bottom + 16, group, anchor="middle", size=10))
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - left}" y2="{top + plot_h}" stroke="{MUTED}"/>'
    )
    return _svg(width, height, body)
