"""The demo town's geography as one FeatureCollection in the GeoJSON import format.

Everything is drawn in metres on a local plane around the town centre and converted to WGS84 at
the end. The town outline is convex, so a Voronoi cell clipped to it (or to a convex parent) is
convex too: every region is one simple polygon and the children of a region tile it exactly.
A fixed seed makes every run produce the same town, byte for byte.
"""

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import LineString, MultiPoint, Point, Polygon

from cityops.demo import names
from cityops.demo.places import place_features
from cityops.demo.plane import PRECISION, Region, to_wgs84

SEED = 441900
TOWN_M2 = 95e6
GRIDS = 125
MIN_GRIDS_PER_VILLAGE = 5
LLOYD_STEPS = 3
AREA_SEED_REACH = 0.6  # share of the way from the town centre to its edge


@dataclass
class DemoTown:
    town: Region
    areas: list[Region]
    villages: list[Region]
    grids: list[Region]


def _outline(rng: np.random.Generator) -> Polygon:
    """A convex, irregular outline of TOWN_M2: the hull of a wobbly, tilted ellipse."""
    t = np.linspace(0, 2 * np.pi, 96, endpoint=False)
    r = np.ones_like(t)
    for k, amp in ((2, 0.08), (3, 0.05), (5, 0.03)):
        r += amp * np.cos(k * t + rng.uniform(0, 2 * np.pi))
    r += rng.normal(0, 0.015, t.size)
    x, y = 1.3 * r * np.cos(t), r * np.sin(t)
    tilt = math.radians(30)
    pts = np.column_stack([x * math.cos(tilt) - y * math.sin(tilt), x * math.sin(tilt) + y * math.cos(tilt)])
    hull = MultiPoint(pts).convex_hull
    scale = math.sqrt(TOWN_M2 / hull.area)
    return shapely.transform(hull, lambda c: c * scale)


def _random_points(rng: np.random.Generator, poly: Polygon, n: int) -> np.ndarray:
    minx, miny, maxx, maxy = poly.bounds
    pts: list[np.ndarray] = []
    while len(pts) < n:
        p = rng.uniform((minx, miny), (maxx, maxy))
        if poly.contains(Point(p)):
            pts.append(p)
    return np.array(pts)


def _cells(poly: Polygon, seeds: np.ndarray) -> list[Polygon]:
    diagram = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=poly, ordered=True)
    return [cell.intersection(poly) for cell in diagram.geoms]


def _partition(poly: Polygon, seeds: np.ndarray) -> list[Polygon]:
    """Cells of ``poly`` around ``seeds``, in seed order, evened out by Lloyd relaxation."""
    for _ in range(LLOYD_STEPS):
        seeds = np.array([[c.centroid.x, c.centroid.y] for c in _cells(poly, seeds)])
    return _cells(poly, seeds)


def _area_seeds(outline: Polygon) -> np.ndarray:
    """One seed at the centre and one per compass bearing, so each area's name fits its place."""
    c = outline.centroid
    seeds = []
    for _, bearing, _ in names.AREAS:
        if bearing is None:
            seeds.append((c.x, c.y))
            continue
        b = math.radians(bearing)
        ray = LineString([(c.x, c.y), (c.x + 1e5 * math.cos(b), c.y + 1e5 * math.sin(b))])
        edge = ray.intersection(outline.boundary)
        seeds.append((c.x + AREA_SEED_REACH * (edge.x - c.x), c.y + AREA_SEED_REACH * (edge.y - c.y)))
    return np.array(seeds)


def _north_to_south(cells: list[Polygon]) -> list[Polygon]:
    # Numbering runs in reading order on a map, which is how people count grids on a wall map.
    return sorted(cells, key=lambda p: (-round(p.centroid.y, -2), p.centroid.x))


def _grid_counts(villages: list[Region]) -> dict[str, int]:
    """MIN_GRIDS_PER_VILLAGE each, and one more for the largest villages until GRIDS is reached."""
    extra = GRIDS - MIN_GRIDS_PER_VILLAGE * len(villages)
    largest = sorted(villages, key=lambda v: (-v.shape.area, v.code))[:extra]
    bigger = {v.code for v in largest}
    return {v.code: MIN_GRIDS_PER_VILLAGE + (v.code in bigger) for v in villages}


def build_town(seed: int = SEED) -> DemoTown:
    """The town, its areas, villages and grids in local metres (see module docstring)."""
    rng = np.random.default_rng(seed)
    outline = _outline(rng)
    town = Region("town", names.TOWN_CODE, names.TOWN_NAME, outline)
    areas, villages, grids = [], [], []
    area_cells = _partition(outline, _area_seeds(outline))
    village_no = 0
    for a_no, ((area_name, _, village_names), cell) in enumerate(
        zip(names.AREAS, area_cells, strict=True), 1
    ):
        area = Region("area", f"DLS-A{a_no}", area_name, cell, town.code)
        areas.append(area)
        seeds = _random_points(rng, cell, len(village_names))
        for (v_name, community), v_cell in zip(village_names, _partition(cell, seeds), strict=True):
            village_no += 1
            code = f"{area.code}-V{village_no:02d}"
            villages.append(Region("village", code, v_name, v_cell, area.code, {"is_community": community}))
    for village, n in zip(villages, _grid_counts(villages).values(), strict=True):
        cells = _north_to_south(_partition(village.shape, _random_points(rng, village.shape, n)))
        for g_no, g_cell in enumerate(cells, 1):
            grids.append(
                Region(
                    "grid", f"{village.code}-G{g_no:02d}", f"{village.name}第{g_no}网格", g_cell, village.code
                )
            )
    return DemoTown(town, areas, villages, grids)


def _round(geom):
    # the noded coordinates carry binary noise (…0000001); rounding gives the shortest decimals
    return shapely.transform(geom, lambda c: np.round(c, PRECISION))


def _noded_grids(grids: list[Region]) -> list[Polygon]:
    """The grids in WGS84, cut from one snap-rounded linework.

    Rounding each polygon on its own would move a border vertex of one grid off the matching edge
    of its neighbour (grids of different villages do not share vertices along the village border),
    leaving overlaps of a few m². Noding every border together gives neighbours the same vertices.
    """
    wgs = [to_wgs84(g.shape) for g in grids]
    lines = shapely.union_all([p.exterior for p in wgs], grid_size=10.0**-PRECISION)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    tree = STRtree(wgs)
    found: dict[int, Polygon] = {}
    for face in faces:
        owners = tree.query(face.point_on_surface(), predicate="within")
        if len(owners) != 1 or int(owners[0]) in found:
            raise ValueError("the demo grids do not node into one face per grid")
        found[int(owners[0])] = _round(face)
    if len(found) != len(grids):
        raise ValueError(f"the demo grids noded into {len(found)} faces, not {len(grids)}")
    return [found[i] for i in range(len(grids))]


def wgs84_shapes(town: DemoTown) -> dict[str, Polygon]:
    """Every region's polygon in WGS84; a parent is the exact union of its grids."""
    shapes = dict(zip((g.code for g in town.grids), _noded_grids(town.grids), strict=True))
    area_of = {v.code: v.parent for v in town.villages}
    members: dict[str, list[Polygon]] = {}
    for grid in town.grids:
        for code in (grid.parent, area_of[grid.parent], town.town.code):
            members.setdefault(code, []).append(shapes[grid.code])
    for code, parts in members.items():
        shapes[code] = _round(shapely.coverage_union_all(parts))
    return shapes


def polygon_json(geom) -> dict:
    if geom.geom_type != "Polygon" or not geom.is_valid:
        raise ValueError(f"the demo generator made a bad polygon: {geom.geom_type}")
    rings = [geom.exterior, *geom.interiors]
    return {"type": "Polygon", "coordinates": [[[float(x), float(y)] for x, y in r.coords] for r in rings]}


def region_feature(region: Region, geom: Polygon) -> dict:
    props = {"level": region.level, "code": region.code, "name": region.name}
    if region.parent:
        props["parent"] = region.parent
    props.update(region.props)
    return {"type": "Feature", "geometry": polygon_json(geom), "properties": props}


def town_geojson(seed: int = SEED) -> dict:
    """The demo town (regions and places) as a FeatureCollection ready for ``geojson_import``."""
    town = build_town(seed)
    shapes = wgs84_shapes(town)
    regions = [town.town, *town.areas, *town.villages, *town.grids]
    features = [region_feature(r, shapes[r.code]) for r in regions]
    features += place_features(np.random.default_rng(seed + 1), town.villages)
    return {"type": "FeatureCollection", "name": names.TOWN_NAME, "features": features}
