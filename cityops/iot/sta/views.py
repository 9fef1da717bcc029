"""HTTP endpoints of the SensorThings API: authentication, the service root, ``$batch`` and one resource
view (which hands each request to ``dispatch``)."""

import base64
from functools import wraps

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from cityops.accounts.services import token_authenticate
from cityops.iot.sta import batch, dispatch, multipart, reads
from cityops.iot.sta.entities import TYPES
from cityops.iot.sta.errors import StaError, error_response
from cityops.iot.sta.literals import OutOfRange, json_loads

SPEC = "http://www.opengis.net/spec/iot_sensing/1.1/req/"
CONFORMANCE = [
    SPEC + "datamodel",
    SPEC + "resource-path/resource-path-to-entities",
    SPEC + "request-data",
    SPEC + "create-update-delete",
    SPEC + "batch-request/batch-request",
    SPEC + "data-array/data-array",
    "https://fraunhoferiosb.github.io/FROST-Server/extensions/JsonBatchRequest.html",
]
MQTT_RECEIVE = SPEC + "receive-updates-via-mqtt/receive-updates"
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


def answer_response(answer: dispatch.Answer) -> HttpResponse:
    if answer.text is not None:
        response = HttpResponse(answer.text, status=answer.status)
    elif answer.body is None:
        response = HttpResponse(status=answer.status)
    else:
        return respond(answer.body, answer.status, answer.headers)
    for key, value in answer.headers.items():
        response[key] = value
    return response


def _call(request, path: str) -> dispatch.Call:
    return dispatch.Call(
        request.method, path, dict(request.GET.items()), lambda: _body(request), request.content_type
    )


@endpoint
def service_root(request, user):
    if request.method != "GET":
        raise StaError(405, "The service root is read-only.", {"Allow": "GET"})
    root = root_url(request)
    value = [{"name": t.plural, "url": root + t.plural} for t in TYPES.values()]
    settings_ = {"conformance": list(CONFORMANCE)}
    if settings.CITYOPS_STA_MQTT_ENDPOINT:
        # New Observations only (docs/sensorthings.md, "MQTT"): where a client subscribes.
        settings_["conformance"].append(MQTT_RECEIVE)
        settings_[MQTT_RECEIVE] = {"endpoints": [settings.CITYOPS_STA_MQTT_ENDPOINT]}
    return respond({"value": value, "serverSettings": settings_})


@endpoint
def create_observations(request, user):
    return answer_response(dispatch.handle(_ctx(request, user), _call(request, "CreateObservations")))


@endpoint
def batch_requests(request, user):
    """``POST $batch``: JSON (OData 4.01) or multipart/mixed (OData 4.0), see ``batch.py``."""
    if request.method != "POST":
        raise StaError(405, "$batch takes a POST.", {"Allow": "POST"})
    ctx = _ctx(request, user)
    if request.content_type == "application/json":
        items = batch.parse_json(_body(request))
        return respond(batch.json_result(items, batch.run(ctx, items)))
    if request.content_type == "multipart/mixed":
        items = multipart.parse(request.body, request.META.get("CONTENT_TYPE", ""))
        payload, content_type = multipart.render(items, batch.run(ctx, items))
        return HttpResponse(payload, content_type=content_type)
    raise StaError(
        415, "A $batch is application/json (OData JSON batch) or multipart/mixed (OData 4.0 batch)."
    )


@endpoint
def resource(request, user, path: str):
    return answer_response(dispatch.handle(_ctx(request, user), _call(request, path)))


def _body(request):
    try:
        return json_loads(request.body or b"null")
    except OutOfRange as exc:
        raise StaError(400, f"The request body holds a number we cannot store: {exc}.") from None
    except (ValueError, UnicodeDecodeError):
        raise StaError(400, "The request body is not valid JSON.") from None
