"""Bounds on what one request may ask for ($expand depth, entities per response and per $batch), and
input out of range (huge integers, infinite floats, instants beyond year 9999 in UTC, mismatched
kinds in $filter): each a 400 that names the parameter, never a 500, and nothing written."""

import json

import pytest

from cityops.audit.models import AuditRecord
from cityops.iot.models import Datastream, Device, DeviceLocation, Reading
from tests.iot.sta.conftest import BASE, T0

HUGE = "99999999999999999999"  # beyond 64 bits
INT64_MAX = str(2**63 - 1)


def _error(response, fragment: str) -> str:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == 400 and body["type"] == "Bad Request"
    assert fragment in body["message"], body["message"]
    return body["message"]


def _snapshot():
    return (
        Device.objects.count(),
        Datastream.objects.count(),
        DeviceLocation.objects.count(),
        sorted(Reading.objects.values_list("id", "value")),
        AuditRecord.objects.count(),
    )


def _batch(client, requests):
    response = client.client.post(
        BASE + "$batch", json.dumps({"requests": requests}), content_type="application/json", **client.headers
    )
    assert response.status_code == 200, response.content
    return {r["id"]: r for r in response.json()["responses"]}


# $expand


def _thing_ds_chain(pairs: int) -> str:
    return "/".join(["Datastreams", "Thing"] * pairs)


def test_expand_deeper_than_the_limit_is_400_before_anything_is_read(
    sta, sta_data, django_assert_max_num_queries
):
    client = sta()
    with django_assert_max_num_queries(10) as captured:
        response = client.get("Things", {"$top": "1", "$expand": _thing_ds_chain(25)})
    assert not [q["sql"] for q in captured.captured_queries if "iot_" in q["sql"]]  # no entity read
    message = _error(response, "$expand nests 50 levels deep")
    assert "at most 5 are allowed" in message
    nested = (
        "Datastreams($expand=Thing($expand=Datastreams($expand=Thing($expand=Datastreams($expand=Thing)))))"
    )
    _error(client.get("Things", {"$expand": nested}), "$expand nests 6 levels deep")
    assert (
        client.get("Things", {"$top": "1", "$expand": _thing_ds_chain(2) + "/Datastreams"}).status_code == 200
    )


def test_expand_depth_is_a_setting(sta, sta_data, settings):
    settings.CITYOPS_STA_MAX_EXPAND_DEPTH = 1
    client = sta()
    assert client.get("Things", {"$expand": "Datastreams"}).status_code == 200
    _error(client.get("Things", {"$expand": "Datastreams/Thing"}), "at most 1 are allowed")


def test_entity_budget_counts_each_repeated_child(sta, sta_data, settings):
    """Things(AIR-G1) → 3 Datastreams → their Thing (3, one each) → 3 Datastreams each (9) → 9
    Things: 1 + 3 + 3 + 9 + 9 = 25 entities, where the naive count of distinct rows is 4."""
    air = sta_data["devices"]["AIR-G1"]
    params = {"$expand": _thing_ds_chain(2)}
    settings.CITYOPS_STA_MAX_ENTITIES = 25
    body = sta().json(f"Things({air.id})", params)
    assert [len(ds["Thing"]["Datastreams"]) for ds in body["Datastreams"]] == [3, 3, 3]
    settings.CITYOPS_STA_MAX_ENTITIES = 24
    message = _error(sta().get(f"Things({air.id})", params), "at most 24 are allowed")
    assert "CITYOPS_STA_MAX_ENTITIES" in message


def test_entity_budget_bounds_the_product_of_tops(sta, sta_data, settings):
    """4 Things, 8 Datastreams, 13 Observations: $top=1000 at each level still fits 25 only."""
    params = {"$expand": "Datastreams($top=1000;$expand=Observations($top=1000))"}
    settings.CITYOPS_STA_MAX_ENTITIES = 25
    body = sta().json("Things", params)
    assert sum(len(ds["Observations"]) for t in body["value"] for ds in t["Datastreams"]) == 13
    settings.CITYOPS_STA_MAX_ENTITIES = 24
    _error(sta().get("Things", params), "at most 24 are allowed")
    settings.CITYOPS_STA_MAX_ENTITIES = 11  # refused at the Datastreams, before any Observation
    _error(sta().get("Things", params), "at most 11 are allowed")


def test_a_batch_shares_one_entity_budget(sta, sta_data, settings):
    settings.CITYOPS_STA_MAX_ENTITIES = 20
    url = "Things?$expand=Datastreams"  # 4 + 8 = 12 entities
    requests = [{"id": i, "method": "get", "url": url} for i in "ab"]
    answers = _batch(sta(), [*requests, {"id": "c", "method": "get", "url": "Things?$top=1"}])
    assert answers["a"]["status"] == 200 and len(answers["a"]["body"]["value"]) == 4
    assert answers["b"]["status"] == 400
    assert "at most 20 are allowed" in answers["b"]["body"]["message"]
    # what the refused request read is spent: a batch cannot repeat refused work many times
    assert answers["c"]["status"] == 400


def test_expand_depth_applies_inside_a_batch(sta, sta_data):
    url = "Things?$top=1&$expand=" + _thing_ds_chain(10)
    answers = _batch(sta(), [{"id": "deep", "method": "get", "url": url}])
    assert answers["deep"]["status"] == 400
    assert "$expand nests 20 levels deep" in answers["deep"]["body"]["message"]


# reads: input out of range is a 400 naming the parameter


def _pm25(sta_data) -> str:
    return f"Datastreams({sta_data['streams'][('AIR-G1', 'pm25')].id})/Observations"


@pytest.mark.parametrize(
    ("path", "params", "fragment"),
    [
        ("Things", {"$skip": HUGE}, f"$skip must be at most {INT64_MAX}"),
        ("Observations", {"$skip": HUGE}, "$skip must be at most"),
        ("Things", {"$top": "9" * 5000}, "$top must be at most"),
        ("Observations", {"$skiptoken": HUGE}, "$skiptoken must be at most"),
        ("Things", {"$expand": f"Datastreams($skip={HUGE})"}, "$skip must be at most"),
        ("Things", {"$filter": "properties/x eq 1e999"}, "Invalid $filter: the number 1e999 is not a finite"),
        ("Things", {"$filter": f"properties/x eq {HUGE}"}, "Invalid $filter: the integer"),
        (
            "Observations",
            {"$filter": "result eq 99999999999999999999999999999999"},
            "outside the 64-bit range",
        ),
        ("Observations", {"$filter": "result gt 1.5e400"}, "is not a finite double"),
        ("Things", {"$filter": "id eq 9999999999999999999999"}, "Invalid $filter: the integer"),
        ("Observations", {"$filter": "phenomenonTime gt 9999-12-31T23:59:59-14:00"}, "outside years 1–9999"),
        ("Observations", {"$filter": "phenomenonTime lt 0001-01-01T00:00:00+14:00"}, "outside years 1–9999"),
        ("Things", {"$filter": f"substring(name, {HUGE}) eq 'a'"}, "Invalid $filter: the integer"),
        ("Things", {"$filter": f"indexof(name,'a') eq {HUGE}"}, "Invalid $filter: the integer"),
        ("Observations", {"$filter": f"year(phenomenonTime) eq {HUGE}"}, "Invalid $filter: the integer"),
        ("Locations", {"$filter": "st_within(location, geography'POINT(1e999 0)')"}, "not finite"),
        ("Things", {"$expand": f"Datastreams($filter=id eq {HUGE})"}, "Invalid $filter: the integer"),
        # kinds that a database refuses to compare or compute with
        ("Things", {"$filter": "properties/x eq 2020-01-01T00:00:00Z"}, "properties/x is a JSON member"),
        (
            "Things",
            {"$filter": "properties/x add 1 eq 2"},
            "add takes numbers; properties/x is a JSON member",
        ),
        ("Things", {"$filter": "name add 1 gt 0"}, "add takes numbers; name is a string"),
        ("Things", {"$filter": "name gt 5"}, "cannot compare name (a string) with 5 (a number)"),
        ("Things", {"$filter": "name eq 2020-01-01T00:00:00Z"}, "cannot compare name (a string)"),
        ("Things", {"$filter": "year(name) eq 1"}, "Argument 1 of year() must be a datetime or a date"),
        ("Things", {"$filter": "length(id) eq 1"}, "Argument 1 of length() must be a string"),
        ("Things", {"$filter": "substring(name, 'a') eq 'b'"}, "Argument 2 of substring() must be a number"),
        ("Things", {"$filter": "properties eq 'x'"}, "properties is an object"),
        ("Observations", {"$filter": "year(time(phenomenonTime)) eq 1"}, "Argument 1 of year()"),
    ],
)
def test_input_out_of_range_is_400_naming_the_parameter(sta, sta_data, path, params, fragment):
    _error(sta().get(path, params), fragment)


@pytest.mark.parametrize(
    ("path", "flt", "count"),
    [
        # within range: answered, whatever the database's own integer sizes or division rules
        ("Things", f"substring(name, {INT64_MAX}) eq ''", 4),
        ("Things", "substring(name, 0, indexof(name, 'x')) eq ''", 4),  # a negative length is empty
        ("Things", f"id add {INT64_MAX} gt 0", 4),
        ("Things", f"id mul {INT64_MAX} gt 0", 4),
        ("Things", f"indexof(name, 'A') eq {INT64_MAX}", 0),
        ("pm25", "result div 0 eq 1", 0),
        ("pm25", "result mod 0 eq 1", 0),
        ("pm25", f"year(phenomenonTime) eq {INT64_MAX}", 0),
        ("pm25", "phenomenonTime gt 0001-01-01T00:00:00Z", 6),
        ("pm25", "phenomenonTime lt 9999-12-31T23:59:59+14:00", 6),
        ("pm25", "result gt -1.7e308", 6),
    ],
)
def test_extreme_values_within_range_are_answered(sta, sta_data, path, flt, count):
    path = _pm25(sta_data) if path == "pm25" else path
    body = sta().json(path, {"$filter": flt, "$count": "true"})
    assert body["@iot.count"] == count


def test_extreme_paging_is_an_empty_page(sta, sta_data):
    client = sta()
    assert client.json("Things", {"$skip": INT64_MAX})["value"] == []
    assert client.json(_pm25(sta_data), {"$skip": INT64_MAX, "$orderby": "result"})["value"] == []
    assert client.json("Observations", {"$skiptoken": INT64_MAX})["value"] == []
    assert (
        client.json("Things", {"$expand": f"Datastreams($skip={INT64_MAX})"})["value"][0]["Datastreams"] == []
    )


def test_arithmetic_overflowing_on_stored_values_is_400_or_answered(sta, sta_data):
    """PostgreSQL refuses a double beyond 1.8e308 (a 400); SQLite computes infinity (an answer)."""
    response = sta().get(_pm25(sta_data), {"$filter": "result mul 1e300 mul 1e300 gt 0"})
    if response.status_code == 400:
        assert "$filter could not be evaluated on the stored values" in response.json()["message"]
    else:
        assert [o["result"] for o in response.json()["value"]] == [10.0, 11.5, 12.0, 35.0, 80.0, 15.0]


@pytest.mark.parametrize(
    "path", [f"Things({HUGE})", f"Observations({HUGE})", "Things({air})/Datastreams(" + HUGE + ")"]
)
def test_ids_beyond_64_bits_in_paths_are_404(sta, sta_data, path):
    response = sta().get(path.format(air=sta_data["devices"]["AIR-G1"].id))
    assert response.status_code == 404
    assert "is not an id of this service (ids are 64-bit integers)" in response.json()["message"]


# writes: refused with a 400 naming the member, and nothing changes


def _write_cases(sta_data):
    ds = sta_data["streams"][("AIR-G1", "pm25")]
    air = sta_data["devices"]["AIR-G1"]
    obs = Reading.objects.filter(datastream=ds).order_by("id").first()
    history = DeviceLocation.objects.create(device=air, time=T0, lon=air.lon, lat=air.lat)
    return {
        "time after 9999": (
            "post",
            f"Datastreams({ds.id})/Observations",
            {"phenomenonTime": "9999-12-31T23:59:59-14:00", "result": 1},
            "phenomenonTime: the instant 9999-12-31T23:59:59-14:00 is outside years 1–9999",
        ),
        "time before year 1": (
            "post",
            f"Datastreams({ds.id})/Observations",
            {"phenomenonTime": "0001-01-01T00:00:00+14:00", "result": 1},
            "phenomenonTime: the instant",
        ),
        "time without offset": (
            "post",
            f"Datastreams({ds.id})/Observations",
            {"phenomenonTime": "2026-11-24T01:00:00", "result": 1},
            "phenomenonTime '2026-11-24T01:00:00' is not an ISO 8601 instant with a UTC offset",
        ),
        "huge result": (
            "post",
            f"Datastreams({ds.id})/Observations",
            f'{{"phenomenonTime": "2026-11-24T01:30:00Z", "result": {HUGE}}}',
            "The request body holds a number we cannot store: the integer",
        ),
        "infinite result": (
            "post",
            f"Datastreams({ds.id})/Observations",
            '{"phenomenonTime": "2026-11-24T01:30:00Z", "result": 1e999}',
            "the number 1e999 is not a finite double",
        ),
        "NaN result": ("patch", f"Observations({obs.id})", '{"result": NaN}', "NaN is not a JSON number"),
        "huge number in properties": (
            "patch",
            f"Things({air.id})",
            f'{{"properties": {{"owner": {HUGE}}}}}',
            "The request body holds a number we cannot store",
        ),
        "link id beyond 64 bits": (
            "post",
            "Datastreams",
            f'{{"name": "x", "description": "", "Thing": {{"@iot.id": {INT64_MAX}1}}}}',
            "The request body holds a number we cannot store",
        ),
        "link id not a number": (
            "post",
            "Observations",
            {"Datastream": {"@iot.id": "abc"}, "phenomenonTime": "2026-11-24T01:30:00Z", "result": 1},
            "@iot.id of a Datastream link must be an integer id, not 'abc'",
        ),
        "historical time beyond 9999": (
            "patch",
            f"HistoricalLocations({history.id})",
            {"time": "9999-12-31T23:59:59-01:00"},
            "time: the instant 9999-12-31T23:59:59-01:00 is outside years 1–9999",
        ),
    }


WRITE_CASES = [
    "time after 9999",
    "time before year 1",
    "time without offset",
    "huge result",
    "infinite result",
    "NaN result",
    "huge number in properties",
    "link id beyond 64 bits",
    "link id not a number",
    "historical time beyond 9999",
]


@pytest.mark.parametrize("case", WRITE_CASES)
def test_writes_out_of_range_are_400_and_change_nothing(sta, sta_data, case):
    method, path, body, fragment = _write_cases(sta_data)[case]
    client = sta("steward")  # a token first: it is audited
    before = _snapshot()
    text = body if isinstance(body, str) else json.dumps(body)
    response = getattr(client.client, method)(
        BASE + path, text, content_type="application/json", **client.headers
    )
    _error(response, fragment)
    assert _snapshot() == before


def test_out_of_range_inside_a_batch_is_400_for_that_request_only(sta, sta_data):
    ds = sta_data["streams"][("AIR-G1", "pm25")]
    client = sta("steward")
    before = _snapshot()
    answers = _batch(
        client,
        [
            {"id": "skip", "method": "get", "url": f"Things?$skip={HUGE}"},
            {"id": "filter", "method": "get", "url": "Observations?$filter=result eq 1e999"},
            {
                "id": "write",
                "method": "post",
                "url": f"Datastreams({ds.id})/Observations",
                "body": {"phenomenonTime": "9999-12-31T23:59:59-14:00", "result": 1},
            },
            {"id": "fine", "method": "get", "url": "Things?$top=1"},
        ],
    )
    assert answers["skip"]["status"] == 400 and "$skip must be at most" in answers["skip"]["body"]["message"]
    assert answers["filter"]["status"] == 400 and "1e999" in answers["filter"]["body"]["message"]
    assert answers["write"]["status"] == 400 and "outside years 1–9999" in answers["write"]["body"]["message"]
    assert answers["fine"]["status"] == 200
    assert _snapshot() == before


def test_a_batch_body_with_an_infinite_number_is_400(sta, sta_data):
    client = sta("steward")
    before = _snapshot()
    text = '{"requests": [{"id": "a", "method": "post", "url": "Things", "body": {"name": 1e999}}]}'
    response = client.client.post(BASE + "$batch", text, content_type="application/json", **client.headers)
    _error(response, "the number 1e999 is not a finite double")
    assert _snapshot() == before
