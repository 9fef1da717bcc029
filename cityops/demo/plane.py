"""The local plane the demo town is drawn on: metres east and north of the town centre."""

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Polygon

from cityops.geo.geometry import M_PER_DEG_LAT, M_PER_DEG_LON_EQUATOR

CENTRE_LON, CENTRE_LAT = 113.83, 22.90
PRECISION = 7  # decimals of a degree, about 1 cm

_KX = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(CENTRE_LAT))


@dataclass
class Region:
    """A town, area, village or grid drawn on the plane (the town draws them, the places fill them)."""

    level: str
    code: str
    name: str
    shape: Polygon  # in local metres
    parent: str | None = None
    props: dict = field(default_factory=dict)


def lon_lat(x: float, y: float) -> tuple[float, float]:
    """WGS84 (lon, lat) of a point of the plane, rounded to PRECISION decimals."""
    return round(CENTRE_LON + x / _KX, PRECISION), round(CENTRE_LAT + y / M_PER_DEG_LAT, PRECISION)


def to_wgs84(geom):
    """A geometry of the plane in WGS84 lon/lat (not rounded: see town.py for why)."""

    def fn(c: np.ndarray) -> np.ndarray:
        out = np.empty_like(c)
        out[:, 0] = CENTRE_LON + c[:, 0] / _KX
        out[:, 1] = CENTRE_LAT + c[:, 1] / M_PER_DEG_LAT
        return out

    return shapely.transform(geom, fn)
