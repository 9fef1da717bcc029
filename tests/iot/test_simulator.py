"""The demo simulator: its signals behave as the demo promises, and its HTTP transport is ingested."""

import random

import pytest

from cityops.iot import sim_signals as sig


def device(type_code, fault="", **props):
    return sig.Device("D1", type_code, "A1", props, random.Random(1), fault=fault)


def test_rain_lifts_a_creek_past_its_warning_level_and_it_recedes():
    d = device("water_level", warning_level=3.0, guaranteed_level=4.0)
    w = sig.Weather(rain_start=1_000_000.0)
    before = sig.water_level(d, 10, 999_000.0, w)["water_level"]
    peak = sig.water_level(d, 11, 1_000_000.0 + 60 * 60, w)["water_level"]
    after = sig.water_level(d, 20, 1_000_000.0 + 6 * 3600, w)["water_level"]
    assert before < 3.0 - 0.5
    assert peak > 3.0
    assert after < 3.0 - 0.5
    fast = sig.Weather(rain_start=1_000_000.0, speed=10)  # the simulator's --speed 10
    assert fast.rain(1_000_000.0 + 6 * 60) == w.rain(1_000_000.0 + 60 * 60) == 1.0


def test_bins_fill_between_collections_and_are_emptied():
    d = device("waste_bin")
    just_emptied = sig.waste_bin(d, 6.1, 0, sig.Weather())["fill_level"]
    before_collection = sig.waste_bin(d, 14.9, 0, sig.Weather())["fill_level"]
    assert just_emptied < 0.1 < 0.6 < before_collection <= 1.0


def test_streetlights_follow_the_night_and_faulty_lamps_show():
    ok, broken, stuck = (
        device("streetlight"),
        device("streetlight", "broken_lamp"),
        device("streetlight", "stuck_on"),
    )
    assert sig.streetlight(ok, 23, 0, sig.Weather())["lamp_on"] == 1
    assert sig.streetlight(ok, 23, 0, sig.Weather())["power"] > 100
    assert sig.streetlight(ok, 12, 0, sig.Weather())["lamp_on"] == 0
    assert sig.streetlight(broken, 23, 0, sig.Weather())["power"] < 10
    assert sig.streetlight(stuck, 12, 0, sig.Weather())["lamp_on"] == 1


def test_events_and_haze():
    gas = device("gas")
    assert sig.gas(gas, 10, 0, sig.Weather())["gas_lel"] < 5
    gas.event_until = 100
    assert sig.gas(gas, 10, 50, sig.Weather())["gas_lel"] >= 25
    air = device("air_quality")
    clear = sig.air(air, 14, 0, sig.Weather())["pm25"]
    hazy = sig.air(air, 14, 0, sig.Weather(haze_area="A1"))["pm25"]
    assert hazy > 2 * clear


def test_a_faulty_device_sometimes_sends_an_impossible_value():
    d = device("water_level", fault="out_of_range", warning_level=3.0)
    readings = [sig.values(d, 10, 0, sig.Weather())["water_level"] for _ in range(200)]
    assert 999.0 in readings and any(r < 10 for r in readings)


@pytest.mark.django_db(transaction=True)
def test_the_http_transport_is_ingested(live_server, town):
    from cityops.geo.selectors import locate_point
    from cityops.iot.models import Device, DeviceType, Reading
    from cityops.iot.profiles import profiles_install
    from cityops.iot.simulator import Options, simulate
    from tests.builders import grid_centre

    profiles_install(actor_name="test")
    lon, lat = grid_centre(1)
    where = locate_point(lon, lat)
    Device.objects.create(
        code="AQ-1",
        name="AQ-1",
        device_type=DeviceType.objects.get(code="air_quality"),
        lon=lon,
        lat=lat,
        area_id=where.area_id,
        village_id=where.village_id,
        grid_id=where.grid_id,
    )
    opts = Options(transport="http", url=live_server.url, speed=300, duration=3, types=("air_quality",))
    sent = simulate(opts)
    assert sent >= 2
    assert Reading.objects.count() == 4 * sent  # PM2.5, PM10, O₃ and NO₂ in every reading
