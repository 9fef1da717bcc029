"""The error pages: 404, 403, 500 and a failed CSRF check, in the site's shell and the user's language.

The machine-facing prefixes answer in JSON instead (problem details), so that a client of the API
never has to parse a web page. Open311 and SensorThings catch their own unknown paths in their own
formats; these handlers only see what reaches the project's URL resolver or escapes a view.
"""

import logging

from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext as _

from cityops.core.api import problem

API_PREFIXES = ("/api/", "/open311/", "/sta/", "/ckan/")
log = logging.getLogger(__name__)


def wants_json(request) -> bool:
    return request.path.startswith(API_PREFIXES)


def _page(request, status: int, title: str, message: str) -> HttpResponse:
    context = {"status": status, "title": title, "message": message}
    return render(request, "errors/error.html", context, status=status)


def page_not_found(request, exception=None):
    """A page or object that does not exist, or is not in the user's scope (the same answer)."""
    if wants_json(request):
        return problem(request, 404, "Not found", f"There is nothing at {request.path}.")
    message = _("The page does not exist, or what it shows is outside your area of responsibility.")
    return _page(request, 404, _("Page not found"), message)


def permission_denied(request, exception=None):
    """The user's role does not allow the page."""
    if wants_json(request):
        return problem(request, 403, "Forbidden", "Your role does not allow this action.")
    message = _("Your role does not allow this page. Ask the system administrator if you need it.")
    return _page(request, 403, _("Access denied"), message)


def csrf_failure(request, reason=""):
    """A form sent without a valid CSRF token: most often a page left open past the session's end."""
    if wants_json(request):
        detail = "The CSRF check failed: a signed-in browser must send the X-CSRFToken header; programs use a token."
        return problem(request, 403, "Forbidden", detail)
    message = _(
        "The form could not be sent because the page had expired (or cookies are blocked). "
        "Go back, reload the page and try again."
    )
    return _page(request, 403, _("The form has expired"), message)


FALLBACK_500 = (
    '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>500</title></head><body>'
    '<h1>服务器内部错误 · Server error</h1><p><a href="/">返回首页 · Home</a></p></body></html>'
)


def server_error(request):
    """Something failed. Renders with no database, session or context processor: any may be the cause."""
    if wants_json(request):
        detail = "The server failed to answer. The error is logged; please try again later."
        return problem(request, 500, "Internal server error", detail)
    try:
        context = {"css": static("cityops/app.css"), "request_id": getattr(request, "request_id", "")}
        html = loader.get_template("errors/500.html").render(context)
    except Exception:  # the page that reports failures must not fail itself
        log.exception("the 500 page could not be rendered")
        html = FALLBACK_500
    return HttpResponseServerError(html)
