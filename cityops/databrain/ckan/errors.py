"""CKAN's response envelope and error types: ``{"help", "success", "result"}`` on success and
``{"help", "success": false, "error": {"__type", "message" | per-field messages}}`` on failure, with the
HTTP status CKAN gives each type."""

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _


class CkanError(Exception):
    """An error a CKAN client recognises by its ``__type``."""

    status = 500
    type = "Internal Server Error"

    def error(self) -> dict:
        return {"__type": self.type, "message": str(self)}


class NotFoundError(CkanError):
    status = 404
    type = "Not Found Error"

    def error(self) -> dict:
        return {"__type": self.type, "message": _("Not found: %(detail)s") % {"detail": self}}


class AuthorizationError(CkanError):
    status = 403
    type = "Authorization Error"

    def error(self) -> dict:
        return {"__type": self.type, "message": _("Access denied: %(detail)s") % {"detail": self}}


class ValidationError(CkanError):
    """Bad parameters: one list of messages per parameter, as CKAN's validators report them."""

    status = 409
    type = "Validation Error"

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors

    def error(self) -> dict:
        return {**self.errors, "__type": self.type}


def invalid(name: str, message: str) -> ValidationError:
    return ValidationError({name: [message]})


class BadRequest(Exception):
    """A request CKAN answers before any action runs (unknown action, a body that is not a JSON
    object): 400 with a JSON string, not an envelope."""


def _json(body, status: int) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type="application/json;charset=utf-8",
    )


def ok(help_url: str, result) -> HttpResponse:
    return _json({"help": help_url, "success": True, "result": result}, 200)


def failed(help_url: str, exc: CkanError) -> HttpResponse:
    return _json({"help": help_url, "success": False, "error": exc.error()}, exc.status)


def bad_request(detail: str) -> HttpResponse:
    return _json(_("Bad request - %(detail)s") % {"detail": detail}, 400)
