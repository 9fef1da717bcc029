"""Observations answer the same before and after compaction into hourly blocks."""

import pytest

from cityops.iot.compaction import compact_datastream
from cityops.iot.models import TIME_MASK, Reading, ReadingBlock

QUERIES = [
    {},
    {"$filter": "result gt 11 and result lt 50"},
    {"$filter": "not (result lt 35) or minute(phenomenonTime) eq 1"},
    {"$filter": "phenomenonTime ge 2026-11-24T01:02:00Z and phenomenonTime le 2026-11-24T01:04:00Z"},
    {"$filter": "Datastream/Thing/name eq 'AIR-G1' and result mod 2 eq 0"},
    {"$filter": "Datastream/ObservedProperty/name eq '水位' and round(result) eq 2"},
    {"$orderby": "result desc", "$top": "4", "$count": "true"},
    {"$orderby": "phenomenonTime desc,result asc", "$skip": "2", "$top": "5"},
    {"$top": "3", "$count": "true"},
    {"$filter": "result ge 12", "$resultFormat": "dataArray"},
]


def _snapshot(client, sta_data):
    ds = sta_data["streams"][("AIR-G1", "pm25")]
    out = []
    for params in QUERIES:
        for path in ("Observations", f"Datastreams({ds.id})/Observations"):
            out.append(client.json(path, params))
    out.append(
        client.json("Datastreams", {"$expand": "Observations($filter=result gt 2;$top=2;$count=true)"})
    )
    first = client.json("Observations", {"$top": "1"})["value"][0]["@iot.id"]
    out.append(client.json(f"Observations({first})"))
    return out


def test_same_answers_after_compaction(sta, sta_data):
    client = sta()
    before = _snapshot(client, sta_data)
    for ds in sta_data["streams"].values():
        compact_datastream(ds=ds.id, cutoff_ms=TIME_MASK)
    assert Reading.objects.count() == 0
    assert ReadingBlock.objects.count() == 3
    assert _snapshot(client, sta_data) == before


def test_half_compacted_pages_merge_both_tiers(sta, sta_data):
    """Blocks and raw rows of the same streams page together, in id order, each once."""
    client = sta()
    everything = [o["@iot.id"] for o in client.json("Observations")["value"]]
    ds = sta_data["streams"][("AIR-G1", "pm25")]
    compact_datastream(ds=ds.id, cutoff_ms=TIME_MASK)
    page = client.json("Observations", {"$top": "4"})
    seen = [o["@iot.id"] for o in page["value"]]
    while "@iot.nextLink" in page:
        path, _, query = page["@iot.nextLink"].partition("/sta/v1.1/")[2].partition("?")
        params = dict(p.split("=", 1) for p in query.split("&"))
        params = {k.replace("%24", "$"): v for k, v in params.items()}
        page = client.json(path, params)
        seen += [o["@iot.id"] for o in page["value"]]
    assert seen == everything


@pytest.mark.parametrize("flt", ["result gt 100", "Datastream/Thing/name eq 'nobody'"])
def test_compacted_empty_results(sta, sta_data, flt):
    for ds in sta_data["streams"].values():
        compact_datastream(ds=ds.id, cutoff_ms=TIME_MASK)
    assert sta().json("Observations", {"$filter": flt, "$count": "true"}) == {"@iot.count": 0, "value": []}
