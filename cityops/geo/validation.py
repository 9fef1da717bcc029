"""Validation of a GeoJSON import against itself and the stored geography.

Everything is checked before anything is written, and every problem is reported, each naming
the feature (its index and code) and what is wrong, so a data steward can fix the file in one go.
"""

from dataclasses import dataclass, field

from django.conf import settings
from shapely import STRtree
from shapely.geometry import Point

from cityops.geo.choices import Level, PlaceKind
from cityops.geo.geometry import GeometryError, outside_m2, overlap_m2, parse_geometry

PARENT_LEVEL = {Level.AREA: Level.TOWN, Level.VILLAGE: Level.AREA, Level.GRID: Level.VILLAGE}
REGION_LEVELS = (Level.TOWN, Level.AREA, Level.VILLAGE, Level.GRID)
MAX_CODE = 32
MAX_NAME = 100


@dataclass
class RegionSpec:
    level: str
    code: str
    name: str
    geometry: object
    parent: str | None
    index: int | None  # feature index in the file; None for a stored row kept as it is
    props: dict = field(default_factory=dict)


@dataclass
class PlaceSpec:
    code: str
    name: str
    kind: str
    lon: float
    lat: float
    index: int
    address: str = ""
    parent: str | None = None


@dataclass
class ImportPlan:
    regions: dict[str, dict[str, RegionSpec]]  # level → code → spec (stored rows merged with the file)
    places: list[PlaceSpec]
    errors: list[dict]


def _error(index, code, message, field_name=None) -> dict:
    if index is not None:
        label = f"feature {index} ({code}): " if code else f"feature {index}: "
    else:
        label = f"stored {code}: " if code else ""
    err = {"feature": index, "code": code or None, "message": f"{label}{message}"}
    if field_name:
        err["field"] = field_name
    return err


def _text(props: dict, key: str, limit: int) -> str:
    value = props.get(key)
    if value is None:
        return ""
    return str(value).strip()[: limit + 1]


def _read_feature(index: int, feature, errors: list, seen: set) -> RegionSpec | PlaceSpec | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        errors.append(_error(index, None, "is not a GeoJSON Feature object"))
        return None
    props = feature.get("properties")
    if not isinstance(props, dict):
        errors.append(_error(index, None, "has no properties object", "properties"))
        return None
    level, code, name = (
        _text(props, "level", 20),
        _text(props, "code", MAX_CODE),
        _text(props, "name", MAX_NAME),
    )
    problems = []
    if level not in REGION_LEVELS and level != "place":
        problems.append(
            ("properties.level", f"level {level!r} is not one of town, area, village, grid, place")
        )
    if not code:
        problems.append(("properties.code", "code is missing"))
    elif len(code) > MAX_CODE:
        problems.append(("properties.code", f"code is longer than {MAX_CODE} characters"))
    elif code in seen:
        problems.append(("properties.code", "code appears more than once in the file"))
    if not name:
        problems.append(("properties.name", "name is missing"))
    elif len(name) > MAX_NAME:
        problems.append(("properties.name", f"name is longer than {MAX_NAME} characters"))
    kinds = ("Point",) if level == "place" else ("Polygon", "MultiPolygon")
    try:
        geom = parse_geometry(feature.get("geometry"), kinds=kinds)
    except GeometryError as exc:
        problems.append(("geometry", str(exc)))
        geom = None
    kind = _text(props, "kind", 32)
    if level == "place" and kind not in PlaceKind.values:
        problems.append(("properties.kind", f"kind {kind!r} is not one of {', '.join(PlaceKind.values)}"))
    parent = _text(props, "parent", MAX_CODE) or None
    if level in PARENT_LEVEL and not parent:
        problems.append(
            ("properties.parent", f"a {level} needs the code of its {PARENT_LEVEL[level]} in 'parent'")
        )
    for field_name, message in problems:
        errors.append(_error(index, code, message, field_name))
    if problems:
        return None
    seen.add(code)
    if level == "place":
        return PlaceSpec(code, name, kind, geom.x, geom.y, index, _text(props, "address", 200), parent)
    return RegionSpec(level, code, name, geom, parent, index, props)


def _check_hierarchy(regions, errors) -> None:
    towns = regions[Level.TOWN]
    if len(towns) > 1:
        errors.append(_error(None, None, f"there can be only one town, found {', '.join(sorted(towns))}"))
    for level, parent_level in PARENT_LEVEL.items():
        for spec in regions[level].values():
            if spec.index is None:
                continue
            if spec.parent not in regions[parent_level]:
                other = next((lvl for lvl in REGION_LEVELS if spec.parent in regions[lvl]), None)
                hint = f" (it is a {other}, not a {parent_level})" if other else ""
                errors.append(
                    _error(
                        spec.index,
                        spec.code,
                        f"unknown parent {parent_level} {spec.parent!r}{hint}",
                        "properties.parent",
                    )
                )


def _check_geometry(regions, errors, tolerance: float) -> None:
    town = next(iter(regions[Level.TOWN].values()), None)
    if town is None:
        return
    lat0, lon0 = town.geometry.centroid.y, town.geometry.centroid.x
    for level, parent_level in PARENT_LEVEL.items():
        for spec in regions[level].values():
            parent = regions[parent_level].get(spec.parent)
            if parent is None or (spec.index is None and parent.index is None):
                continue
            outside = outside_m2(spec.geometry, parent.geometry, lat0, lon0)
            if outside > tolerance:
                errors.append(
                    _error(
                        spec.index,
                        spec.code,
                        f"{level} lies {outside:,.0f} m² outside its {parent_level} {parent.code!r} "
                        f"(tolerance {tolerance:,.0f} m²)",
                        "geometry",
                    )
                )
    for level in (Level.AREA, Level.VILLAGE, Level.GRID):
        specs = list(regions[level].values())
        if len(specs) < 2:
            continue
        tree = STRtree([s.geometry for s in specs])
        left, right = tree.query([s.geometry for s in specs], predicate="intersects")
        for i, j in zip(left, right, strict=True):
            a, b = specs[i], specs[j]
            if i >= j or (a.index is None and b.index is None):
                continue
            shared = overlap_m2(a.geometry, b.geometry, lat0, lon0)
            if shared > tolerance:
                first, second = (a, b) if a.index is not None else (b, a)
                errors.append(
                    _error(
                        first.index,
                        first.code,
                        f"{level} overlaps {level} {second.code!r} by {shared:,.0f} m² (tolerance {tolerance:,.0f} m²)",
                        "geometry",
                    )
                )


def _check_places(plan: ImportPlan, stored_places: set[str]) -> None:
    grids = list(plan.regions[Level.GRID].values())
    tree = STRtree([g.geometry for g in grids]) if grids else None
    codes = {p.code for p in plan.places} | stored_places
    for place in plan.places:
        pt = Point(place.lon, place.lat)
        hits = tree.query(pt, predicate="intersects") if tree is not None else []
        if len(hits) == 0:
            plan.errors.append(
                _error(
                    place.index,
                    place.code,
                    f"point ({place.lon}, {place.lat}) lies outside every grid",
                    "geometry",
                )
            )
        if place.parent and place.parent not in codes:
            plan.errors.append(
                _error(place.index, place.code, f"unknown parent place {place.parent!r}", "properties.parent")
            )


def plan_import(data, stored: dict[str, dict[str, RegionSpec]], stored_places: set[str]) -> ImportPlan:
    """Validate ``data`` merged over the stored geography; the plan lists every error found."""
    errors: list[dict] = []
    regions = {level: dict(stored.get(level, {})) for level in REGION_LEVELS}
    plan = ImportPlan(regions, [], errors)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        errors.append(_error(None, None, "the document is not a GeoJSON FeatureCollection"))
        return plan
    features = data.get("features")
    if not isinstance(features, list) or not features:
        errors.append(_error(None, None, "the FeatureCollection has no features"))
        return plan
    crs = data.get("crs")
    if crs and "CRS84" not in str(crs) and "4326" not in str(crs):
        errors.append(_error(None, None, f"coordinates must be WGS84 longitude/latitude, not {crs}"))
        return plan
    seen: set[str] = set()
    for index, feature in enumerate(features):
        spec = _read_feature(index, feature, errors, seen)
        if isinstance(spec, PlaceSpec):
            plan.places.append(spec)
        elif isinstance(spec, RegionSpec):
            clash = next(
                (lvl for lvl in REGION_LEVELS if lvl != spec.level and spec.code in regions[lvl]), None
            )
            if clash:
                errors.append(
                    _error(index, spec.code, f"code is already used by a {clash}", "properties.code")
                )
                continue
            regions[spec.level][spec.code] = spec
    if errors:
        return plan
    _check_hierarchy(regions, errors)
    if not errors:
        _check_geometry(regions, errors, float(settings.CITYOPS_GEO_TOLERANCE_M2))
    if not errors and plan.places:
        _check_places(plan, stored_places)
    errors.sort(key=lambda e: (e["feature"] is None, e["feature"] or 0))
    return plan
