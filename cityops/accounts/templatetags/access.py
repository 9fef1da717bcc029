"""Template access to role permissions: ``{% if user|can:"geo.view" %}``."""

from django import template

register = template.Library()


@register.filter
def can(user, action: str) -> bool:
    """Whether the user's role grants ``action`` (False for anonymous visitors)."""
    return bool(getattr(user, "is_authenticated", False) and user.can(action))
