"""The third-party frost-sta-client, unmodified, against the running server (HTTP Basic with a token)."""

from datetime import UTC, datetime, timedelta

import frost_sta_client as fsc
from frost_sta_client.service.auth_handler import AuthHandler

from cityops.iot.models import Reading


def test_frost_client_lists_reads_and_creates(transactional_db, live_server, sta_data, users, settings):
    from cityops.accounts.services import token_create

    settings.CITYOPS_STA_MAX_TOP = 5  # so that listing Observations follows @iot.nextLink
    _token, raw = token_create(user=users["steward"], name="frost")
    service = fsc.SensorThingsService(
        f"{live_server.url}/sta/v1.1/", auth_handler=AuthHandler("steward", raw)
    )

    things = service.things().query().list()
    assert sorted(t.name for t in things) == ["AIR-G1", "AIR-G5", "WL-G2", "WL-G6"]

    datastreams = list(service.datastreams().query().filter("Thing/name eq 'AIR-G1'").list())
    assert len(datastreams) == 3
    pm25 = next(d for d in datastreams if d.name == "AIR-G1 PM2.5")
    assert pm25.unit_of_measurement.symbol == "µg/m³"

    observations = list(service.observations().query().filter(f"Datastream/id eq {pm25.id}").list())
    assert [o.result for o in observations] == [10.0, 11.5, 12.0, 35.0, 80.0, 15.0]

    found = service.datastreams().find(pm25.id)
    assert found.name == "AIR-G1 PM2.5"

    when = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    obs = fsc.Observation(result=21.5, phenomenon_time=when, datastream=fsc.Datastream(id=pm25.id))
    service.create(obs)
    assert isinstance(obs.id, int)
    assert Reading.objects.get(pk=obs.id).value == 21.5


def test_frost_client_updates_with_put_and_json_patch(transactional_db, live_server, sta_data, users):
    from cityops.accounts.services import token_create

    _token, raw = token_create(user=users["steward"], name="frost")
    service = fsc.SensorThingsService(
        f"{live_server.url}/sta/v1.1/", auth_handler=AuthHandler("steward", raw)
    )
    device = sta_data["devices"]["AIR-G1"]

    thing = service.things().find(device.id)
    thing.name = "东门空气站"
    thing.properties = {"owner": "镇政府"}
    service.things().update(thing)  # a PUT of the whole Thing
    device.refresh_from_db()
    assert (device.name, device.description, device.properties) == (
        "东门空气站",
        "east gate",
        {"owner": "镇政府"},
    )

    service.things().patch(thing, [{"op": "add", "path": "/properties/height", "value": 4}])
    device.refresh_from_db()
    assert device.properties == {"owner": "镇政府", "height": 4}
