import re
import uuid

from django.http import HttpResponseBadRequest

from cityops.core import context


def client_ip(request) -> str:
    """The client's address, for rate limits, sign-in throttles and the audit trail. Behind a reverse
    proxy every request comes from the proxy: when it comes from one of ``CITYOPS_TRUSTED_PROXIES``,
    the address the proxy gives in ``X-Real-IP`` is taken instead (docs/deployment.md). A header
    from anyone else is ignored, so a client cannot choose its own address."""
    from django.conf import settings

    address = request.META.get("REMOTE_ADDR", "")
    if address and address in settings.CITYOPS_TRUSTED_PROXIES:
        given = request.META.get("HTTP_X_REAL_IP", "").strip()
        if given and len(given) <= 45 and all(c in "0123456789abcdefABCDEF.:" for c in given):
            return given
    return address


class RequestContextMiddleware:
    """Gives every request an id (echoed in X-Request-ID) and binds it for the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        request.request_id = request_id
        token = context.bind(
            context.RequestContext(
                request_id=request_id,
                ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", "")[:200],
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.unbind(token)
        response["X-Request-ID"] = request_id
        return response


class LanguageMiddleware:
    """Chinese unless the user chose another language (the language cookie set by /i18n/setlang/).

    Django's LocaleMiddleware would follow the browser's Accept-Language; an operations centre's
    screens should speak the language of the centre, whatever browser a machine happens to have.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of an address setting ("" when it has none), for the policy's lists."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{", "").replace("}", ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def content_security_policy() -> str:
    """The policy every page is served with: scripts only from cityops' own files (no inline script,
    no eval), nothing from another host but the operator's own tile and media servers, no framing
    by any site (as X-Frame-Options: DENY). Inline ``style`` attributes stay allowed: they carry data colours, not code."""
    from django.conf import settings

    tiles = _origin(settings.CITYOPS_TILE_URL)
    media = _origin(settings.CITYOPS_VIDEO_HLS_URL)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            " ".join(filter(None, ["img-src 'self' data: blob:", tiles])),
            " ".join(filter(None, ["connect-src 'self'", media])),
            " ".join(filter(None, ["media-src 'self' blob:", media])),
            "worker-src 'self' blob:",
            "font-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    """Sets the Content-Security-Policy header on every response that has none of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = content_security_policy()
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        return response


NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")  # \u0000 in JSON text, not an escaped backslash's


class NulRefusedMiddleware:
    """Refuses a NUL character (U+0000) in the path, a query parameter or a JSON body with a 400
    naming where it is. No text a person writes holds one, and PostgreSQL cannot compare or store
    it: a filter `?status=%00` was a server error there (SQLite took it). Forms already refuse it
    (Django's CharField)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = self._where(request)
        if where is None:
            return self.get_response(request)
        detail = f"{where}: contains a NUL character (U+0000), which no text here may hold."
        if request.path.startswith("/api/"):
            from cityops.core.api import problem

            return problem(
                request, 400, "Bad request", detail, [{"field": where, "message": "NUL character"}]
            )
        return HttpResponseBadRequest(detail, content_type="text/plain; charset=utf-8")

    @staticmethod
    def _where(request) -> str | None:
        if "\x00" in request.path:
            return "path"
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in v for v in values):
                return f"query.{name.replace(chr(0), '')}"
        if request.content_type == "application/json" and _small(request) and NUL_ESCAPE.search(request.body):
            return "body"
        return None


def _small(request) -> bool:
    """Whether the body may be read here: a larger one is left to its view, which streams it or
    refuses it with its own limit (413)."""
    from django.conf import settings

    length = request.META.get("CONTENT_LENGTH", "")
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return length.isdigit() and int(length) > 0 and (limit is None or int(length) <= limit)
