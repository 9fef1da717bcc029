"""Shared pieces of the JSON API: problem details (RFC 9457), paging and the docs page."""

import math

from django.http import JsonResponse
from django.shortcuts import render
from ninja import Schema
from ninja.openapi.docs import Swagger
from pydantic import Field

from cityops.core.inputs import PageNumber

PROBLEM_TYPE = "https://cityops.example/problems/"
MAX_PAGE_SIZE = 500


def problem(request, status: int, title: str, detail: str, errors: list | None = None) -> JsonResponse:
    body = {
        "type": f"{PROBLEM_TYPE}{status}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
        "request_id": getattr(request, "request_id", ""),
    }
    if errors:
        body["errors"] = errors
    return JsonResponse(
        body,
        status=status,
        content_type="application/problem+json",
        json_dumps_params={"ensure_ascii": False},
    )


class PageQuery(Schema):
    page: PageNumber = 1
    page_size: int = Field(
        50, ge=1, le=MAX_PAGE_SIZE, description=f"Items per page, at most {MAX_PAGE_SIZE}."
    )


class PageMeta(Schema):
    count: int
    page: int
    page_size: int
    pages: int


def paginate(qs, paging: PageQuery) -> tuple[list, dict]:
    """One page of a queryset or list, with the totals a client needs to walk the rest."""
    count = qs.count() if hasattr(qs, "count") and not isinstance(qs, list) else len(qs)
    start = (paging.page - 1) * paging.page_size
    items = list(qs[start : start + paging.page_size])
    meta = {
        "count": count,
        "page": paging.page,
        "page_size": paging.page_size,
        "pages": max(1, math.ceil(count / paging.page_size)),
    }
    return items, meta


class LocalSwagger(Swagger):
    """Swagger UI from our own static files, inside the site's pages.

    django-ninja renders a page that loads Swagger UI from a public CDN unless ``ninja`` is an
    installed app (and then from its own bundled copy): on an intranet the first is a blank page, and
    the second is a second, unpinned copy beside the npm-locked one. This page uses the copy that
    scripts/build-assets.mjs puts in vendor/swagger-ui-dist/, and the site's navigation stays.
    """

    template = "api_docs.html"
    # validatorUrl: Swagger UI would otherwise send the spec's address to validator.swagger.io.
    default_settings = {"layout": "BaseLayout", "deepLinking": True, "validatorUrl": None}

    def render_page(self, request, api, **kwargs):
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        # a signed-in page's "Try it out" authenticates with the session, which needs the CSRF token
        auths = api.auth if isinstance(api.auth, list | tuple) else ()
        csrf = any(getattr(auth, "csrf", False) for auth in auths)
        context = {"swagger_settings": settings, "api": api, "add_csrf": csrf}
        return render(request, self.template, context)
