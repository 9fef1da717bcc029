"""Geometry functions of $filter over device points (the models hold lon/lat floats, no GIS).

A spatial predicate becomes "device id in <set>": the candidates are narrowed in the database by
the literal's bounding box, then shapely decides exactly. The Python filter calls the same
predicates on one point, so both paths agree.
"""

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from cityops.iot.models import Device


def _intersects(a, b):
    return a.intersects(b)


PREDICATES = {
    "geo.intersects": _intersects,
    "st_intersects": _intersects,
    "st_within": lambda a, b: a.within(b),
    "st_contains": lambda a, b: a.contains(b),
    "st_equals": lambda a, b: a.equals(b),
    "st_disjoint": lambda a, b: a.disjoint(b),
    "st_touches": lambda a, b: a.touches(b),
    "st_overlaps": lambda a, b: a.overlaps(b),
    "st_crosses": lambda a, b: a.crosses(b),
}
# every predicate but disjoint implies the two shapes meet, so the bounding box may narrow first
NO_BBOX = {"st_disjoint"}


def evaluate(name: str, a: BaseGeometry, b: BaseGeometry) -> bool:
    return PREDICATES[name](a, b)


def matching_devices(name: str, literal: BaseGeometry, point_first: bool) -> list[int]:
    """Ids of every device whose point satisfies ``name(point, literal)`` (or the reverse)."""
    qs = Device.objects.all()
    if name not in NO_BBOX:
        x0, y0, x1, y1 = literal.bounds
        qs = qs.filter(lon__gte=x0, lon__lte=x1, lat__gte=y0, lat__lte=y1)
    ids = []
    for device_id, lon, lat in qs.values_list("id", "lon", "lat").iterator():
        point = Point(lon, lat)
        args = (point, literal) if point_first else (literal, point)
        if evaluate(name, *args):
            ids.append(device_id)
    return ids
