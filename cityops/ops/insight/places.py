"""Recurring places: the same patrol item reported near the same spot again and again. The cases
of a period are clustered per item with scikit-learn's DBSCAN on the sphere (haversine) with a
radius in metres and a minimum count. A year of the demo town (310,000 cases) is read as four
narrow columns, and a lattice of cells one radius wide leaves DBSCAN only the points that can belong
to a place (``candidates``): the same places, a fraction of the work (docs/ops.md, "Decision support")."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from cityops.cases.choices import OPEN_STATUSES
from cityops.cases.models import Case, PatrolItem
from cityops.cases.rollup import day_start
from cityops.geo.models import Grid

EARTH_RADIUS_M = 6_371_008.8
RADIUS_M = 50  # the default radius of "the same spot"
MIN_CASES = 4  # the default minimum count of a recurring place
MAX_LISTED = 300


@dataclass
class Place:
    item: PatrolItem
    cases: list[dict]  # {"number", "reported_at", "status", "address"} newest first
    grid: Grid
    address: str
    lon: float
    lat: float
    first: datetime
    last: datetime
    open_now: int

    @property
    def count(self) -> int:
        return len(self.cases)


def _cluster(points: np.ndarray, radius_m: float, min_cases: int) -> np.ndarray:
    """DBSCAN labels of (lat, lon) points in degrees; -1 is noise."""
    from sklearn.cluster import DBSCAN

    model = DBSCAN(
        eps=radius_m / EARTH_RADIUS_M, min_samples=min_cases, metric="haversine", algorithm="ball_tree"
    )
    return model.fit(np.radians(points)).labels_


def _cells(lat: np.ndarray, lon: np.ndarray, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Cells of a square lattice one radius wide, so that points within the radius of each other
    lie in the same or a neighbouring cell."""
    dlat = np.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(np.cos(np.radians(float(np.max(np.abs(lat))))), 1e-6)
    return np.floor(lat / dlat).astype(np.int64), np.floor(lon / dlon).astype(np.int64)


def candidates(items, lat, lon, radius_m: float, min_cases: int) -> np.ndarray:
    """A mask of the points that can belong to a place: those in the 3 × 3 cells around a cell
    whose own 3 × 3 cells hold at least ``min_cases`` points of the item. A core point of DBSCAN
    lies in such a cell and its border points around it, so DBSCAN on these points alone finds
    exactly the places it finds on all of them — at a fraction of the work."""
    cy, cx = _cells(lat, lon, radius_m)
    # one integer per (item, cell), with a free cell on every side so neighbours never wrap
    width = int(cx.max() - cx.min()) + 3
    height = int(cy.max() - cy.min()) + 3
    keys = (items * height + (cy - cy.min() + 1)) * width + (cx - cx.min() + 1)
    cells, counts = np.unique(keys, return_counts=True)
    offsets = [dy * width + dx for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    around = np.zeros(len(cells), dtype=np.int64)
    for off in offsets:
        at = np.searchsorted(cells, cells + off)
        found = at < len(cells)
        found[found] = cells[at[found]] == cells[found] + off
        around[found] += counts[at[found]]
    dense = cells[around >= min_cases]
    near = np.unique(np.concatenate([dense + off for off in offsets])) if len(dense) else dense
    return np.isin(keys, near)


def _place(item: PatrolItem, rows: list[tuple], grids: dict[int, Grid]) -> Place:
    """A cluster as a place: the case nearest the cluster's centre stands for it (its address, grid)."""
    lat = np.array([r[2] for r in rows])
    lon = np.array([r[1] for r in rows])
    clat, clon = float(lat.mean()), float(lon.mean())
    k = int(np.argmin((lat - clat) ** 2 + ((lon - clon) * np.cos(np.radians(clat))) ** 2))
    centre = rows[k]
    moments = [r[3] for r in rows]
    cases = sorted(
        ({"number": r[0], "reported_at": r[3], "status": r[4], "address": r[6]} for r in rows),
        key=lambda c: c["reported_at"],
        reverse=True,
    )
    return Place(
        item=item,
        cases=cases,
        grid=grids[centre[5]],
        address=centre[6],
        lon=clon,
        lat=clat,
        first=min(moments),
        last=max(moments),
        open_now=sum(1 for r in rows if r[4] in OPEN_STATUSES),
    )


def recurring_places(
    *, user, start: date, end: date, radius_m: float = RADIUS_M, min_cases: int = MIN_CASES, group=None
) -> list[Place]:
    """Places where one item was reported at least ``min_cases`` times within ``radius_m`` of each
    other (DBSCAN's density reachability) over start..end, in the user's scope; most cases first.

    One narrow query reads the period's points (id, item, lon, lat); a lattice of cells keeps the
    points that can belong to a place; DBSCAN clusters those per item; one more query reads the
    clustered cases' details."""
    cases = Case.objects.restrict(user, "cases.view").filter(
        reported_at__gte=day_start(start), reported_at__lt=day_start(end + timedelta(days=1))
    )
    if group is not None:
        cases = cases.filter(big_category=group)
    points = np.array(list(cases.order_by().values_list("id", "item_id", "lat", "lon")), dtype=float).reshape(
        -1, 4
    )
    if not len(points):
        return []
    ids, items, lat, lon = (
        points[:, 0].astype(np.int64),
        points[:, 1].astype(np.int64),
        points[:, 2],
        points[:, 3],
    )
    keep = candidates(items, lat, lon, radius_m, min_cases)
    clusters: dict[tuple[int, int], list[int]] = {}
    for item_id in np.unique(items[keep]).tolist():
        mask = keep & (items == item_id)
        labels = _cluster(np.column_stack([lat[mask], lon[mask]]), radius_m, min_cases)
        for case_id, label in zip(ids[mask].tolist(), labels.tolist(), strict=True):
            if label >= 0:
                clusters.setdefault((item_id, label), []).append(case_id)
    if not clusters:
        return []
    columns = ("id", "number", "lon", "lat", "reported_at", "status", "grid_id", "address")
    wanted = [i for members in clusters.values() for i in members]
    details = {}
    for lo in range(0, len(wanted), 500):  # the database's limit of bound parameters
        details.update(
            {r[0]: r[1:] for r in Case.objects.filter(pk__in=wanted[lo : lo + 500]).values_list(*columns)}
        )
    items_by_id = PatrolItem.objects.in_bulk({i for i, _ in clusters})
    grids = Grid.objects.select_related("village").in_bulk({details[i][5] for i in wanted})
    places = [
        _place(items_by_id[i], [details[c] for c in members], grids) for (i, _), members in clusters.items()
    ]
    places.sort(key=lambda p: (-p.count, -p.open_now, p.item.code, p.grid.code))
    return places
