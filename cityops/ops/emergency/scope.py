"""Where an incident stands: the unit that holds all its affected grids, and which units lie inside it."""

from cityops.geo.models import Grid
from cityops.org.models import Workstation


def covering_unit(grids: list[Grid]) -> dict:
    """The area, village and grid ids of the smallest unit holding all ``grids`` (None where they differ)."""
    areas = {g.area_id for g in grids}
    villages = {g.village_id for g in grids}
    return {
        "area_id": areas.pop() if len(areas) == 1 else None,
        "village_id": villages.pop() if len(villages) == 1 else None,
        "grid_id": grids[0].pk if len(grids) == 1 else None,
    }


def workstation_in_scope(workstation: Workstation, incident) -> bool:
    """Whether the workstation's unit holds at least one affected grid (the town's centre always does)."""
    if workstation.level == "town":
        return True
    affected = incident.affected.all()
    if workstation.level == "area":
        return affected.filter(grid__area_id=workstation.area_id).exists()
    return affected.filter(grid__village_id=workstation.village_id).exists()
