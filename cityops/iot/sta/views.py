"""HTTP endpoints of the SensorThings API: authentication, the service root and one resource view."""

import base64
import json
from functools import wraps

from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from cityops.accounts.services import token_authenticate
from cityops.iot.sta import dataarray, reads, updates, writes
from cityops.iot.sta.entities import TYPES
from cityops.iot.sta.errors import StaError, error_response
from cityops.iot.sta.paths import Target, resolve
from cityops.iot.sta.query import parse_options

SPEC = "http://www.opengis.net/spec/iot_sensing/1.1/req/"
CONFORMANCE = [
    SPEC + "datamodel",
    SPEC + "resource-path/resource-path-to-entities",
    SPEC + "request-data",
    SPEC + "create-update-delete",
    SPEC + "data-array/data-array",
]
SAFE = ("GET", "HEAD", "OPTIONS")


def _token_user(request):
    """The user of a Bearer token, an X-API-Token, or HTTP Basic whose password is the user's token."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer":
        return token_authenticate(credentials.strip()), True
    if scheme.lower() == "basic":
        try:
            username, _, secret = base64.b64decode(credentials).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, True
        user = token_authenticate(secret)
        return (user if user is not None and user.get_username() == username else None), True
    token = request.META.get("HTTP_X_API_TOKEN")
    if token:
        return token_authenticate(token), True
    return None, False


def authenticate(request):
    """The acting user; 401 when there is none. Session writes must pass the CSRF check."""
    user, by_token = _token_user(request)
    if by_token:
        if user is None:
            raise StaError(401, "The API token is not valid, expired or revoked.", _challenge())
        return user
    if request.user.is_authenticated:
        if request.method not in SAFE:
            refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if refused is not None:
                raise StaError(403, "A signed-in browser session must send the CSRF token; APIs use a token.")
        return request.user
    raise StaError(401, "Send an API token as 'Authorization: Bearer <token>', or sign in.", _challenge())


def _challenge() -> dict:
    return {"WWW-Authenticate": 'Bearer realm="cityops SensorThings"'}


def endpoint(view):
    """CSRF-exempt (token-authenticated API; session writes are checked above), errors as JSON."""

    @csrf_exempt
    @wraps(view)
    def inner(request, *args, **kwargs):
        try:
            user = authenticate(request)
            if not user.can("iot.view"):
                raise StaError(403, "Your role may not read IoT data (iot.view).")
            return view(request, user, *args, **kwargs)
        except StaError as exc:
            return error_response(exc)

    return inner


def root_url(request) -> str:
    return request.build_absolute_uri(request.path[: request.path.index("/v1.1/") + 6])


def _ctx(request, user) -> reads.Ctx:
    return reads.Ctx(root_url(request), request.build_absolute_uri("/").rstrip("/"), user)


def respond(body, status: int = 200, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse(body, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    for key, value in (headers or {}).items():
        response[key] = value
    return response


@endpoint
def service_root(request, user):
    if request.method != "GET":
        raise StaError(405, "The service root is read-only.", {"Allow": "GET"})
    root = root_url(request)
    value = [{"name": t.plural, "url": root + t.plural} for t in TYPES.values()]
    return respond({"value": value, "serverSettings": {"conformance": CONFORMANCE}})


@endpoint
def create_observations(request, user):
    if request.method != "POST":
        raise StaError(405, "CreateObservations takes a POST.", {"Allow": "POST"})
    return respond(dataarray.create_observations(_ctx(request, user), _body(request)), status=201)


@endpoint
def resource(request, user, path: str):
    ctx = _ctx(request, user)
    target = resolve(path, user, ctx.root)
    if request.method == "GET":
        return _get(request, ctx, target)
    if request.method == "POST":
        location = writes.create(ctx, target, _body(request))
        return HttpResponse(status=201, headers={"Location": location})
    if request.method in ("PATCH", "PUT", "DELETE"):
        if target.kind != "entity":
            raise StaError(405, f"{request.method} applies to one entity, e.g. Things(1).", {"Allow": "GET"})
        if request.method == "PUT":
            raise StaError(501, "PUT is not implemented; use PATCH (merge) to update an entity.")
        if request.method == "DELETE":
            updates.delete(ctx, target)
            return HttpResponse(status=200)
        updates.patch(ctx, target, _body(request))
        return HttpResponse(status=200)
    raise StaError(405, f"{request.method} is not supported.", {"Allow": "GET, POST, PATCH, DELETE"})


def _get(request, ctx, target: Target):
    params = dict(request.GET.items())
    opts = parse_options(params, target.etype)
    if target.kind == "value":
        value = target.etype.props[target.prop]
        raw = value.dump(value.get(target.obj))
        text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
        return HttpResponse("" if raw is None else text, content_type="text/plain; charset=utf-8")
    if target.kind == "property":
        prop = target.etype.props[target.prop]
        return respond({target.prop: prop.dump(prop.get(target.obj))})
    if target.kind == "entity":
        if target.ref:
            return respond({"@iot.selfLink": ctx.self_link(target.etype, target.obj)})
        body = reads.entity_json(ctx, target.etype, target.obj, opts)
        reads.expand(ctx, target.etype, [target.obj], [body], opts)
        return respond(body)
    if target.ref:
        opts.select = ["id"]
        opts.expand = {}
    if target.etype.name == "Observation":
        body = reads.observation_collection(ctx, target.obs_ds, opts, target.url, params)
    else:
        body = reads.collection(ctx, target.etype, target.queryset, opts, target.url, params)
    if target.ref:
        body["value"] = [{"@iot.selfLink": v["@iot.selfLink"]} for v in body["value"]]
    return respond(body)


def _body(request):
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise StaError(400, "The request body is not valid JSON.") from None
