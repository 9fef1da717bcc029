"""How decision support writes a share and a change of a share (98.5 %, +1.2 pp; "—" for none) and a
forecast's model in the reader's language."""

from django import template
from django.utils.formats import number_format

from cityops.ops.insight.model import describe

register = template.Library()


@register.filter
def pct(value) -> str:
    return "—" if value is None else f"{number_format(value * 100, 1)} %"


@register.filter
def pp(value) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{number_format(abs(value) * 100, 1)} pp"


@register.filter
def model_description(method: str) -> str:
    """A forecast's stored model name in the reader's language."""
    return describe(method or "")
