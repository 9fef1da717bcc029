"""CSV exports of the device list, the alarm console and the dead letters: the list's filters and
scope, every matching row, streamed UTF-8 with a BOM, headers in the user's language, who may."""

import csv
import io

import pytest
from django.conf import settings
from django.utils import timezone

from tests.iot.pages.conftest import add_devices

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    """The rows of a streamed CSV response (the header first); checks the BOM and the encoding."""
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def filename(response) -> str:
    return response["Content-Disposition"].split('filename="')[1].rstrip('"')


def stamp() -> str:
    return timezone.localdate().strftime("%Y%m%d")


def codes(rows, column=0) -> set[str]:
    return {r[column] for r in rows[1:]}


# ---- devices ------------------------------------------------------------------------------------


def test_device_export_has_the_list_filters_chinese_headers_and_a_dated_name(
    client, users, iot_devices, iot_readings
):
    client.force_login(users["officer"])
    response = client.get("/iot/devices/export.csv", {"device_type": "air", "connectivity": "online"})
    assert filename(response) == f"devices-{stamp()}.csv"
    assert response["Cache-Control"] == "no-store"
    rows = read_csv(response)
    assert rows[0][:6] == ["设备编码", "设备名称", "设备类型", "状态", "在线状态", "最近上报"]
    assert codes(rows) == {"AIR-G1"}
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["设备类型"] == "空气质量监测仪" and row["状态"] == "在用" and row["在线状态"] == "在线"
    assert row["网格"] == iot_devices["AIR-G1"].grid.name and row["最近上报"].count(":") == 2
    assert float(row["经度"]) == pytest.approx(iot_devices["AIR-G1"].lon)


def test_device_export_headers_follow_the_chosen_language(client, users, iot_devices):
    client.force_login(users["officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = read_csv(client.get("/iot/devices/export.csv"))
    assert rows[0][:5] == ["Device code", "Device name", "Device type", "Status", "Connectivity"]
    assert dict(zip(rows[0], rows[1], strict=True))["Status"] == "In service"


def test_device_export_has_every_matching_row_not_one_page(
    client, users, iot_devices, iot_types, django_assert_max_num_queries, monkeypatch
):
    add_devices(iot_devices, iot_types, 120)
    monkeypatch.setattr("cityops.iot.views.devices.EXPORT_CHUNK", 50)  # three chunks
    client.force_login(users["officer"])
    with django_assert_max_num_queries(12):  # the session and the user, the form's choices, one read
        rows = read_csv(client.get("/iot/devices/export.csv", {"q": "X-"}))
    assert len(rows) == 1 + 120
    assert rows[1][0] == "X-000" and rows[1][-1] == "network=gas"


@pytest.mark.django_db(transaction=True)
def test_device_export_streams_outside_a_transaction(client, users, iot_devices, iot_types, monkeypatch):
    """As in production: autocommit, so the rows come through a holdable server-side cursor on
    PostgreSQL, read while the response is sent."""
    add_devices(iot_devices, iot_types, 120)
    monkeypatch.setattr("cityops.iot.views.devices.EXPORT_CHUNK", 50)
    client.force_login(users["officer"])
    rows = read_csv(client.get("/iot/devices/export.csv"))
    assert len(rows) == 1 + 124 and [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])


def test_device_export_is_scoped(client, users, iot_devices):
    client.force_login(users["dispatcher_v1"])
    rows = read_csv(client.get("/iot/devices/export.csv"))
    assert codes(rows) == {"AIR-G1", "WL-G2"}
    # a filter naming a village outside her scope is invalid: the list shows her devices, so does the export
    assert codes(read_csv(client.get("/iot/devices/export.csv", {"village": "V3"}))) == {"AIR-G1", "WL-G2"}


def test_device_export_with_an_invalid_filter_answers_as_the_list_does(client, users, iot_devices):
    client.force_login(users["officer"])
    params = {"device_type": "air", "status": "bogus"}
    page = client.get("/iot/devices/", params)
    assert page.status_code == 200
    listed = {code for code in iot_devices if f'data-device="{code}"' in page.content.decode()}
    assert codes(read_csv(client.get("/iot/devices/export.csv", params))) == listed == set(iot_devices)


def test_device_list_links_the_export_with_its_filters(client, users, iot_devices):
    client.force_login(users["officer"])
    html = client.get("/iot/devices/", {"device_type": "air", "page": "1"}).content.decode()
    assert 'href="/iot/devices/export.csv?device_type=air" download data-testid="export-csv"' in html
    assert "导出 CSV" in html
    partial = client.get(
        "/iot/devices/", {"village": "V3"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="device-list"
    ).content.decode()
    assert 'href="/iot/devices/export.csv?village=V3"' in partial  # the link follows the htmx filters


def test_text_a_spreadsheet_would_run_is_quoted(client, users, iot_devices):
    from cityops.iot.models import Device

    Device.objects.filter(code="AIR-G1").update(name='=HYPERLINK("http://x")', address="+86 12")
    client.force_login(users["officer"])
    rows = read_csv(client.get("/iot/devices/export.csv", {"q": "AIR-G1"}))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["设备名称"] == '\'=HYPERLINK("http://x")' and row["地址"] == "'+86 12"


@pytest.mark.parametrize(
    ("url", "username", "status"),
    [
        ("/iot/devices/export.csv", "resident", 403),
        ("/iot/devices/export.csv", "inspector_g1", 403),
        ("/iot/alarms/export.csv", "handler", 403),
        ("/iot/dead-letters/export.csv", "officer", 403),
        ("/iot/dead-letters/export.csv", "steward", 403),
    ],
)
def test_exports_are_refused_as_their_pages(client, users, url, username, status):
    client.force_login(users[username])
    assert client.get(url).status_code == status


@pytest.mark.parametrize(
    "url", ["/iot/devices/export.csv", "/iot/alarms/export.csv", "/iot/dead-letters/export.csv"]
)
def test_exports_send_strangers_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ---- alarms -------------------------------------------------------------------------------------


def test_alarm_export_follows_the_console_filters_order_and_scope(client, users, iot_alarms, monkeypatch):
    monkeypatch.setattr("cityops.iot.views.alarms.EXPORT_CHUNK", 2)  # the cases are read per chunk
    client.force_login(users["officer"])
    response = client.get("/iot/alarms/export.csv")
    assert filename(response) == f"alarms-{stamp()}.csv"
    rows = read_csv(response)
    assert rows[0][:4] == ["编号", "级别", "告警状态", "告警"]
    # active first, the most severe first (as the console)
    ids = [int(r[0]) for r in rows[1:]]
    assert ids == [iot_alarms["v3_active"].pk, iot_alarms["v1_active"].pk, iot_alarms["v1_cleared"].pk]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["级别"] == "紧急" and first["告警状态"] == "未解除" and first["确认时间"] == ""
    assert first["设备编码"] == "AIR-G5" and first["数值"] == "88.5" and first["触发次数"] == "1"
    critical = read_csv(client.get("/iot/alarms/export.csv", {"severity": "critical", "status": "active"}))
    assert [int(r[0]) for r in critical[1:]] == [iot_alarms["v3_active"].pk]
    client.force_login(users["dispatcher_v1"])
    mine = read_csv(client.get("/iot/alarms/export.csv"))
    assert {int(r[0]) for r in mine[1:]} == {iot_alarms["v1_active"].pk, iot_alarms["v1_cleared"].pk}


def test_alarm_export_with_an_invalid_filter_answers_as_the_console_does(client, users, iot_alarms):
    client.force_login(users["officer"])
    params = {"severity": "apocalyptic"}
    html = client.get("/iot/alarms/", params).content.decode()
    listed = {a.pk for a in iot_alarms.values() if f'data-alarm="{a.pk}"' in html}
    exported = {int(r[0]) for r in read_csv(client.get("/iot/alarms/export.csv", params))[1:]}
    assert exported == listed == {a.pk for a in iot_alarms.values()}


def test_alarm_console_links_the_export_with_its_filters(client, users, iot_alarms):
    client.force_login(users["officer"])
    html = client.get("/iot/alarms/", {"severity": "major"}).content.decode()
    assert 'href="/iot/alarms/export.csv?severity=major"' in html


def test_alarm_export_shows_the_case(client, users, iot_alarms):
    from cityops.iot.models import Alarm

    Alarm.objects.filter(pk=iot_alarms["v1_active"].pk).update(
        case_number="20260000042", case_status="closed"
    )
    client.force_login(users["officer"])
    rows = read_csv(client.get("/iot/alarms/export.csv", {"device": "AIR-G1"}))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["案件编号"] == "20260000042" and row["案件状态"] == "已结案"


# ---- dead letters -------------------------------------------------------------------------------


def test_dead_letter_export_for_administrators(client, users, dead_letters):
    client.force_login(users["admin"])
    response = client.get("/iot/dead-letters/export.csv")
    assert filename(response) == f"dead-letters-{stamp()}.csv"
    rows = read_csv(response)
    by_id = {int(r[0]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by_id) == {dead_letters["json"].pk, dead_letters["binary"].pk}
    binary = by_id[dead_letters["binary"].pk]
    assert binary["消息内容（开头）"] == "0x000102fffe3c623e" and binary["客户端或设备"] == "GHOST-1"
    text = by_id[dead_letters["json"].pk]
    assert text["客户端或设备"] == "AIR-G1" and text["状态"] == "未处理"
    assert text["消息内容（开头）"].startswith('{"values": {"pm25": 5000}')
    malformed = read_csv(client.get("/iot/dead-letters/export.csv", {"reason": "malformed"}))
    assert [int(r[0]) for r in malformed[1:]] == [dead_letters["binary"].pk]


def test_dead_letter_export_cuts_a_long_payload_and_takes_an_invalid_state_as_the_list(
    client, users, dead_letters
):
    from cityops.iot.models import DeadLetter

    big = DeadLetter.objects.create(
        source="mqtt",
        client="X",
        reason="oversized",
        detail="too big",
        payload=b"x" * 200_000,
        payload_size=200_000,
    )
    DeadLetter.objects.filter(pk=dead_letters["json"].pk).update(resolved_at=timezone.now())
    client.force_login(users["admin"])
    html = client.get("/iot/dead-letters/", {"state": "sideways"}).content.decode()
    rows = read_csv(client.get("/iot/dead-letters/export.csv", {"state": "sideways"}))
    exported = {int(r[0]) for r in rows[1:]}
    assert exported == {big.pk, dead_letters["binary"].pk}  # unresolved, as the list shows them
    assert all(f'data-dead-letter="{pk}"' in html for pk in exported)
    assert f'data-dead-letter="{dead_letters["json"].pk}"' not in html
    row = next(dict(zip(rows[0], r, strict=True)) for r in rows[1:] if int(r[0]) == big.pk)
    assert row["消息内容（开头）"] == "x" * 120 + "…" and row["消息大小"] == "200000"
