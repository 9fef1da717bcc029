"""The GeoReport v2 endpoints: thin views over the Open311 selectors, intake and key services."""

from datetime import datetime, timedelta
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import FileResponse, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from cityops.cases.open311 import selectors
from cityops.cases.open311.attributes import definition
from cityops.cases.open311.keys import client_authenticate
from cityops.cases.open311.render import Open311Error, error_response, respond, w3c
from cityops.cases.open311.submit import file_request, read_request
from cityops.cases.photos import public_copy
from cityops.core import ratelimit
from cityops.core.errors import Forbidden
from cityops.core.inputs import InputError, parse_moment, parse_whole

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_DAYS = 90
MAX_PAGE_SIZE = 1000
UNREADABLE = (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    MultiPartParserError,
    UnreadablePostError,
)


def _check_jurisdiction(request) -> None:
    given = (request.GET.get("jurisdiction_id") or "").strip()
    if request.method == "POST":
        given = (request.POST.get("jurisdiction_id") or "").strip() or given
    if given and given != selectors.town_code():
        raise Open311Error(404, f"jurisdiction_id {given!r} was not found")


def endpoint(*methods: str):
    """Method check, jurisdiction_id check and every error in the spec's format; CSRF-exempt."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def wrap(view):
        @csrf_exempt
        @wraps(view)
        def inner(request, fmt: str = "xml", **kwargs):
            try:
                if request.method not in allowed:
                    raise Open311Error(
                        400,
                        f"{request.method} is not allowed here; use {' or '.join(methods)}",
                        headers={"Allow": ", ".join(sorted(allowed))},
                    )
                _check_jurisdiction(request)
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return error_response(fmt, exc)
            except Forbidden as exc:
                return error_response(fmt, Open311Error(403, exc.detail))
            except UNREADABLE:
                return error_response(fmt, Open311Error(400, "the request body could not be read"))

        return inner

    return wrap


@endpoint("GET")
def discovery(request, fmt):
    changeset = w3c(selectors.services_changeset()) or "1970-01-01T08:00:00+08:00"
    data = {
        "changeset": changeset,
        "contact": getattr(settings, "CITYOPS_OPEN311_CONTACT", "The town's city operations centre."),
        "key_service": getattr(
            settings,
            "CITYOPS_OPEN311_KEY_SERVICE",
            "Ask the city operations centre for an api_key (issued with `cityops open311-key issue`).",
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri(reverse("open311:root")).rstrip("/"),
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", data)


@endpoint("GET")
def services(request, fmt):
    return respond(fmt, "services", [selectors.service_row(i) for i in selectors.service_items()])


@endpoint("GET")
def service_definition(request, fmt, code: str):
    item = selectors.service_item(code)
    if item is None:
        raise Open311Error(404, f"service_code {code!r} was not found")
    return respond(fmt, "service_definition", definition(item))


def _photo_url(request):
    return lambda a: request.build_absolute_uri(reverse("open311:photo", kwargs={"pk": a.pk}))


def _flag(params, name: str) -> bool:
    return (params.get(name) or "").strip().lower() in ("true", "1", "yes")


def _listed(params, name: str) -> list[str]:
    """A comma list that may also be declared several times."""
    return [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]


def _date(params, name: str, errors: list[str], end: bool = False) -> datetime | None:
    """A date (an end_date includes its whole day) or a date and time; without an offset, town time."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_moment(raw, end_of_day=end)
    except InputError as exc:
        errors.append(f"{name} {exc}")
        return None


def _range(params, errors: list[str]) -> tuple[datetime | None, datetime | None]:
    """start_date and end_date (end exclusive); one missing is 90 days from the other, both the last 90."""
    start, end = _date(params, "start_date", errors), _date(params, "end_date", errors, end=True)
    if errors:
        return None, None
    window = timedelta(days=MAX_DAYS)
    if start is not None and end is not None:
        if end < start:
            errors.append("end_date is before start_date")
        elif end - start > window:
            errors.append(f"start_date and end_date may be at most {MAX_DAYS} days apart")
        return start, end
    if start is not None:
        return start, start + window
    end = end or timezone.now() + timedelta(seconds=1)
    return end - window, end


def _filters(params) -> selectors.RequestFilter:
    ids = _listed(params, "service_request_id")
    if ids:
        return selectors.RequestFilter(ids=ids)
    errors: list[str] = []
    statuses = {s.lower() for s in _listed(params, "status")}
    wrong = sorted(statuses - {"open", "closed"})
    if wrong:
        errors.append(f"status {wrong[0]!r} is not one of open, closed")
    start, end = _range(params, errors)
    if errors:
        raise Open311Error(400, *errors)
    codes = _listed(params, "service_code")
    return selectors.RequestFilter(codes=codes or None, start=start, end=end, statuses=statuses or None)


def _whole(params, name: str, default: int, top: int) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        return parse_whole(raw, lo=1, hi=top)
    except InputError as exc:
        raise Open311Error(400, f"{name} {exc}") from None


def _list_requests(request, fmt):
    params = request.GET
    f = _filters(params)
    size = _whole(params, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    page = _whole(params, "page", 1, 10**6)
    extensions = _flag(params, "extensions")
    cases = selectors.request_list(f, offset=(page - 1) * size, limit=size, extensions=extensions)
    rows = [selectors.request_row(c, photo_url=_photo_url(request), extensions=extensions) for c in cases]
    return respond(fmt, "service_requests", rows)


def post_limit() -> ratelimit.Limit:
    """Service requests one api_key may file in an hour: a client that loops on a bug, or a stolen
    key, cannot flood the dispatchers' queue."""
    return ratelimit.Limit("open311-post", settings.CITYOPS_OPEN311_POSTS_PER_HOUR, 3600)


def _post_request(request, fmt):
    client = client_authenticate(request.POST.get("api_key") or request.GET.get("api_key", ""))
    limit, who = post_limit(), str(client.pk)
    if ratelimit.exceeded(limit, who):
        retry = max(1, int((ratelimit.window_end(limit) - timezone.now()).total_seconds()))
        raise Open311Error(
            429,
            f"this api_key has filed {limit.limit} service requests in the last hour, the most allowed; "
            f"try again in {retry} seconds",
            headers={"Retry-After": str(retry)},
        )
    data = read_request(request.POST, request.FILES, client)
    result = file_request(data, client)
    ratelimit.hit(limit, who)
    account = (request.POST.get("account_id") or "").strip() or None
    row = {
        "service_request_id": result.case.number,
        "service_notice": result.notice,
        "account_id": account,
    }
    return respond(fmt, "service_requests", [row])


@endpoint("GET", "POST")
def requests_(request, fmt):
    if request.method == "POST":
        return _post_request(request, fmt)
    return _list_requests(request, fmt)


@endpoint("GET")
def request_detail(request, fmt, number: str):
    extensions = _flag(request.GET, "extensions")
    case = selectors.request_get(number, extensions=extensions)
    if case is None:
        raise Open311Error(404, f"service_request_id {number!r} was not found")
    row = selectors.request_row(case, photo_url=_photo_url(request), extensions=extensions)
    return respond(fmt, "service_requests", [row])


@endpoint("GET")
def token(request, fmt, token: str):
    report = selectors.report_by_token(token)
    if report is None:
        raise Open311Error(404, f"token {token!r} was not found")
    return respond(fmt, "service_requests", [{"service_request_id": report.case.number, "token": token}])


@endpoint("GET")
def photo(request, fmt, pk: int):
    att = selectors.photo_get(pk)
    if att is None or not att.file.storage.exists(att.file.name):
        raise Open311Error(404, f"photo {pk} was not found")
    copy, content_type = public_copy(att)  # never the original: its EXIF holds where the phone was
    if isinstance(copy, bytes):
        response = HttpResponse(copy, content_type=content_type)
    else:
        response = FileResponse(att.file.storage.open(copy, "rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response


@endpoint("GET", "POST")
def unknown(request, fmt, path: str = ""):
    return error_response(
        "json" if path.endswith(".json") else "xml",
        Open311Error(404, f"there is no resource {path!r}; see discovery.xml for the endpoints"),
    )
