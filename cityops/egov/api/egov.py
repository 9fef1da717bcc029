"""The government services API: the staff catalogue (scoped, drafts included) and the public
reading of published guides (no sign-in, as the kiosk reads them); thin over the selectors."""

from django.core.exceptions import PermissionDenied
from ninja import Query, Router

from cityops.core.api import PageQuery, paginate
from cityops.egov import selectors
from cityops.egov.models import ItemVersion, ServiceItem
from cityops.egov.ratings.api import router as ratings_router
from cityops.egov.schemas import ItemDetail, ItemPage, ItemQuery, PublicItemDetail, PublicItemOut, PublicQuery
from cityops.egov.services import SCALARS

router = Router(tags=["egov"])
router.add_router("", ratings_router)  # 好差评: /public/ratings…, /ratings…, /follow-ups…, /rating-figures


def _require(request, action: str = "egov.view") -> None:
    if not request.user.can(action):
        raise PermissionDenied(f"Your role may not do {action}.")


def guide_row(v: ItemVersion | None, parts: bool = False) -> dict | None:
    if v is None:
        return None
    row = {name: getattr(v, name) for name in SCALARS}
    row.update(version=v.number, state=v.state, published_at=v.published_at)
    if parts:
        p = selectors.version_parts(v)
        names = {s.pk: s.name for s, _m in p["situations"]}
        row["situations"] = [{"name": s.name, "description": s.description} for s, _m in p["situations"]]
        row["materials"] = [
            {
                "name": m.name,
                "situation": names.get(m.situation_id, ""),
                "form": m.form,
                "copies": m.copies,
                "required": m.required,
                "source": m.source,
                "resource": m.resource.code if m.resource_id else "",
                "note": m.note,
            }
            for m in p["materials"]
        ]
    return row


def _item(item: ServiceItem) -> dict:
    return {"code": item.code, "department": item.department.code, "department_name": item.department.name}


@router.get("/items", response=ItemPage, summary="The catalogue, searched and filtered (drafts included)")
def item_list(request, q: Query[ItemQuery], paging: Query[PageQuery]):
    _require(request)
    f = selectors.ItemFilter(**q.dict())
    items, meta = paginate(selectors.item_list(user=request.user, filters=f), paging)
    return {
        "items": [
            {**_item(i), "published": guide_row(i.published), "draft": guide_row(i.draft)} for i in items
        ],
        "meta": meta,
    }


@router.get("/items/{code}", response=ItemDetail, summary="An item with its published guide and its draft")
def item_detail(request, code: str):
    _require(request)
    i = selectors.item_get(user=request.user, code=code)
    return {**_item(i), "published": guide_row(i.published, True), "draft": guide_row(i.draft, True)}


@router.get(
    "/public/search",
    response=list[PublicItemOut],
    auth=None,
    summary="Published items that answer a resident's words, best first (no sign-in)",
)
def public_search(request, q: Query[PublicQuery]):
    return [
        {**_item(i), "guide": guide_row(i.published)} for i in selectors.public_search(q.q, limit=q.limit)
    ]


@router.get(
    "/public/items/{code}", response=PublicItemDetail, auth=None, summary="A published guide (no sign-in)"
)
def public_item(request, code: str):
    i = selectors.public_get(code)
    return {**_item(i), "guide": guide_row(i.published, True)}
