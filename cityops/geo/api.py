import json

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from ninja import Query, Router

from cityops.core.api import PageQuery, paginate
from cityops.core.errors import PayloadTooLarge, ValidationFailed
from cityops.geo import selectors, services
from cityops.geo.choices import PlaceKind
from cityops.geo.schemas import (
    FeatureCollectionPage,
    GridFilter,
    ImportOut,
    LocateOut,
    LocateQuery,
    PlaceFilter,
    PlacePage,
)

router = Router(tags=["geography"])
MAX_IMPORT_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _require(request, action: str) -> None:
    if not request.user.can(action):
        raise PermissionDenied(f"Your role may not do {action}.")


@router.get("/tree", response=dict, summary="The town → area → village → grid tree in your scope")
def tree(request):
    _require(request, "geo.view")
    return selectors.region_tree(user=request.user) or {}


@router.get("/grids", response=FeatureCollectionPage, summary="Grids as GeoJSON, filtered and paged")
def grids(request, filters: Query[GridFilter], paging: Query[PageQuery]):
    _require(request, "geo.view")
    qs = selectors.grid_list(user=request.user, area=filters.area, village=filters.village)
    items, meta = paginate(qs, paging)
    return {"features": [selectors.region_feature(g, "grid") for g in items], "paging": meta}


@router.get("/grids/{code}", response=dict, summary="One grid as a GeoJSON feature")
def grid(request, code: str):
    _require(request, "geo.view")
    return selectors.region_feature(selectors.grid_get(user=request.user, code=code), "grid")


@router.get("/locate", response=LocateOut, summary="Grid, village and area of a WGS84 point")
def locate(request, q: Query[LocateQuery]):
    _require(request, "geo.view")
    hit = selectors.locate_point(q.lon, q.lat)
    if hit is None:
        return {"inside": False, "lon": q.lon, "lat": q.lat}
    return {
        "inside": True,
        "lon": q.lon,
        "lat": q.lat,
        "grid": hit.grid_code,
        "grid_name": hit.grid_name,
        "village": hit.village_code,
        "village_name": hit.village_name,
        "area": hit.area_code,
        "area_name": hit.area_name,
    }


@router.get(
    "/places", response=PlacePage, summary="Places of interest (schools, canteens, service centres …)"
)
def places(request, filters: Query[PlaceFilter], paging: Query[PageQuery]):
    _require(request, "geo.view")
    if filters.kind and filters.kind not in PlaceKind.values:
        raise ValidationFailed(
            f"kind {filters.kind!r} is not one of {', '.join(PlaceKind.values)}",
            errors=[{"field": "query.kind", "message": "unknown place kind"}],
        )
    qs = selectors.place_list(user=request.user, kind=filters.kind, village=filters.village)
    items, meta = paginate(qs, paging)
    results = [
        {
            "code": p.code,
            "name": p.name,
            "kind": p.kind,
            "kind_label": str(PlaceKind(p.kind).label),
            "lon": p.lon,
            "lat": p.lat,
            "address": p.address,
            "parent": p.parent.code if p.parent_id else None,
            "grid": p.grid.code,
            "village": p.village.code,
            "area": p.area.code,
        }
        for p in items
    ]
    return {**meta, "results": results}


@router.get("/export", response=dict, summary="Everything in your scope as one GeoJSON FeatureCollection")
def export(request):
    _require(request, "geo.view")
    return selectors.geojson_export(user=request.user)


@router.post("/import", response=ImportOut, summary="Import a GeoJSON FeatureCollection (all or nothing)")
def import_geojson(request):
    _require(request, "geo.change")
    if request.user.scope_level != "town":
        raise PermissionDenied("Only town-level staff may change the geography.")
    too_big = PayloadTooLarge(f"The document is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB.")
    if int(request.headers.get("Content-Length") or 0) > MAX_IMPORT_BYTES:
        raise too_big
    try:
        body = request.body
    except RequestDataTooBig:
        raise too_big from None
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(
            f"The body is not valid JSON: {exc}", errors=[{"field": "body", "message": str(exc)}]
        ) from None
    result = services.geojson_import(data=data, by=request.user)
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
