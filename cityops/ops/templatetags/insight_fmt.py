"""How decision support writes a share and a change of a share: 98.5 %, +1.2 pp; "—" for none."""

from django import template
from django.utils.formats import number_format

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
