"""Reads of the geography, each restricted to the acting user's scope."""

import json

import shapely
from django.conf import settings
from django.db.models import Count

from cityops.core.cache import ProcessCache
from cityops.core.errors import NotFound
from cityops.geo import locate as _locate
from cityops.geo.choices import Level
from cityops.geo.models import Area, GeoVersion, Grid, Place, Town, Village
from cityops.geo.validation import RegionSpec

MODELS = {Level.TOWN: Town, Level.AREA: Area, Level.VILLAGE: Village, Level.GRID: Grid}
PARENT_ATTR = {Level.AREA: "town", Level.VILLAGE: "area", Level.GRID: "village"}


def locate_entries() -> list[_locate.GridEntry]:
    grids = Grid.objects.select_related("village", "area").order_by("code")
    return [
        _locate.GridEntry(
            _locate.Location(
                g.id,
                g.code,
                g.name,
                g.village_id,
                g.village.code,
                g.village.name,
                g.area_id,
                g.area.code,
                g.area.name,
            ),
            shapely.from_geojson(g.geometry),
        )
        for g in grids
    ]


def _version() -> int:
    row = GeoVersion.objects.filter(id=1).values_list("version", flat=True).first()
    return row or 0


_LOCATOR = ProcessCache(
    lambda: _locate.Locator(locate_entries()), _version, lambda: settings.CITYOPS_GEO_REFRESH_SECONDS
)


def locator() -> _locate.Locator:
    """The process-wide locate index (rebuilt when the geography changes)."""
    return _LOCATOR.get()


def invalidate_locator() -> None:
    _LOCATOR.invalidate()


def locate_point(lon: float, lat: float) -> _locate.Location | None:
    """Grid, village and area of a WGS84 point; None outside the town."""
    return locator().locate(lon, lat)


def stored_regions() -> dict[str, dict[str, RegionSpec]]:
    out: dict[str, dict[str, RegionSpec]] = {}
    for level, model in MODELS.items():
        qs = model.objects.all()
        attr = PARENT_ATTR.get(level)
        if attr:
            qs = qs.select_related(attr)
        out[level] = {
            r.code: RegionSpec(
                level,
                r.code,
                r.name,
                shapely.from_geojson(r.geometry),
                getattr(r, attr).code if attr else None,
                None,
            )
            for r in qs
        }
    return out


def stored_places() -> set[str]:
    return set(Place.objects.values_list("code", flat=True))


def region_tree(*, user) -> dict | None:
    """Town → areas → villages → grids that the user may see, with counts."""
    town = Town.objects.restrict(user, "geo.view").first()
    if town is None:
        return None
    areas = list(Area.objects.restrict(user, "geo.view").order_by("code"))
    villages = list(Village.objects.restrict(user, "geo.view").order_by("code"))
    grids = list(
        Grid.objects.restrict(user, "geo.view").order_by("code").values("id", "code", "name", "village_id")
    )
    by_village: dict[int, list] = {}
    for g in grids:
        by_village.setdefault(g["village_id"], []).append({"code": g["code"], "name": g["name"]})
    by_area: dict[int, list] = {}
    for v in villages:
        by_area.setdefault(v.area_id, []).append(
            {"code": v.code, "name": v.name, "level": "village", "grids": by_village.get(v.id, [])}
        )
    return {
        "code": town.code,
        "name": town.name,
        "level": "town",
        "areas": [
            {"code": a.code, "name": a.name, "level": "area", "villages": by_area.get(a.id, [])}
            for a in areas
        ],
    }


def grid_list(*, user, area: str | None = None, village: str | None = None):
    qs = Grid.objects.restrict(user, "geo.view").select_related("village", "area")
    if area:
        qs = qs.filter(area__code=area)
    if village:
        qs = qs.filter(village__code=village)
    return qs.order_by("code")


def grid_get(*, user, code: str) -> Grid:
    grid = grid_list(user=user).filter(code=code).first()
    if grid is None:
        raise NotFound(f"There is no grid {code!r} in your scope.")
    return grid


def region_feature(region, level: str, extra: dict | None = None) -> dict:
    props = {"level": level, "code": region.code, "name": region.name, "area_m2": region.area_m2}
    parent = PARENT_ATTR.get(level)
    if parent:
        props["parent"] = getattr(region, parent).code
    if level == Level.VILLAGE:
        props["is_community"] = region.is_community
    if level == Level.GRID:
        props.update(village_name=region.village.name, area_code=region.area.code, area_name=region.area.name)
    props.update(extra or {})
    return {"type": "Feature", "geometry": json.loads(region.geometry), "properties": props}


def place_feature(place: Place) -> dict:
    props = {
        "level": "place",
        "code": place.code,
        "name": place.name,
        "kind": place.kind,
        "address": place.address,
        "grid": place.grid.code,
    }
    if place.parent_id:
        props["parent"] = place.parent.code
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
        "properties": props,
    }


def place_list(*, user, kind: str | None = None, village: str | None = None):
    qs = Place.objects.restrict(user, "geo.view").select_related("grid", "village", "area", "parent")
    if kind:
        qs = qs.filter(kind=kind)
    if village:
        qs = qs.filter(village__code=village)
    return qs.order_by("kind", "code")


def geojson_export(*, user, levels: tuple[str, ...] = ("town", "area", "village", "grid", "place")) -> dict:
    """A FeatureCollection of everything the user may see, in the import format."""
    features = []
    if "town" in levels:
        features += [region_feature(t, Level.TOWN) for t in Town.objects.restrict(user, "geo.view")]
    if "area" in levels:
        features += [
            region_feature(a, Level.AREA)
            for a in Area.objects.restrict(user, "geo.view").select_related("town")
        ]
    if "village" in levels:
        qs = Village.objects.restrict(user, "geo.view").select_related("area")
        features += [region_feature(v, Level.VILLAGE) for v in qs]
    if "grid" in levels:
        features += [region_feature(g, Level.GRID) for g in grid_list(user=user)]
    if "place" in levels:
        features += [place_feature(p) for p in place_list(user=user)]
    return {"type": "FeatureCollection", "features": features}


def geo_counts() -> dict[str, int]:
    counts = {
        "towns": Town.objects.count(),
        "areas": Area.objects.count(),
        "villages": Village.objects.count(),
        "grids": Grid.objects.count(),
    }
    places = dict(Place.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    counts["places"] = sum(places.values())
    counts["places_by_kind"] = places
    return counts
