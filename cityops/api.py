"""The JSON API under /api/v1/: authentication, one error format, and the routers of each app."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from cityops.accounts.api import router as accounts_router
from cityops.accounts.services import token_authenticate
from cityops.cases.api.cases import router as cases_router
from cityops.cases.api.kpis import router as kpis_router
from cityops.cases.api.patrols import router as patrols_router
from cityops.core.api import LocalSwagger, OneValueParser, count_request, document_problems, problem
from cityops.core.errors import DomainError
from cityops.databrain.api.databrain import router as databrain_router
from cityops.egov.api.applications import router as egov_applications_router
from cityops.egov.api.egov import router as egov_router
from cityops.geo.api import router as geo_router
from cityops.iot.api.ingest import router as ingest_router
from cityops.iot.api.iot import router as iot_router
from cityops.org.api import router as org_router
from cityops.security.api.incidents import router as security_incidents_router
from cityops.security.api.register import router as security_register_router
from cityops.video.api.alerts import router as video_alerts_router
from cityops.video.api.registry import router as video_registry_router


class TokenAuth(HttpBearer):
    """Authorization: Bearer cto_… (an API token issued to a user)."""

    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is not None:
            count_request(token)  # TooManyRequests (429) past the token's requests per minute
            request.user = user
        return user


class TokenHeaderAuth(APIKeyHeader):
    """X-API-Token: cto_… for clients that cannot set Authorization."""

    param_name = "X-API-Token"

    def authenticate(self, request, key):
        return TokenAuth().authenticate(request, key)


class CityopsAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        """Ninja's operationId (the function's module path and name), with an app's main router,
        ``<app>/api/<app>.py``, named by ``<app>.api`` as it was before the routers became a package:
        the ids in the published OpenAPI document (and the clients generated from it) do not depend on
        how the modules are laid out."""
        module = operation.view_func.__module__.split(".")
        if len(module) == 4 and module[2] == "api" and module[3] == module[1]:
            module = module[:3]
        return "_".join([*module, operation.view_func.__name__])

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Ninja's document, with the problem responses (401, 403, 404, 422 …) each operation can give."""
        return document_problems(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = CityopsAPI(
    title="cityops API",
    version="1",
    description="The JSON API of cityops. Errors are RFC 9457 problem details; every list is paged.",
    urls_namespace="api-v1",
    auth=[TokenAuth(), TokenHeaderAuth(), django_auth],
    docs_url="/docs",
    docs=LocalSwagger(),
    parser=OneValueParser(),
)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return problem(request, exc.status, exc.title, exc.detail, exc.errors, getattr(exc, "headers", None))


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ())]
        errors.append({"field": ".".join(loc), "message": err.get("msg", "invalid")})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "The request is not valid."
    return problem(request, 422, "Validation failed", detail, errors)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return problem(
        request,
        401,
        "Unauthorized",
        "Sign in, or send a valid API token as 'Authorization: Bearer <token>'. The token may have expired "
        "or been revoked.",
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem(request, 404, "Not found", str(exc) or "There is no such object in your scope.")


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return problem(request, 403, "Forbidden", str(exc) or "Your role does not allow this action.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    titles = {
        400: "Bad request",
        403: "Forbidden",
        404: "Not found",
        405: "Method not allowed",
        409: "Conflict",
        413: "Payload too large",
        415: "Unsupported media type",
    }
    return problem(request, exc.status_code, titles.get(exc.status_code, "Error"), str(exc))


api.add_router("/geo", geo_router)
api.add_router("/org", org_router)
api.add_router("/accounts", accounts_router)
api.add_router("/cases", cases_router)
api.add_router("/patrols", patrols_router)
api.add_router("/kpis", kpis_router)
api.add_router("/iot", iot_router)
api.add_router("/iot/telemetry", ingest_router)
api.add_router("/video", video_registry_router)
api.add_router("/video/alerts", video_alerts_router)
api.add_router("/databrain", databrain_router)
api.add_router("/egov", egov_router)
api.add_router("/security", security_register_router)
api.add_router("/security", security_incidents_router)
api.add_router("/egov/applications", egov_applications_router)
