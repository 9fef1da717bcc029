"""The data brain's own query API: the catalogue and each resource's records with filters, sort,
field selection and keyset paging; thin over the selectors and ``records``."""

from django.core.exceptions import PermissionDenied
from ninja import Query, Router

from cityops.core.api import PageQuery, paginate
from cityops.core.pages import querystring
from cityops.databrain import records, selectors
from cityops.databrain.schemas import RecordPage, ResourceDetail, ResourcePage, ResourceQuery

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


@router.get(
    "/resources/{code}/records",
    response=RecordPage,
    summary="A resource's records: <field>=v, <field>__gte/__lte, flagged, sort=[-]<field>, fields, limit, after",
)
def record_list(request, code: str):
    """Filters are query parameters named by field; the next page starts after the cursor `next`
    (keyset paging). Personal fields are masked unless you may change the catalogue."""
    _require(request)
    r = selectors.resource_get(user=request.user, code=code)
    query = records.parse(request.GET, list(r.fields.all()))
    page = records.record_page(user=request.user, resource=r, query=query)
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
