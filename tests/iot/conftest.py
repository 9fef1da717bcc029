"""IoT fixtures shared by the ingest, rules and SensorThings tests: two device types and four devices
in the small town (each suite adds its own fixtures in its own folder)."""

import pytest

from tests.builders import grid_centre


@pytest.fixture
def iot_types(db):
    """An air-quality type (PM2.5, PM10, NO₂) and a water-level type, with valid ranges."""
    from cityops.iot.models import DeviceType, DeviceTypeQuantity, Quantity

    q = {
        code: Quantity.objects.create(code=code, name=name, unit_name=unit_name, unit_symbol=symbol)
        for code, name, unit_name, symbol in [
            ("pm25", "PM2.5", "microgram per cubic metre", "µg/m³"),
            ("pm10", "PM10", "microgram per cubic metre", "µg/m³"),
            ("no2", "二氧化氮", "microgram per cubic metre", "µg/m³"),
            ("water_level", "水位", "metre", "m"),
        ]
    }
    air = DeviceType.objects.create(
        code="air", name="空气质量监测仪", report_interval_s=60, offline_after_s=600
    )
    water = DeviceType.objects.create(
        code="water", name="水位计", report_interval_s=300, offline_after_s=1800
    )
    for code in ("pm25", "pm10", "no2"):
        DeviceTypeQuantity.objects.create(device_type=air, quantity=q[code], min_valid=0, max_valid=1000)
    DeviceTypeQuantity.objects.create(
        device_type=water, quantity=q["water_level"], min_valid=-5, max_valid=30
    )
    return {"air": air, "water": water, "quantities": q}


@pytest.fixture
def iot_devices(town, iot_types):
    """AIR-G1 and AIR-G5 (air, grids 1 and 5), WL-G2 and WL-G6 (water, grids 2 and 6), with datastreams."""
    from cityops.geo.selectors import locate_point
    from cityops.iot.models import Datastream, Device

    devices = {}
    for code, kind, grid in [
        ("AIR-G1", "air", 1),
        ("AIR-G5", "air", 5),
        ("WL-G2", "water", 2),
        ("WL-G6", "water", 6),
    ]:
        lon, lat = grid_centre(grid)
        where = locate_point(lon, lat)
        device = Device.objects.create(
            code=code,
            name=code,
            device_type=iot_types[kind],
            lon=lon,
            lat=lat,
            area_id=where.area_id,
            village_id=where.village_id,
            grid_id=where.grid_id,
        )
        for tq in iot_types[kind].type_quantities.all():
            Datastream.objects.create(device=device, quantity=tq.quantity)
        devices[code] = device
    return devices
