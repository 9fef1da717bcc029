import uuid

from cityops.core import context


def client_ip(request) -> str:
    # Behind a reverse proxy REMOTE_ADDR is the proxy; the deployment guide sets it from X-Real-IP.
    return request.META.get("REMOTE_ADDR", "")


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
