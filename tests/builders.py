"""A small town for tests: 2 areas × 2 villages × 2 grids, built through the GeoJSON import.

Layout (lon 113.80–113.84, lat 22.88–22.92), each cell 0.01° wide and 0.02° high::

    A1 (west)            A2 (east)
    V1N: G1 G2 | V2N ... | V3N: G5 G6 | V4N ...
"""

from cityops.geo.services import geojson_import

LON0, LAT0 = 113.80, 22.88
STEP = 0.01


def rect(x0, y0, x1, y1) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def feature(level, code, name, geometry, parent=None, **props) -> dict:
    p = {"level": level, "code": code, "name": name, **props}
    if parent:
        p["parent"] = parent
    return {"type": "Feature", "geometry": geometry, "properties": p}


def small_town_features() -> list[dict]:
    feats = [feature("town", "T", "测试镇", rect(LON0, LAT0, LON0 + 4 * STEP, LAT0 + 4 * STEP))]
    grid_no = 0
    for a in range(2):
        ax = LON0 + a * 2 * STEP
        feats.append(
            feature("area", f"A{a + 1}", f"片区{a + 1}", rect(ax, LAT0, ax + 2 * STEP, LAT0 + 4 * STEP), "T")
        )
        for v in range(2):
            vno = a * 2 + v + 1
            vy = LAT0 + v * 2 * STEP
            feats.append(
                feature(
                    "village", f"V{vno}", f"村{vno}", rect(ax, vy, ax + 2 * STEP, vy + 2 * STEP), f"A{a + 1}"
                )
            )
            for g in range(2):
                grid_no += 1
                gx = ax + g * STEP
                feats.append(
                    feature(
                        "grid",
                        f"G{grid_no}",
                        f"网格{grid_no}",
                        rect(gx, vy, gx + STEP, vy + 2 * STEP),
                        f"V{vno}",
                    )
                )
    return feats


def grid_centre(n: int) -> tuple[float, float]:
    """(lon, lat) of the middle of grid Gn (1-based)."""
    idx = n - 1
    village, g = divmod(idx, 2)
    area, v = divmod(village, 2)
    return LON0 + area * 2 * STEP + g * STEP + STEP / 2, LAT0 + v * 2 * STEP + STEP


def build_small_town(with_places: bool = True):
    feats = small_town_features()
    if with_places:
        lon, lat = grid_centre(1)
        feats.append(
            feature("place", "S1", "第一小学", {"type": "Point", "coordinates": [lon, lat]}, kind="school")
        )
        lon, lat = grid_centre(5)
        feats.append(
            feature("place", "S2", "第二小学", {"type": "Point", "coordinates": [lon, lat]}, kind="school")
        )
        feats.append(
            feature(
                "place",
                "C2",
                "第二小学食堂",
                {"type": "Point", "coordinates": [lon + 0.001, lat]},
                kind="canteen",
                parent="S2",
            )
        )
    return geojson_import(data={"type": "FeatureCollection", "features": feats}, actor_name="test")


def place_device(code: str, device_type, grid: int):
    """A device of ``device_type`` at the centre of grid ``grid`` of the small town, placed in its
    area, village and grid as the device import places one."""
    from cityops.geo.selectors import locate_point
    from cityops.iot.models import Device

    lon, lat = grid_centre(grid)
    where = locate_point(lon, lat)
    return Device.objects.create(
        code=code,
        name=code,
        device_type=device_type,
        lon=lon,
        lat=lat,
        area_id=where.area_id,
        village_id=where.village_id,
        grid_id=where.grid_id,
    )


def audit_chained(*records):
    """Run the audit chain's sequencer, as the worker does within a second of a commit (on
    PostgreSQL records are written unchained), and read ``records`` again, chained."""
    from cityops.audit.models import AuditRecord
    from cityops.audit.services import audit_chain

    audit_chain()
    return [AuditRecord.objects.get(pk=r.pk) for r in records]
