"""Writes to the geography: the all-or-nothing GeoJSON import."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from cityops.audit.services import audit_record
from cityops.core.errors import ValidationFailed
from cityops.core.upsert import Outcome, upsert_by_code
from cityops.geo import locate
from cityops.geo.choices import Level
from cityops.geo.geometry import area_m2, geojson_text
from cityops.geo.models import Area, GeoVersion, Grid, Place, Town, Village
from cityops.geo.selectors import invalidate_locator, locate_entries, stored_places, stored_regions
from cityops.geo.validation import ImportPlan, RegionSpec, plan_import

MODELS = {Level.TOWN: Town, Level.AREA: Area, Level.VILLAGE: Village, Level.GRID: Grid}


@dataclass(frozen=True)
class ImportResult:
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: int

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())


def _region_fields(spec: RegionSpec) -> dict:
    g = spec.geometry
    minx, miny, maxx, maxy = g.bounds
    c = g.centroid
    return {
        "name": spec.name,
        "geometry": geojson_text(g),
        "min_lon": minx,
        "min_lat": miny,
        "max_lon": maxx,
        "max_lat": maxy,
        "centroid_lon": round(c.x, 7),
        "centroid_lat": round(c.y, 7),
        "area_m2": round(area_m2(g), 1),
    }


def _upsert(model, code: str, fields: dict, counts: dict, level: str):
    obj, outcome, _ = upsert_by_code(model, code, fields)
    if outcome is Outcome.UNCHANGED:
        counts["unchanged"] += 1
    else:
        counts[outcome.value][level] = counts[outcome.value].get(level, 0) + 1
    return obj


def _write_regions(plan: ImportPlan, counts: dict) -> dict[str, dict[str, object]]:
    rows: dict[str, dict[str, object]] = {lvl: {} for lvl in MODELS}
    for level, model in MODELS.items():
        for code, spec in plan.regions[level].items():
            if spec.index is None:
                continue
            fields = _region_fields(spec)
            if level == Level.AREA:
                fields["town"] = rows[Level.TOWN].get(spec.parent) or Town.objects.get(code=spec.parent)
            elif level == Level.VILLAGE:
                fields["area"] = rows[Level.AREA].get(spec.parent) or Area.objects.get(code=spec.parent)
                fields["is_community"] = bool(spec.props.get("is_community", False))
            elif level == Level.GRID:
                village = rows[Level.VILLAGE].get(spec.parent) or Village.objects.get(code=spec.parent)
                fields["village"], fields["area_id"] = village, village.area_id
            rows[level][code] = _upsert(model, code, fields, counts, level)
    # a village moved to another area takes its grids along
    for grid in Grid.objects.exclude(area_id=F("village__area_id")).select_related("village"):
        grid.area_id = grid.village.area_id
        grid.save(update_fields=["area", "updated_at"])
    return rows


def _write_places(plan: ImportPlan, counts: dict) -> None:
    loc = locate.Locator(locate_entries())
    by_code = {}
    for spec in plan.places:
        hit = loc.locate(spec.lon, spec.lat)
        fields = {
            "name": spec.name,
            "kind": spec.kind,
            "lon": spec.lon,
            "lat": spec.lat,
            "address": spec.address,
            "grid_id": hit.grid_id,
            "village_id": hit.village_id,
            "area_id": hit.area_id,
        }
        by_code[spec.code] = _upsert(Place, spec.code, fields, counts, "place")
    for spec in plan.places:
        if spec.parent:
            parent = by_code.get(spec.parent) or Place.objects.get(code=spec.parent)
            Place.objects.filter(pk=by_code[spec.code].pk).exclude(parent=parent).update(parent=parent)


def relocate_places() -> int:
    """Re-locate every place after grids moved; returns how many changed grid."""
    loc = locate.Locator(locate_entries())
    moved = 0
    for place in Place.objects.all():
        hit = loc.locate(place.lon, place.lat)
        if hit and hit.grid_id != place.grid_id:
            place.grid_id, place.village_id, place.area_id = hit.grid_id, hit.village_id, hit.area_id
            place.save(update_fields=["grid", "village", "area", "updated_at"])
            moved += 1
    return moved


def geojson_import(*, data, by=None, actor_name: str = "") -> ImportResult:
    """Validate a FeatureCollection of regions and places and write it all, or nothing."""
    with transaction.atomic():
        plan = plan_import(data, stored_regions(), stored_places())
        if plan.errors:
            raise ValidationFailed(
                f"The GeoJSON was not imported: {len(plan.errors)} problem(s) found; nothing was written.",
                errors=plan.errors,
            )
        counts = {"created": {}, "updated": {}, "unchanged": 0}
        _write_regions(plan, counts)
        if counts["updated"].get(Level.GRID):
            relocate_places()
        _write_places(plan, counts)
        result = ImportResult(counts["created"], counts["updated"], counts["unchanged"])
        if result.changed:
            bump_version()
            audit_record(
                action="geo.import",
                actor=by,
                actor_name=actor_name,
                object_type="geo.geography",
                after={"created": result.created, "updated": result.updated},
            )
    if result.changed:
        transaction.on_commit(invalidate_locator)
    return result


def bump_version() -> None:
    """Tell every process that the geography changed, so its locate index is rebuilt."""
    GeoVersion.objects.get_or_create(id=1)
    GeoVersion.objects.filter(id=1).update(version=F("version") + 1)
