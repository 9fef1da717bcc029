"""Small synthetic data for decision support: a 6 × 6 town of grids, rollup rows per grid and day,
and cases at chosen points, written directly (the intake would merge repeated reports)."""

from datetime import date, datetime, time
from itertools import count

from django.utils import timezone

from cityops.cases.models import Case, CaseDailyStat, ItemCategory, PatrolItem
from cityops.cases.models.stats import CaseVillageDailyStat
from cityops.geo.models import Grid
from cityops.geo.services import geojson_import
from cityops.org.models import Department
from tests.builders import feature, rect

SIDE = 6
LON0, LAT0, STEP = 113.70, 22.80, 0.01
_numbers = count(1)


def build_grid_town() -> list[Grid]:
    """One area, two villages (west and east half), 6 × 6 grids; grids in row-major order."""
    feats = [feature("town", "GT", "方格镇", rect(LON0, LAT0, LON0 + SIDE * STEP, LAT0 + SIDE * STEP))]
    feats.append(
        feature("area", "GA", "片区", rect(LON0, LAT0, LON0 + SIDE * STEP, LAT0 + SIDE * STEP), "GT")
    )
    half = SIDE // 2
    for v in range(2):
        x0 = LON0 + v * half * STEP
        feats.append(
            feature(
                "village",
                f"GV{v + 1}",
                f"方村{v + 1}",
                rect(x0, LAT0, x0 + half * STEP, LAT0 + SIDE * STEP),
                "GA",
            )
        )
    for row in range(SIDE):
        for col in range(SIDE):
            x, y = LON0 + col * STEP, LAT0 + row * STEP
            feats.append(
                feature(
                    "grid",
                    f"Q{row}{col}",
                    f"方格{row}{col}",
                    rect(x, y, x + STEP, y + STEP),
                    f"GV{col // half + 1}",
                )
            )
    geojson_import(data={"type": "FeatureCollection", "features": feats}, actor_name="test")
    return [Grid.objects.get(code=f"Q{r}{c}") for r in range(SIDE) for c in range(SIDE)]


def group() -> ItemCategory:
    found = ItemCategory.objects.filter(code="E01").first()
    return found or ItemCategory.objects.create(code="E01", name="市容环境", kind="event")


def department() -> Department:
    found = Department.objects.filter(code="D-CG").first()
    return found or Department.objects.create(code="D-CG", name="城市管理局", in_grid=True)


def stat(day: date, grid: Grid, reported: int, big_category: ItemCategory | None = None) -> None:
    """Rollup rows of ``reported`` cases on ``day`` in ``grid`` (both rollups the insight reads)."""
    common = {
        "day": day,
        "area_id": grid.area_id,
        "village_id": grid.village_id,
        "department": department(),
        "big_category": big_category or group(),
        "channel": "patrol",
        "reported": reported,
    }
    key = {k: common[k] for k in ("day", "department", "big_category", "channel")}
    for model, unit in (
        (CaseDailyStat, {"grid": grid}),
        (CaseVillageDailyStat, {"village_id": grid.village_id}),
    ):
        row = model.objects.filter(**key, **unit).first()
        if row:
            row.reported += reported
            row.save(update_fields=["reported"])
        else:
            model.objects.create(**{**common, **unit})


def workstation():
    from cityops.org.models import Workstation

    found = Workstation.objects.filter(level="town").first()
    return found or Workstation.objects.create(code="W-T", name="指挥调度中心", level="town")


def case_at(
    item: PatrolItem, grid: Grid, lon: float, lat: float, day: date, status: str = "reported"
) -> Case:
    moment = timezone.make_aware(datetime.combine(day, time(10)))
    return Case.objects.create(
        number=f"T{next(_numbers):08d}",
        item=item,
        category=item.category,
        big_category=item.big_category,
        channel="patrol",
        status=status,
        address=f"{grid.name}路{lon:.4f}",
        lon=lon,
        lat=lat,
        area_id=grid.area_id,
        village_id=grid.village_id,
        grid=grid,
        department=item.department,
        workstation=workstation(),
        reported_at=moment,
    )
