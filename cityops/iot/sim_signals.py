"""What each demo device type measures at a given moment: daily rhythms, weather, faults.

Values are plausible for a Pearl River Delta town in late autumn: PM2.5 of 25–45 µg/m³ with a
morning and an evening peak, ozone peaking in the afternoon, roadside noise near its zone limit,
creek levels a metre under their warning level until it rains, bins filling between collections
at 06:00 and 15:00, streetlights on from 18:30 to 06:00. A few devices are faulty for the whole
run (a broken lamp, a lamp stuck on, a flat battery) so the demo's rules have something to find.
"""

import math
import random
from dataclasses import dataclass, field

COLLECTIONS = (6.0, 15.0)  # local hours the bins are emptied
LIGHTS_ON, LIGHTS_OFF = 18.5, 6.0


@dataclass
class Weather:
    """Town-wide conditions: a rain event raises the water levels, a haze episode the PM2.5."""

    rain_start: float | None = None  # epoch seconds
    haze_area: str | None = None
    speed: float = 1.0  # the simulator's speed-up: the rain's hours pass as fast as the reports

    def rain(self, now: float) -> float:
        """0 … 1: the share of the flood peak reached (rises 45 min, holds 1 h, recedes 3 h)."""
        if self.rain_start is None or now < self.rain_start:
            return 0.0
        t = (now - self.rain_start) / 60 * self.speed
        if t < 45:
            return t / 45
        if t < 105:
            return 1.0
        return max(0.0, 1 - (t - 105) / 180)


@dataclass
class Device:
    """One simulated device: its code, type, properties and the faults it carries this run."""

    code: str
    type_code: str
    area: str
    props: dict
    rng: random.Random
    phase: float = 0.0
    fault: str = ""  # "", "broken_lamp", "stuck_on", "flat_battery", "silent", "out_of_range"
    event_until: float = 0.0  # an event (smoke, gas, open cover) lasting until then
    battery: float = field(default=1.0)

    def __post_init__(self):
        self.phase = self.rng.uniform(-0.5, 0.5)
        self.battery = 0.12 if self.fault == "flat_battery" else self.rng.uniform(0.45, 1.0)


def _peaks(hour: float) -> float:
    """Traffic-shaped daily curve: 0 at night, peaks near 08:00 and 18:30."""
    return math.exp(-(((hour - 8) / 1.6) ** 2)) + math.exp(-(((hour - 18.5) / 2.0) ** 2))


def air(d: Device, hour: float, now: float, w: Weather) -> dict:
    base = 28 + 10 * d.phase + 14 * _peaks(hour + d.phase)
    if w.haze_area == d.area:
        base *= 3.2
    pm25 = max(3.0, d.rng.gauss(base, 3))
    sun = max(0.0, math.sin(math.pi * (hour - 8) / 10))
    return {
        "pm25": round(pm25, 1),
        "pm10": round(pm25 * d.rng.uniform(1.4, 1.8), 1),
        "no2": round(max(2.0, d.rng.gauss(18 + 30 * _peaks(hour), 4)), 1),
        "o3": round(max(2.0, d.rng.gauss(35 + 95 * sun, 8)), 1),
    }


def noise(d: Device, hour: float, now: float, w: Weather) -> dict:
    zone = str(d.props.get("zone_class", "2"))
    day = 6 <= hour < 22
    limit = {"0": (50, 40), "1": (55, 45), "2": (60, 50), "3": (65, 55), "4a": (70, 55), "4b": (70, 60)}
    lim = limit.get(zone, (60, 50))[0 if day else 1]
    level = lim - 7 + 4 * _peaks(hour) + d.rng.gauss(0, 1.5)
    if now < d.event_until:  # construction after hours, a loudspeaker …
        level += 12
    return {"laeq": round(level, 1)}


def water_level(d: Device, hour: float, now: float, w: Weather) -> dict:
    warning = float(d.props.get("warning_level", 3.0))
    guaranteed = float(d.props.get("guaranteed_level", warning + 1))
    if warning < 1:  # a road ponding gauge: dry until it rains
        level = max(0.0, 0.02 + (guaranteed + 0.1) * w.rain(now) * (0.7 + 0.6 * (d.phase + 0.5)))
    else:
        tide = 0.15 * math.sin(2 * math.pi * (hour / 12.4 + d.phase))
        surge = (guaranteed - warning + 1.3) * w.rain(now) * (0.6 + 0.8 * (d.phase + 0.5))
        level = warning - 1.1 + tide + surge
    # sensor noise of 1 cm between real readings; sped-up readings come closer together, so less of it
    # (or the rate-of-rise rule would see a flood in the noise)
    noise = d.rng.gauss(0, 0.01 / w.speed)
    return {"water_level": round(level + noise, 3), "battery": round(d.battery, 2)}


def manhole(d: Device, hour: float, now: float, w: Weather) -> dict:
    opened = now < d.event_until
    tilt = d.rng.uniform(25, 60) if opened else abs(d.rng.gauss(0.6, 0.3))
    return {"tilt": round(tilt, 1), "cover_open": 1 if opened else 0, "battery": round(d.battery, 2)}


def smoke(d: Device, hour: float, now: float, w: Weather) -> dict:
    return {"smoke": 1 if now < d.event_until else 0, "battery": round(d.battery, 2)}


def gas(d: Device, hour: float, now: float, w: Weather) -> dict:
    lel = d.rng.uniform(25, 60) if now < d.event_until else abs(d.rng.gauss(1.0, 0.6))
    return {"gas_lel": round(lel, 1)}


def waste_bin(d: Device, hour: float, now: float, w: Weather) -> dict:
    since = min((hour - c) % 24 for c in COLLECTIONS)
    rate = 0.07 + 0.05 * (d.phase + 0.5)  # of the bin an hour
    return {"fill_level": round(min(1.0, 0.05 + rate * since), 3), "battery": round(d.battery, 2)}


def streetlight(d: Device, hour: float, now: float, w: Weather) -> dict:
    night = hour >= LIGHTS_ON or hour < LIGHTS_OFF
    on = night or d.fault == "stuck_on"
    rated = float(d.props.get("rated_power", 120))
    power = 3.0 if d.fault == "broken_lamp" else rated * d.rng.uniform(0.95, 1.03)
    return {"lamp_on": 1 if on else 0, "power": round(power if on else 0.4, 1)}


def parking(d: Device, hour: float, now: float, w: Weather) -> dict:
    busy = 0.25 + 0.55 * math.exp(-(((hour - 13) / 4.5) ** 2))
    return {"occupied": 1 if d.rng.random() < busy else 0, "battery": round(d.battery, 2)}


def generic(d: Device, hour: float, now: float, w: Weather) -> dict:
    return {"value": round(d.rng.gauss(50, 10), 2)}


SIGNALS = {
    "air_quality": air,
    "noise": noise,
    "water_level": water_level,
    "manhole": manhole,
    "smoke": smoke,
    "gas": gas,
    "waste_bin": waste_bin,
    "streetlight": streetlight,
    "parking": parking,
    "generic": generic,
}
# Types whose devices sometimes have an event: (share of devices an hour, minutes it lasts).
EVENTS = {"smoke": (0.0004, 4), "gas": (0.002, 6), "manhole": (0.0005, 90), "noise": (0.01, 30)}
# An impossible value a faulty device sends now and then (the ingest must dead-letter it).
OUT_OF_RANGE = {
    "air_quality": {"pm25": -12.0},
    "water_level": {"water_level": 999.0},
    "gas": {"gas_lel": 140.0},
    "noise": {"laeq": 5.0},
}


def values(d: Device, hour: float, now: float, w: Weather) -> dict:
    """The reading of a device now; a faulty device's impossible value replaces one quantity."""
    out = SIGNALS.get(d.type_code, generic)(d, hour, now, w)
    if d.fault == "out_of_range" and d.rng.random() < 0.2:
        out.update(OUT_OF_RANGE.get(d.type_code, {}))
    return out
