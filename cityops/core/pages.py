"""What every app's pages share: the permission guard and telling an htmx request apart."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import QueryDict


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


NOT_FILTERS = frozenset({"page", "csrfmiddlewaretoken"})


def querystring(params, drop=NOT_FILTERS, **changes) -> str:
    """``params`` without empty values and the keys in ``drop``, with ``changes`` applied."""
    q = QueryDict(mutable=True)
    for key, values in params.lists():
        if key not in drop and any(values):
            q.setlist(key, [v for v in values if v])
    for key, value in changes.items():
        if value in (None, ""):
            q.pop(key, None)
        else:
            q[key] = value
    return q.urlencode()


def pager(page, link) -> dict:
    """The pager's links of a Django page; ``link(**changes)`` makes a query string."""
    return {
        "page": page,
        "page_links": [
            (n, link(page=n) if isinstance(n, int) else "")
            for n in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        ],
        "prev_qs": link(page=page.previous_page_number()) if page.has_previous() else "",
        "next_qs": link(page=page.next_page_number()) if page.has_next() else "",
        "querystring": link(),
    }


def sub_sections(user, namespace: str, sections, url_name: str) -> list[dict]:
    """An app's sub-navigation: of ``sections`` — (URL name, label, action, URL names of the pages
    it stands for) — those ``user`` may open, each with its address and whether it is current."""
    from django.urls import reverse

    return [
        {"url": reverse(f"{namespace}:{name}"), "label": label, "current": url_name in pages}
        for name, label, action, pages in sections
        if user.can(action)
    ]


def current_url_name(request, namespace: str) -> str:
    """The URL name of the page being shown when it belongs to ``namespace``, else ''."""
    match = request.resolver_match
    return match.url_name if match and match.namespace == namespace else ""
