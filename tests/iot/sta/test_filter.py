"""$filter: every operator family, paths into related entities, geo functions, and invalid filters."""

import pytest

from tests.builders import grid_centre


def results(client, path, flt):
    body = client.json(path, {"$filter": flt})
    return [v.get("result", v.get("name")) for v in body["value"]]


def pm25(sta_data):
    return f"Datastreams({sta_data['streams'][('AIR-G1', 'pm25')].id})/Observations"


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ("result eq 12", [12.0]),
        ("result ne 12", [10.0, 11.5, 35.0, 80.0, 15.0]),
        ("result gt 15", [35.0, 80.0]),
        ("result ge 15", [35.0, 80.0, 15.0]),
        ("result lt 11.5", [10.0]),
        ("result le 11.5", [10.0, 11.5]),
        ("result gt 11 and result lt 20", [11.5, 12.0, 15.0]),
        ("result lt 11 or result gt 50", [10.0, 80.0]),
        ("not (result lt 35)", [35.0, 80.0]),
        ("(result lt 11 or result gt 50) and not (result eq 80)", [10.0]),
        ("result add 5 gt 40", [80.0]),
        ("result sub 5 eq 10", [15.0]),
        ("result mul 2 eq 24", [12.0]),
        ("result div 2 eq 40", [80.0]),
        ("result mod 10 eq 5", [35.0, 15.0]),
        ("round(result) eq 12", [11.5, 12.0]),
        ("floor(result) eq 11", [11.5]),
        ("ceiling(result) eq 12", [11.5, 12.0]),
        ("phenomenonTime ge 2026-11-24T01:04:00Z", [80.0, 15.0]),
        ("phenomenonTime lt 2026-11-24T09:01:00+08:00", [10.0]),
        ("resultTime eq 2026-11-24T01:02:00.000Z", [12.0]),
        ("minute(phenomenonTime) eq 3", [35.0]),
        (
            "hour(phenomenonTime) eq 1 and year(phenomenonTime) eq 2026 and month(phenomenonTime) eq 11",
            [10.0, 11.5, 12.0, 35.0, 80.0, 15.0],
        ),
        ("day(phenomenonTime) eq 24 and second(phenomenonTime) eq 0 and result gt 50", [80.0]),
        ("date(phenomenonTime) eq 2026-11-24 and result lt 11", [10.0]),
        ("time(phenomenonTime) eq 01:05:00", [15.0]),
        ("phenomenonTime lt now() and result eq 10", [10.0]),
        ("phenomenonTime gt mindatetime() and phenomenonTime lt maxdatetime() and result eq 10", [10.0]),
        ("Datastream/Thing/name eq 'AIR-G1' and result gt 70", [80.0]),
        ("Datastream/ObservedProperty/name eq 'PM2.5' and result lt 11", [10.0]),
        ("FeatureOfInterest/name eq 'AIR-G1' and result eq 15", [15.0]),
        ("Datastream/Thing/properties/owner eq '街道办' and result eq 15", [15.0]),
        ("Datastream/Thing/properties/height gt 2 and result eq 15", [15.0]),
        ("Datastream/Thing/properties/height gt 5", []),
        ("Datastream/unitOfMeasurement/symbol eq 'µg/m³' and result eq 15", [15.0]),
    ],
)
def test_observation_filters(sta, sta_data, flt, expected):
    assert results(sta(), pm25(sta_data), flt) == expected


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ("substringof('G1', name)", ["AIR-G1"]),
        ("contains(name, 'WL')", ["WL-G2", "WL-G6"]),
        ("startswith(name, 'AIR')", ["AIR-G1", "AIR-G5"]),
        ("startswith(name, 'air')", []),
        ("endswith(name, '6')", ["WL-G6"]),
        ("length(name) eq 6 and startswith(name, 'A')", ["AIR-G1", "AIR-G5"]),
        ("tolower(name) eq 'wl-g2'", ["WL-G2"]),
        ("toupper(tolower(name)) eq 'WL-G2'", ["WL-G2"]),
        ("trim(concat(' ', name)) eq 'WL-G2'", ["WL-G2"]),
        ("concat(name, '!') eq 'AIR-G5!'", ["AIR-G5"]),
        ("indexof(name, 'G') eq 4", ["AIR-G1", "AIR-G5"]),
        ("substring(name, 3) eq 'G6'", ["WL-G6"]),
        ("substring(name, 0, 2) eq 'WL'", ["WL-G2", "WL-G6"]),
        ("Datastreams/ObservedProperty/name eq '水位'", ["WL-G2", "WL-G6"]),
        ("properties/owner eq '街道办'", ["AIR-G1"]),
        ("properties/deviceType eq 'water'", ["WL-G2", "WL-G6"]),
        ("description eq 'east gate' or name eq 'WL-G6'", ["AIR-G1", "WL-G6"]),
        ("startswith(name, 'AIR') eq false", ["WL-G2", "WL-G6"]),
    ],
)
def test_thing_string_filters(sta, sta_data, flt, expected):
    assert results(sta(), "Things", flt) == expected


def _box(grid: int, half: float = 0.004) -> str:
    lon, lat = grid_centre(grid)
    x0, y0, x1, y1 = lon - half, lat - half, lon + half, lat + half
    return f"geography'POLYGON(({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))'"


def test_geo_functions(sta, sta_data):
    client = sta()
    assert results(client, "Locations", f"st_within(location, {_box(5)})") == ["AIR-G5"]
    assert results(client, "Locations", f"geo.intersects(location, {_box(2)})") == ["WL-G2"]
    assert results(client, "Locations", f"st_intersects(location, {_box(2)})") == ["WL-G2"]
    assert results(client, "FeaturesOfInterest", f"st_contains({_box(6)}, feature)") == ["WL-G6"]
    assert results(client, "Locations", f"not st_within(location, {_box(5)})") == ["AIR-G1", "WL-G2", "WL-G6"]
    lon, lat = grid_centre(1)
    near = f"geo.distance(location, geography'POINT({lon} {lat})') lt 0.001"
    assert results(client, "Locations", near) == ["AIR-G1"]
    assert results(client, "Things", f"st_within(Locations/location, {_box(6)})") == ["WL-G6"]
    assert results(client, "Datastreams", f"st_within(observedArea, {_box(2)})") == ["WL-G2 水位"]
    obs = results(client, "Observations", f"st_within(FeatureOfInterest/feature, {_box(2)}) and result gt 2")
    assert obs == [2.25, 3.0]


@pytest.mark.parametrize(
    ("flt", "fragment"),
    [
        ("result gt", "position 10"),
        ("result >> 5", "unexpected character '>'"),
        ("(result gt 5", "')'"),
        ("result gt 5 and", "end of input"),
        ("nosuch eq 1", "no property 'nosuch'"),
        ("Datastream/Nope/name eq 1", "no property 'Nope'"),
        ("frobnicate(result) eq 1", "Unknown function frobnicate()"),
        ("length(name, name) eq 1", "takes 1 argument"),
        ("st_within(location, geography'POLYGON((0 0, 1 1')", "not valid WKT"),
        ("result", "must be a condition"),
    ],
)
def test_invalid_filter_is_400_with_message(sta, sta_data, flt, fragment):
    path = "Locations" if "location" in flt else pm25(sta_data)
    response = sta().get(path, {"$filter": flt})
    assert response.status_code == 400
    assert fragment in response.json()["message"]
