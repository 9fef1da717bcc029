"""Import and export of sites and channels: encodings, XLSX, all or nothing, every bad row named."""

import io

import openpyxl
import pytest

from cityops.audit.models import AuditRecord
from cityops.core.errors import ValidationFailed
from cityops.video.credentials import open_credentials
from cityops.video.models import Channel, Site
from cityops.video.registry_import import registry_export, registry_import
from tests.builders import grid_centre
from tests.video.conftest import gb

HEADER = "项目,点位编码,点位名称,点位经度,点位纬度,点位地址,国标编码,通道名称,主码流地址,建设状态,建成日期"


def row(site, grid, serial, name="通道", *, project="kjhcq", status="已建", built="2024-05-01", url=""):
    lon, lat = grid_centre(grid)
    return f"{project},{site},{site}路口,{lon},{lat},测试路{grid}号,{gb('132', serial)},{name},{url},{status},{built}"


def csv_bytes(lines, encoding="utf-8-sig") -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode(encoding)


GOOD = [
    row("NEW-1", 3, 101, "新一东", url="rtsp://admin:Pa55word@10.9.0.1:554/101"),
    row("NEW-1", 3, 102, "新一西"),
    row("NEW-2", 6, 103, "新二", status="在建", built=""),
]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_csv_in_every_encoding_imports(video_channels, encoding):
    result = registry_import(data=csv_bytes(GOOD, encoding), filename="cams.csv")
    assert (result.sites_created, result.channels_created) == (2, 3)
    ch = Channel.objects.get(gb_id=gb("132", 101))
    assert ch.name == "新一东" and ch.site.name == "NEW-1路口" and ch.grid.code == "G3"
    assert (
        ch.main_url == "rtsp://10.9.0.1:554/101"
        and open_credentials(ch.credentials_sealed).password == "Pa55word"
    )
    assert Channel.objects.get(gb_id=gb("132", 103)).build_status == "building"
    assert AuditRecord.objects.filter(action="video.channel.import").count() == 1


def test_xlsx_imports(video_channels):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    for line in GOOD:
        sheet.append([float(c) if i in (3, 4) else c for i, c in enumerate(line.split(","))])
    buf = io.BytesIO()
    book.save(buf)
    result = registry_import(data=buf.getvalue(), filename="cams.xlsx")
    assert result.channels_created == 3


def test_dry_run_counts_and_writes_nothing(video_channels):
    before = Channel.objects.count()
    result = registry_import(data=csv_bytes(GOOD), filename="c.csv", dry_run=True)
    assert result.dry_run and result.channels_created == 3
    assert Channel.objects.count() == before and not Site.objects.filter(code="NEW-1").exists()


def test_every_bad_row_is_named_and_nothing_is_written(video_channels):
    existing = video_channels["g5"].gb_id
    lines = [
        *GOOD,
        row("BAD-1", 3, 104).replace(gb("132", 104), "4419000000132700001"),  # 19 digits (row 5)
        row("BAD-2", 3, 101),  # duplicate of row 2 in the file (row 6)
        row("BAD-3", 3, 105).replace(gb("132", 105), existing),  # exists in the registry (row 7)
        row("BAD-4", 3, 106, project="nope"),  # unknown project (row 8)
        row("BAD-5", 3, 107).replace(str(grid_centre(3)[0]), "100.0"),  # outside the town (row 9)
        row("BAD-6", 3, 108, built="2024-13-01"),  # bad date (row 10)
        row("BAD-7", 3, 109, status="拆除"),  # bad status (row 11)
    ]
    with pytest.raises(ValidationFailed) as exc:
        registry_import(data=csv_bytes(lines, "gbk"), filename="c.csv")
    found = {(e["row"], e["column"]) for e in exc.value.errors}
    assert {
        (5, "gb_id"),
        (2, "gb_id"),
        (6, "gb_id"),
        (7, "gb_id"),
        (8, "project"),
        (9, "site_lon"),
        (10, "built_on"),
        (11, "build_status"),
    } <= found
    messages = {(e["row"], e["column"]): e["message"] for e in exc.value.errors}
    assert "19 digits" in messages[(5, "gb_id")]
    assert "appears 2 times in the file" in messages[(6, "gb_id")]
    assert f"{existing} exists already" in messages[(7, "gb_id")]
    assert "no project 'nope'" in messages[(8, "project")]
    assert "outside the town" in messages[(9, "site_lon")]
    assert "is not a date" in messages[(10, "built_on")]
    assert "not a build status" in messages[(11, "build_status")]
    assert messages[(5, "gb_id")].startswith("row 5, column gb_id: ")
    assert "nothing was written" in exc.value.detail
    assert not Site.objects.filter(code__startswith="NEW").exists()
    assert not Channel.objects.filter(gb_id=gb("132", 101)).exists()


def test_site_described_two_ways_in_one_file(video_channels):
    lines = [row("NEW-1", 3, 101), row("NEW-1", 4, 102)]
    with pytest.raises(ValidationFailed) as exc:
        registry_import(data=csv_bytes(lines), filename="c.csv")
    assert any(e["row"] == 3 and "described differently on row 2" in e["message"] for e in exc.value.errors)


def test_header_problems_and_unreadable_files(video_channels):
    with pytest.raises(ValidationFailed) as exc:
        registry_import(data="项目,点位编码,怪列\r\n".encode(), filename="c.csv")
    cols = {e["column"] for e in exc.value.errors}
    assert {"怪列", "gb_id", "site_name"} <= cols
    with pytest.raises(ValidationFailed) as exc:
        registry_import(data=b"PK\x03\x04broken", filename="c.xlsx")
    assert "not a readable XLSX" in exc.value.errors[0]["message"]
    with pytest.raises(ValidationFailed):
        registry_import(data=b"\xff\xfe\x00\x00\xff", filename="c.csv")


def test_project_option_fills_and_guards_the_project_column(video_channels):
    lines = [r.replace("kjhcq,", ",", 1) for r in GOOD]
    result = registry_import(data=csv_bytes(lines), filename="c.csv", project="kjhcq")
    assert result.channels_created == 3
    with pytest.raises(ValidationFailed) as exc:
        registry_import(
            data=csv_bytes([row("X-1", 3, 120, project="mcld")]), filename="c.csv", project="kjhcq"
        )
    assert "imported into project kjhcq" in exc.value.errors[0]["message"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_reimports_and_never_holds_credentials(video_channels, fmt):
    registry_import(data=csv_bytes(GOOD), filename="c.csv")
    data = registry_export(fmt=fmt)
    if fmt == "csv":
        text = data.decode("utf-8-sig")
        assert "Pa55word" not in text and "admin" not in text and "有凭据" in text
    # the same registry again: every channel is unchanged, and its credentials stay
    result = registry_import(data=data, filename=f"e.{fmt}", update=True)
    assert result.channels_created == 0 and result.channels_updated == 0
    assert result.channels_unchanged == Channel.objects.count()
    assert (
        open_credentials(Channel.objects.get(gb_id=gb("132", 101)).credentials_sealed).password == "Pa55word"
    )
    # into an empty registry: the same channels come back
    facts = list(
        Channel.objects.order_by("gb_id").values_list(
            "gb_id", "name", "site__code", "build_status", "grid_id"
        )
    )
    Channel.objects.all().delete()
    Site.objects.all().delete()
    registry_import(data=data, filename=f"e.{fmt}")
    again = list(
        Channel.objects.order_by("gb_id").values_list(
            "gb_id", "name", "site__code", "build_status", "grid_id"
        )
    )
    assert again == facts


def test_update_mode_changes_stored_rows(video_channels):
    registry_import(data=csv_bytes(GOOD), filename="c.csv")
    changed = [GOOD[0].replace("新一东", "新一东改"), *GOOD[1:]]
    result = registry_import(data=csv_bytes(changed), filename="c.csv", update=True)
    assert result.channels_updated == 1 and result.channels_unchanged == 2
    assert Channel.objects.get(gb_id=gb("132", 101)).name == "新一东改"


def test_import_outside_the_importers_scope_or_role(video_channels, users):
    from cityops.core.errors import Forbidden

    with pytest.raises(Forbidden):
        registry_import(data=csv_bytes(GOOD), filename="c.csv", by=users["dispatcher_v1"])
    result = registry_import(data=csv_bytes(GOOD), filename="c.csv", by=users["steward"])
    assert result.channels_created == 3
