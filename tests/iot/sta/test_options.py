"""$expand, $select, $orderby, $top, $skip, $count, @iot.nextLink and $resultFormat=dataArray."""

from urllib.parse import parse_qs, urlsplit

from tests.iot.sta.conftest import BASE


def _next(client, link):
    parts = urlsplit(link)
    assert parts.path.startswith(BASE)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return client.json(parts.path[len(BASE) :], params)


def test_expand_nested_with_options(sta, sta_data):
    device = sta_data["devices"]["AIR-G1"]
    body = sta().json(
        f"Things({device.id})",
        {
            "$expand": "Datastreams($filter=ObservedProperty/name eq 'PM2.5';$expand=Observations("
            "$filter=result gt 11;$orderby=result desc;$top=2;$count=true),ObservedProperty)"
        },
    )
    assert "Datastreams@iot.navigationLink" not in body
    [ds] = body["Datastreams"]
    assert ds["ObservedProperty"]["name"] == "PM2.5"
    assert [o["result"] for o in ds["Observations"]] == [80.0, 35.0]
    assert ds["Observations@iot.count"] == 5
    assert (
        ds["Observations@iot.nextLink"].endswith("/Observations?%24top=2&%24skip=2")
        or "$skip=2" in ds["Observations@iot.nextLink"]
    )


def test_expand_slash_path_and_to_one(sta, sta_data):
    body = sta().json("Observations", {"$top": "1", "$expand": "Datastream/Thing,FeatureOfInterest"})
    [obs] = body["value"]
    assert obs["Datastream"]["Thing"]["name"] == "AIR-G1"
    assert obs["FeatureOfInterest"]["feature"]["type"] == "Point"


def test_expand_has_no_n_plus_one(sta, sta_data, django_assert_max_num_queries):
    client = sta()
    client.json("Things", {"$top": "1"})  # warm up the token and role lookups
    with django_assert_max_num_queries(12):
        body = client.json(
            "Things",
            {"$expand": "Datastreams($expand=Observations($top=2),Sensor,ObservedProperty),Locations"},
        )
    sizes = {ds["name"]: len(ds["Observations"]) for t in body["value"] for ds in t["Datastreams"]}
    assert sizes["AIR-G1 PM2.5"] == 2 and sizes["AIR-G1 PM10"] == 2 and sizes["WL-G2 水位"] == 2
    assert sum(sizes.values()) == 6
    assert all(ds["Sensor"] for t in body["value"] for ds in t["Datastreams"])


def test_expand_pages_and_counts_per_parent(sta, sta_data):
    """Each parent's page is its own (ranked per parent in one query), with its own count and link."""
    body = sta().json("Things", {"$expand": "Datastreams($orderby=id desc;$skip=1;$top=1;$count=true)"})
    by_name = {t["name"]: t for t in body["value"]}
    air, water = by_name["AIR-G1"], by_name["WL-G2"]
    assert air["Datastreams@iot.count"] == 3 and water["Datastreams@iot.count"] == 1
    ids = sorted(ds.id for (code, _), ds in sta_data["streams"].items() if code == "AIR-G1")
    assert [ds["@iot.id"] for ds in air["Datastreams"]] == [ids[1]]
    assert "$skip=2" in air["Datastreams@iot.nextLink"] or "%24skip=2" in air["Datastreams@iot.nextLink"]
    assert water["Datastreams"] == [] and "Datastreams@iot.nextLink" not in water


def test_select(sta, sta_data):
    body = sta().json("Things", {"$select": "name,description", "$top": "1"})
    assert body["value"] == [{"name": "AIR-G1", "description": "east gate"}]
    with_id = sta().json("Things", {"$select": "id,name", "$top": "1"})["value"][0]
    assert set(with_id) == {"@iot.id", "@iot.selfLink", "name"}
    assert sta().get("Things", {"$select": "nope"}).status_code == 400


def test_orderby_several_keys(sta, sta_data):
    body = sta().json("Datastreams", {"$orderby": "Thing/name desc,ObservedProperty/name asc"})
    names = [v["name"] for v in body["value"]]
    assert names[:3] == ["WL-G6 水位", "WL-G2 水位", "AIR-G5 PM10"]
    obs = sta().json("Observations", {"$orderby": "result desc", "$top": "3"})
    assert [o["result"] for o in obs["value"]] == [80.0, 42.0, 41.0]
    assert sta().get("Things", {"$orderby": "name sideways"}).status_code == 400


def test_top_skip_count_and_next_link(sta, sta_data):
    client = sta()
    page = client.json("Things", {"$top": "3", "$count": "true"})
    assert page["@iot.count"] == 4 and len(page["value"]) == 3
    last = _next(client, page["@iot.nextLink"])
    assert [t["name"] for t in last["value"]] == ["WL-G6"]
    assert "@iot.nextLink" not in last
    skipped = client.json("Things", {"$skip": "1", "$top": "2"})
    assert [t["name"] for t in skipped["value"]] == ["AIR-G5", "WL-G2"]
    assert "@iot.nextLink" not in client.json("Things")


def test_top_is_capped_and_order_is_stable(sta, sta_data, settings):
    settings.CITYOPS_STA_MAX_TOP = 5
    client = sta()
    page = client.json("Observations", {"$top": "1000"})
    assert len(page["value"]) == 5
    ids = [o["@iot.id"] for o in page["value"]]
    assert ids == sorted(ids)
    assert "%24skiptoken" in page["@iot.nextLink"] or "$skiptoken" in page["@iot.nextLink"]
    seen = list(ids)
    while "@iot.nextLink" in page:
        page = _next(client, page["@iot.nextLink"])
        seen += [o["@iot.id"] for o in page["value"]]
    assert len(seen) == 13 and seen == sorted(seen)


def test_observation_keyset_pages_with_filter(sta, sta_data):
    ds = sta_data["streams"][("AIR-G1", "pm25")]
    client = sta()
    page = client.json(
        f"Datastreams({ds.id})/Observations", {"$filter": "result gt 11", "$top": "2", "$count": "true"}
    )
    results = [o["result"] for o in page["value"]]
    assert page["@iot.count"] == 5
    while "@iot.nextLink" in page:
        page = _next(client, page["@iot.nextLink"])
        assert page["@iot.count"] == 5
        results += [o["result"] for o in page["value"]]
    assert results == [11.5, 12.0, 35.0, 80.0, 15.0]


def test_bad_options_are_400(sta, sta_data):
    client = sta()
    for params in (
        {"$top": "-1"},
        {"$skip": "x"},
        {"$count": "yes"},
        {"$frobnicate": "1"},
        {"$expand": "Nope"},
        {"$resultFormat": "dataArray"},
    ):
        response = client.get("Things", params)
        assert response.status_code == 400, params
        assert response.json()["message"]


def test_data_array_read(sta, sta_data):
    ds = sta_data["streams"][("WL-G2", "water_level")]
    body = sta().json(
        f"Datastreams({ds.id})/Observations",
        {"$resultFormat": "dataArray", "$select": "id,phenomenonTime,result"},
    )
    [block] = body["value"]
    assert block["Datastream@iot.navigationLink"].endswith(f"Datastreams({ds.id})")
    assert block["components"] == ["id", "phenomenonTime", "result"]
    assert [row[1:] for row in block["dataArray"]] == [
        ["2026-11-24T01:00:00Z", 1.0],
        ["2026-11-24T01:01:00Z", 1.5],
        ["2026-11-24T01:02:00Z", 2.25],
        ["2026-11-24T01:03:00Z", 3.0],
    ]
    everything = sta().json("Observations", {"$resultFormat": "dataArray"})
    assert sum(len(b["dataArray"]) for b in everything["value"]) == 13
