"""The data brain's own query API: the catalogue and each resource's records with filters, sort,
field selection and keyset paging; thin over the selectors and ``records``."""

from django.core.exceptions import PermissionDenied
from ninja import Query, Router

from cityops.accounts.services import TOKEN_PREFIX, token_authenticate
from cityops.core.api import PROBLEM_STATUSES, PageQuery, count_request, paginate, problem_response
from cityops.core.errors import Forbidden, NotFound
from cityops.core.pages import querystring
from cityops.databrain import records, selectors
from cityops.databrain.choices import AccessChannel
from cityops.databrain.models import Resource
from cityops.databrain.schemas import RecordPage, ResourceDetail, ResourcePage, ResourceQuery
from cityops.databrain.sharing import keys

router = Router(tags=["databrain"])


def _require(request, action: str = "databrain.view") -> None:
    if not request.user.can(action):
        raise PermissionDenied(f"Your role may not do {action}.")


def field_row(f) -> dict:
    return {
        k: getattr(f, k)
        for k in ("name", "title", "type", "length", "description", "personal", "required", "rule")
    }


def resource_row(r) -> dict:
    row = {
        k: getattr(r, k)
        for k in (
            "code",
            "name",
            "abstract",
            "format",
            "share_type",
            "share_condition",
            "share_method",
            "open_type",
            "open_condition",
            "update_cycle",
            "published_on",
            "key_fields",
            "version",
            "record_count",
            "flagged_count",
            "loaded_at",
        )
    }
    row.update(
        category=r.category.code,
        category_name=r.category.name,
        provider=r.provider.code,
        provider_name=r.provider.name,
        related=[x.code for x in r.related.all()],
    )
    return row


@router.get("/resources", response=ResourcePage, summary="The catalogue, searched and filtered")
def resource_list(request, q: Query[ResourceQuery], paging: Query[PageQuery]):
    _require(request)
    f = selectors.ResourceFilter(q=q.q, category=q.category, provider=q.provider, share_type=q.share_type)
    qs = selectors.resource_list(user=request.user, filters=f).prefetch_related("related")
    items, meta = paginate(qs, paging)
    return {"items": [resource_row(r) for r in items], "meta": meta}


@router.get(
    "/resources/{code}", response=ResourceDetail, summary="A resource's metadata and information items"
)
def resource_detail(request, code: str):
    _require(request)
    r = selectors.resource_get(user=request.user, code=code)
    return {**resource_row(r), "fields": [field_row(f) for f in r.fields.all()]}


class NotSignedIn(keys.KeyRejected):
    pass


def _caller(request):
    """(user, None) or (None, consumer key): a consumer key in ``Authorization`` (the raw key, CKAN
    style, or ``Bearer <key>``), else a user's API token or session. Anything else is a 401."""
    header = request.headers.get("Authorization", "").strip()
    raw = header[7:].strip() if header[:7].lower() == "bearer " else header
    if raw and not raw.startswith(TOKEN_PREFIX):
        key = keys.authenticate(raw)
        count_request(raw)
        return None, key
    token = raw
    user = token_authenticate(token) if token else None
    if user is None and request.headers.get("X-API-Token"):
        token = request.headers["X-API-Token"].strip()
        user = token_authenticate(token)
    if user is not None:
        count_request(token)
    elif not raw and request.user.is_authenticated:
        user = request.user
    if user is None:
        raise NotSignedIn(
            "Sign in, send a valid API token as 'Authorization: Bearer <token>', or a consumer key as "
            "'Authorization: <key>'. The token may have expired or been revoked.",
            reason="unauthenticated",
        )
    request.user = user
    return user, None


def _keyed_query(key, resource, params):
    """The query of a key's request: only the granted fields, each field named outside the grant a 403."""
    granted = keys.granted_fields(key=key, resource=resource)
    if granted is None:
        raise NotFound(
            f"No resource {resource.code} is granted to {key.consumer.code}; ask for it with a sharing request."
        )
    query = records.parse(params, list(resource.fields.all()))
    named = [*(query.fields or []), *(f.field for f in query.filters if f.field != "_flagged")]
    if query.sort:
        named.append(query.sort)
    outside = [n for n in named if n not in granted]
    if outside:
        raise Forbidden(
            f"The field {outside[0]} of {resource.code} is outside the grant of {key.consumer.code}; "
            f"granted: {', '.join(granted)}."
        )
    if query.fields is None:
        query.fields = granted
    return query, keys.unmasked_fields(key=key, resource=resource)


@router.get(
    "/resources/{code}/records",
    response=RecordPage,
    auth=None,
    summary="A resource's records: <field>=v, <field>__gte/__lte, flagged, sort=[-]<field>, fields, limit, after",
    openapi_extra={"responses": {429: problem_response(PROBLEM_STATUSES[429], 429)}},
)
def record_list(request, code: str):
    """Filters are query parameters named by field; the next page starts after the cursor `next`
    (keyset paging). Personal fields are masked unless you may change the catalogue.

    A consumer's key (`Authorization: <key>` or `Bearer <key>`) reads only the resources its
    consumer holds an active grant for, only the granted fields, personal ones in clear only when
    granted so."""
    user, key = _caller(request)
    if key is not None:
        r = Resource.objects.prefetch_related("fields").filter(code=code).first()
        if r is None:
            raise NotFound(f"No resource {code}.")
        query, clear = _keyed_query(key, r, request.GET)
        page = records.record_page(user=None, resource=r, query=query, unmasked=clear)
    else:
        _require(request)
        r = selectors.resource_get(user=user, code=code)
        query = records.parse(request.GET, list(r.fields.all()))
        page = records.record_page(user=user, resource=r, query=query)
    keys.log_access(
        resource=r,
        channel=AccessChannel.KEY if key else AccessChannel.API,
        fields=[f.name for f in page.fields],
        rows=len(page.rows),
        user=user,
        key=key,
    )
    total = records.record_count(resource=r, query=query) if request.GET.get("total") == "1" else None
    next_url = (
        f"{request.path}?{querystring(request.GET, after=page.next_cursor)}" if page.next_cursor else None
    )
    return {
        "fields": [field_row(f) for f in page.fields],
        "records": page.rows,
        "limit": query.limit,
        "next": page.next_cursor,
        "next_url": next_url,
        "total": total,
    }
