"""The device list, map points and device detail: content, filters and scope."""

import pytest

from tests.iot.pages.conftest import add_devices

pytestmark = pytest.mark.django_db


def test_officer_sees_every_device_with_counts_by_connectivity(client, users, iot_devices, iot_readings):
    client.force_login(users["officer"])
    response = client.get("/iot/devices/")
    assert response.status_code == 200
    html = response.content.decode()
    for code in iot_devices:
        assert f'data-device="{code}"' in html
    # AIR-G1 is online, the three others have never reported
    assert '<a class="iot-count is-active"' in html
    assert 'data-count="online">\n    <span class="iot-count-n">1</span>' in html
    assert 'data-count="never">\n    <span class="iot-count-n">3</span>' in html
    assert "iot.css" in html and "在线" in html


def test_filters_narrow_the_list_and_keep_the_counts_of_the_others(client, users, iot_devices, iot_readings):
    client.force_login(users["officer"])
    html = client.get("/iot/devices/", {"device_type": "air", "connectivity": "online"}).content.decode()
    assert 'data-device="AIR-G1"' in html
    assert 'data-device="AIR-G5"' not in html and 'data-device="WL-G2"' not in html
    # the counts ignore the connectivity filter (they are the choices of it) but keep the type
    assert 'data-count="never">\n    <span class="iot-count-n">1</span>' in html
    html = client.get("/iot/devices/", {"q": "wl-g"}).content.decode()
    assert 'data-device="WL-G2"' in html and 'data-device="WL-G6"' in html and "AIR-G1" not in html


def test_htmx_filter_returns_only_the_list(client, users, iot_devices):
    client.force_login(users["officer"])
    response = client.get(
        "/iot/devices/", {"village": "V3"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="device-list"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'data-device="AIR-G5"' in html and 'data-device="AIR-G1"' not in html


def test_device_list_pages(client, users, iot_devices, iot_types):
    add_devices(iot_devices, iot_types, 60)
    client.force_login(users["officer"])
    html = client.get("/iot/devices/", {"q": "X-"}).content.decode()
    assert html.count('data-device="X-') == 50
    assert "q=X-&amp;page=2" in html
    html = client.get("/iot/devices/", {"q": "X-", "page": 2}).content.decode()
    assert html.count('data-device="X-') == 10


def test_village_dispatcher_lists_only_her_village(client, users, iot_devices):
    client.force_login(users["dispatcher_v1"])
    html = client.get("/iot/devices/").content.decode()
    assert 'data-device="AIR-G1"' in html and 'data-device="WL-G2"' in html
    assert "AIR-G5" not in html and "WL-G6" not in html
    # her filters offer no other village
    assert 'name="village"' not in html


def test_map_points_are_scoped_and_filtered(client, users, iot_devices, iot_readings):
    client.force_login(users["dispatcher_v4"])
    body = client.get("/iot/devices/points.json").json()
    assert body["total"] == 0 and body["points"] == []
    client.force_login(users["dispatcher_v1"])
    body = client.get("/iot/devices/points.json").json()
    assert sorted(p["c"] for p in body["points"]) == ["AIR-G1", "WL-G2"]
    point = next(p for p in body["points"] if p["c"] == "AIR-G1")
    assert point["k"] == "online" and point["s"] == "active" and point["t"] == "空气质量监测仪"
    assert point["l"]  # the last reading, local time
    body = client.get("/iot/devices/points.json", {"connectivity": "never"}).json()
    assert [p["c"] for p in body["points"]] == ["WL-G2"]


def test_map_page_uses_the_shared_map_layout(client, users, iot_devices):
    client.force_login(users["officer"])
    html = client.get("/iot/devices/map/").content.decode()
    assert 'id="device-map"' in html and 'class="map-layout"' in html
    assert "leaflet.markercluster.js" in html and "cityops/iot-map.js" in html
    assert 'data-points-url="/iot/devices/points.json"' in html


def test_device_detail_shows_values_rules_and_alarms(
    client, users, iot_devices, iot_readings, iot_alarms, iot_rules
):
    from cityops.iot.models import Rule

    device = iot_devices["AIR-G1"]
    Rule.objects.create(
        code="pm25-high",
        name="PM2.5 超标（本点）",
        device_type=device.device_type,
        device=device,
        quantity=iot_rules["pm25"].quantity,
        kind="threshold",
        severity="minor",
        params={"op": ">", "value": 115},
    )
    client.force_login(users["officer"])
    response = client.get("/iot/devices/AIR-G1/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "空气质量监测仪" in html and "片区1 › 村1 › 网格1" in html
    # last values per quantity, with units
    assert 'data-quantity="pm25"' in html and "µg/m³" in html
    # the override replaces the type's rule of the same code
    assert "PM2.5 超标（本点）" in html and "&quot;value&quot;: 115" in html
    assert html.count('data-rule="pm25-high"') == 1
    # its alarms, and not another device's
    assert f'data-alarm="{iot_alarms["v1_active"].pk}"' in html
    assert f'data-alarm="{iot_alarms["v3_active"].pk}"' not in html
    # one chart per quantity, fed by the series endpoint
    assert html.count('class="iot-chart"') == 3
    assert 'data-series-url="/iot/devices/AIR-G1/series.json"' in html
    assert "vendor/echarts/echarts.min.js" in html


def test_device_of_another_village_is_a_404(client, users, iot_devices):
    client.force_login(users["dispatcher_v1"])
    assert client.get("/iot/devices/AIR-G5/").status_code == 404
    assert client.get("/iot/devices/AIR-G5/series.json", {"quantity": "pm25"}).status_code == 404
    assert client.get("/iot/devices/NO-SUCH/").status_code == 404
    assert client.get("/iot/devices/AIR-G1/").status_code == 200
