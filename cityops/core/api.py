"""Shared pieces of the JSON API: problem details (RFC 9457), paging and the docs page."""

import hashlib
import math

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from ninja import Schema
from ninja.openapi.docs import Swagger
from ninja.parser import Parser
from pydantic import Field

from cityops.core import ratelimit
from cityops.core.errors import TooManyRequests
from cityops.core.inputs import PageNumber

PROBLEM_TYPE = "https://cityops.example/problems/"
MAX_PAGE_SIZE = 500


def problem(
    request, status: int, title: str, detail: str, errors: list | None = None, headers: dict | None = None
) -> JsonResponse:
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
        headers=headers,
    )


# --- the per-credential rate limit ----------------------------------------------------------------


def credential_limit() -> ratelimit.Limit:
    """Requests one API token or consumer key may make in a minute (CITYOPS_API_REQUESTS_PER_MINUTE)."""
    return ratelimit.Limit("api", settings.CITYOPS_API_REQUESTS_PER_MINUTE, 60)


def count_request(raw_credential: str) -> None:
    """Count a request made with a credential that has just authenticated; ``TooManyRequests`` (429
    with Retry-After) once it has made more than its minute allows. The credential is counted by
    the SHA-256 of its secret, which is how tokens and keys are stored, so one count is one token."""
    limit = credential_limit()
    if limit.limit <= 0:
        return
    who = hashlib.sha256(raw_credential.encode()).hexdigest()
    if ratelimit.cache_hit(limit, who) > limit.limit:
        retry = (ratelimit.window_end(limit) - ratelimit._now()).total_seconds()
        raise TooManyRequests(
            f"This token has made {limit.limit} requests in the current minute, the most allowed "
            f"(CITYOPS_API_REQUESTS_PER_MINUTE); try again in {max(1, int(retry + 0.999))} seconds.",
            retry_after=retry + 0.999,
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


# --- the problem responses in the OpenAPI document -------------------------------------------------


class ProblemError(Schema):
    field: str = Field(description="Where: query.<name>, path.<name>, body.<field> …")
    message: str


class Problem(Schema):
    """RFC 9457 problem details, the body of every error (`application/problem+json`)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str
    errors: list[ProblemError] | None = Field(None, description="Each field that is wrong (422).")


PROBLEM_STATUSES = {
    400: "The request cannot be read (e.g. a NUL character), or asks for too much (an export of too many rows).",
    401: "Not signed in, or the token or key is unknown, expired or revoked.",
    403: "The role (or key) may not do this.",
    404: "No such object in your scope.",
    409: "The object changed under you, or the action does not fit its state.",
    413: "The body is larger than the limit.",
    422: "A parameter or field is wrong; `errors` names each one.",
    429: "Too many requests with this API token or key in the current minute; `Retry-After` says in how "
    "many seconds the next minute starts.",
}
UNSAFE = {"post", "put", "patch", "delete"}


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until the client may try again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}


def problem_response(description: str, status: int | None = None) -> dict:
    """An OpenAPI response whose body is a Problem (a 429 also has its Retry-After header)."""
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    response = {"description": description, "content": content}
    if status == 429:
        response["headers"] = RETRY_AFTER
    return response


def _takes_tokens(operation: dict) -> bool:
    return any("TokenAuth" in scheme for scheme in operation.get("security") or ())


def problem_statuses(method: str, operation: dict) -> list[int]:
    """The problem statuses an operation can answer, by what it takes: every operation needs a
    caller it can identify and may refuse (401, 403) and may get a request it cannot read (400, e.g.
    a NUL character in the query); one that takes parameters or a body (every unsafe method does)
    may find them wrong (422; 400 when they ask too much, as an export of too many rows) or not find
    an object they name (404); one that changes something may find its body too large (413) or the
    object changed (409). Every operation that takes an API token counts it (429)."""
    statuses = {400, 401, 403}
    if _takes_tokens(operation):
        statuses.add(429)
    if operation.get("parameters") or operation.get("requestBody") or method in UNSAFE:
        statuses |= {404, 422}
    if method in UNSAFE:
        statuses |= {409, 413}
    return sorted(statuses)


def document_problems(schema: dict) -> dict:
    """Declare in ``schema`` (an OpenAPI document) the problem responses each operation can give,
    with the Problem model and its media type, beside those an operation declares itself."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ProblemError, Problem):
        components[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components[model.__name__].pop("$defs", None)
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in problem_statuses(method, operation):
                if status not in responses and str(status) not in responses:
                    responses[status] = problem_response(PROBLEM_STATUSES[status], status)
    return schema


class OneValueParser(Parser):
    """Ninja's parser, except that a parameter given twice where one value is expected
    (``?project=a&project=b``) reaches validation as the list it is, a 422 naming it, instead of
    being read silently as its last value."""

    def parse_querydict(self, data, list_fields, request):
        return {
            key: data.getlist(key) if key in list_fields or len(data.getlist(key)) > 1 else data[key]
            for key in data
        }
