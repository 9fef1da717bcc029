"""Device import: all or nothing, errors naming row and column, UTF-8, GBK and XLSX; export round trip."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import translation

from cityops.core.errors import ValidationFailed
from cityops.iot.device_import import device_export, device_import
from cityops.iot.models import Datastream, Device, DeviceLocation
from tests.builders import grid_centre

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The import's messages in English: where a problem is ("row 5, column lon") is translated."""
    with translation.override("en"):
        yield


LON1, LAT1 = grid_centre(1)
LON5, LAT5 = grid_centre(5)
HEADER = "code,name,type,lon,lat,install_date,status,properties"
GOOD = [
    f"BIN-001,一号垃圾桶,waste_bin,{LON1},{LAT1},2025-03-01,active,",
    f'WL-001,一号水位计,water_level,{LON5},{LAT5},,,"warning_level=5;guaranteed_level=6;historic_max=6.5"',
    f'NZ-001,一号噪声,noise,{LON1},{LAT1},,maintenance,"{{""zone_class"": ""4a""}}"',
]


def csv_bytes(lines, encoding="utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def test_utf8_csv(world):
    result = device_import(data=csv_bytes([HEADER, *GOOD]), filename="d.csv", by=world["admin"])
    assert (result.created, result.updated) == (3, 0)
    wl = Device.objects.get(code="WL-001")
    assert wl.properties == {"warning_level": 5, "guaranteed_level": 6, "historic_max": 6.5}
    assert wl.grid.code == "G5" and Datastream.objects.filter(device=wl).count() == 2
    assert Device.objects.get(code="NZ-001").status == "maintenance"


def test_gbk_csv_with_chinese_headers(world):
    header = "设备编码,设备名称,设备类型,经度,纬度,安装日期,状态,属性"
    rows = [f"PK-001,停车位一,parking,{LON1},{LAT1},2025-01-02,在用,"]
    result = device_import(data=csv_bytes([header, *rows], "gbk"), filename="d.csv", by=world["admin"])
    assert result.created == 1
    assert Device.objects.get(code="PK-001").name == "停车位一"


def test_xlsx(world):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["SM-001", "一号烟感", "smoke", LON5, LAT5, None, "active", ""])
    buf = io.BytesIO()
    book.save(buf)
    assert device_import(data=buf.getvalue(), filename="d.xlsx", by=world["admin"]).created == 1
    assert Device.objects.get(code="SM-001").village.code == "V3"


def test_one_bad_row_writes_nothing_and_every_problem_names_row_and_column(world):
    bad = [
        *GOOD,
        "BIN-009,坏桶,waste_bin,114.9,23.9,2025-01-01,active,",  # row 5: outside the town
        f"BIN-010,坏桶,no_such_type,{LON1},{LAT1},2025-13-01,active,",  # row 6: type, date
        f"BIN-001,重复,waste_bin,{LON1},{LAT1},,active,",  # row 7: duplicate code (with row 2)
        f"NZ-002,噪声,noise,{LON1},{LAT1},,active,zone=1",  # row 8: no zone_class
        f"BIN-011,坏桶,waste_bin,abc,{LAT1},,active,",  # row 9: lon not a number
        f"BIN-012,坏桶,waste_bin,{LON1},{LAT1},,broken,",  # row 10: status
    ]
    with pytest.raises(ValidationFailed) as exc:
        device_import(data=csv_bytes([HEADER, *bad]), filename="d.csv", by=world["admin"])
    where = {(e["row"], e["column"]) for e in exc.value.errors}
    assert where == {
        (2, "code"),
        (5, "lon"),
        (6, "install_date"),
        (7, "code"),
        (8, "properties"),
        (9, "lon"),
        (10, "status"),
    }
    assert "nothing was written" in exc.value.detail
    assert any(e["message"].startswith("row 5, column lon: the point") for e in exc.value.errors)
    assert not Device.objects.exists()


def test_unknown_type_is_reported_once_the_date_is_fine(world):
    row = f"BIN-010,坏桶,no_such_type,{LON1},{LAT1},,active,"
    with pytest.raises(ValidationFailed) as exc:
        device_import(data=csv_bytes([HEADER, row]), filename="d.csv")
    assert [(e["row"], e["column"]) for e in exc.value.errors] == [(2, "type")]


def test_missing_column_and_undecodable_file(world):
    with pytest.raises(ValidationFailed) as exc:
        device_import(data=csv_bytes(["code,name,type,lon"]), filename="d.csv")
    assert {e["column"] for e in exc.value.errors} == {"lat"}
    with pytest.raises(ValidationFailed) as exc:
        device_import(data=b"\xff\xfe\x00\x81\x30", filename="d.csv")
    assert "neither UTF-8 nor GBK" in exc.value.errors[0]["message"]


def test_reimport_updates_and_moves_and_export_round_trips(world, tmp_path):
    device_import(data=csv_bytes([HEADER, *GOOD]), filename="d.csv")
    moved = [GOOD[0].replace(f"{LON1},{LAT1}", f"{LON5},{LAT5}"), *GOOD[1:]]
    result = device_import(data=csv_bytes([HEADER, *moved]), filename="d.csv")
    assert (result.created, result.updated, result.unchanged, result.moved) == (0, 1, 2, 1)
    assert Device.objects.get(code="BIN-001").grid.code == "G5"
    assert DeviceLocation.objects.filter(device__code="BIN-001").count() == 2
    for fmt in ("csv", "xlsx"):
        again = device_import(data=device_export(fmt=fmt), filename=f"e.{fmt}")
        assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    path = tmp_path / "out.csv"
    call_command("iot-devices-import", str(path), "--export")
    call_command("iot-devices-import", str(path))


def test_a_stored_device_keeps_its_type(world):
    device_import(data=csv_bytes([HEADER, GOOD[0]]), filename="d.csv")
    row = GOOD[0].replace("waste_bin", "parking")
    with pytest.raises(ValidationFailed) as exc:
        device_import(data=csv_bytes([HEADER, row]), filename="d.csv")
    assert [(e["row"], e["column"]) for e in exc.value.errors] == [(2, "type")]
