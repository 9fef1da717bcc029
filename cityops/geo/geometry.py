"""Geometry helpers: GeoJSON parsing with messages a person can act on, and metric areas."""

import json
import math

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0


class GeometryError(ValueError):
    pass


def _positions(coords, depth: int):
    if depth == 0:
        yield coords
        return
    for item in coords:
        yield from _positions(item, depth - 1)


_DEPTH = {"Point": 0, "LineString": 1, "Polygon": 2, "MultiPolygon": 3}


def check_positions(geom: dict) -> None:
    """Raise GeometryError when positions are not numbers, out of range or in (lat, lon) order."""
    gtype = geom.get("type")
    if gtype not in _DEPTH:
        raise GeometryError(f"geometry type {gtype!r} is not supported")
    coords = geom.get("coordinates")
    if not isinstance(coords, list):
        raise GeometryError("geometry has no coordinates array")
    try:
        positions = list(_positions(coords, _DEPTH[gtype]))
    except TypeError:
        raise GeometryError("coordinates are not nested as the geometry type requires") from None
    for pos in positions:
        if (
            not isinstance(pos, list | tuple)
            or len(pos) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos[:2])
        ):
            raise GeometryError(f"position {pos!r} is not a [longitude, latitude] pair of numbers")
        lon, lat = pos[0], pos[1]
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise GeometryError(f"position {pos!r} is not finite")
        if abs(lat) > 90 and abs(lon) <= 90 and abs(lat) <= 180:
            raise GeometryError(
                f"position [{lon}, {lat}] looks like [latitude, longitude]; "
                "GeoJSON requires [longitude, latitude] (RFC 7946)"
            )
        if abs(lon) > 180 or abs(lat) > 90:
            raise GeometryError(f"position [{lon}, {lat}] is outside WGS84 longitude/latitude ranges")
    if gtype in ("Polygon", "MultiPolygon"):
        polys = [coords] if gtype == "Polygon" else coords
        for poly in polys:
            if not poly:
                raise GeometryError("polygon has no rings")
            for ring in poly:
                if len(ring) < 4:
                    raise GeometryError("a polygon ring needs at least 4 positions")
                if list(ring[0][:2]) != list(ring[-1][:2]):
                    raise GeometryError("a polygon ring is not closed (first and last positions differ)")


def parse_geometry(geom, *, kinds: tuple[str, ...]):
    """A valid shapely geometry of one of ``kinds`` from a GeoJSON geometry object."""
    if not isinstance(geom, dict):
        raise GeometryError("geometry is missing")
    if geom.get("type") not in kinds:
        raise GeometryError(f"geometry must be {' or '.join(kinds)}, not {geom.get('type')!r}")
    check_positions(geom)
    shp = shape(geom)
    if shp.is_empty:
        raise GeometryError("geometry is empty")
    if not shp.is_valid:
        raise GeometryError(f"invalid geometry: {explain_validity(shp)}")
    return shp


def to_metric(geom, lat0: float, lon0: float):
    """The geometry in metres on a local equirectangular plane centred on (lon0, lat0)."""
    kx = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))

    def fn(coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords)
        out[:, 0] = (coords[:, 0] - lon0) * kx
        out[:, 1] = (coords[:, 1] - lat0) * M_PER_DEG_LAT
        return out

    return shapely.transform(geom, fn)


def area_m2(geom) -> float:
    c = geom.centroid
    return to_metric(geom, c.y, c.x).area


def overlap_m2(a, b, lat0: float, lon0: float) -> float:
    inter = a.intersection(b)
    return 0.0 if inter.is_empty else to_metric(inter, lat0, lon0).area


def outside_m2(child, parent, lat0: float, lon0: float) -> float:
    diff = child.difference(parent)
    return 0.0 if diff.is_empty else to_metric(diff, lat0, lon0).area


def geojson_text(geom, decimals: int = 7) -> str:
    """Compact GeoJSON of geom with coordinates rounded (7 decimals is about 1 cm)."""
    rounded = shapely.transform(geom, lambda c: np.round(c, decimals))
    return json.dumps(mapping(rounded), separators=(",", ":"))
