"""What every app's pages share: the permission guard and telling an htmx request apart."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def requires(action: str):
    """A page for signed-in users whose role grants ``action`` (others get 403; strangers sign in)."""

    def wrap(view):
        @login_required
        @wraps(view)
        def inner(request, *args, **kwargs):
            if not request.user.can(action):
                raise PermissionDenied(f"Your role may not do {action}.")
            return view(request, *args, **kwargs)

        return inner

    return wrap


def is_htmx(request, target: str | None = None) -> bool:
    """An htmx request (not a history restore), aimed at ``target`` when given."""
    if request.headers.get("HX-Request") != "true" or request.headers.get("HX-History-Restore-Request"):
        return False
    return target is None or request.headers.get("HX-Target") == target
