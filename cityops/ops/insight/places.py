"""Recurring places: the same patrol item reported near the same spot again and again. The cases
of a period are clustered per item with scikit-learn's DBSCAN on the sphere (haversine) with a
radius in metres and a minimum count; each item is one SQL-filtered batch of only the columns the
clustering needs, so a year of the demo town is never held in memory at once."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.db.models import Count

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
    other (DBSCAN's density reachability) over start..end, in the user's scope; most cases first."""
    cases = Case.objects.restrict(user, "cases.view").filter(
        reported_at__gte=day_start(start), reported_at__lt=day_start(end + timedelta(days=1))
    )
    if group is not None:
        cases = cases.filter(big_category=group)
    # one query for the items with enough cases to form a place at all
    item_ids = [
        i for i, n in cases.values_list("item").annotate(n=Count("id")).order_by("item") if n >= min_cases
    ]
    items = PatrolItem.objects.in_bulk(item_ids)
    grids = Grid.objects.select_related("village").in_bulk()
    places: list[Place] = []
    columns = ("number", "lon", "lat", "reported_at", "status", "grid_id", "address")
    for item_id in item_ids:
        rows = list(cases.filter(item_id=item_id).order_by().values_list(*columns))
        labels = _cluster(np.array([(r[2], r[1]) for r in rows]), radius_m, min_cases)
        for label in set(labels.tolist()) - {-1}:
            members = [r for r, lab in zip(rows, labels, strict=True) if lab == label]
            places.append(_place(items[item_id], members, grids))
    places.sort(key=lambda p: (-p.count, -p.open_now, p.item.code, p.grid.code))
    return places
