"""The one error type of the SensorThings API and its JSON body."""

from django.http import JsonResponse


class StaError(Exception):
    """A request the API refuses, with the HTTP status and a message a client can act on."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    424: "Failed Dependency",
    501: "Not Implemented",
}


def error_body(exc: StaError) -> dict:
    """FROST-style body (``code``, ``type``, ``message``) that frost-sta-client can display."""
    return {"code": exc.status, "type": TITLES.get(exc.status, "Error"), "message": exc.message}


def error_response(exc: StaError) -> JsonResponse:
    response = JsonResponse(error_body(exc), status=exc.status, json_dumps_params={"ensure_ascii": False})
    for key, value in exc.headers.items():
        response[key] = value
    return response


def bad_request(message: str) -> StaError:
    return StaError(400, message)


def not_found(message: str = "There is no such entity in your scope.") -> StaError:
    return StaError(404, message)
