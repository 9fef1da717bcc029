"""Catalog XML import: chunks, encodings, the group tree, channel updates and creations, and bad
files that must be refused whole with every bad item named."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cityops.audit.models import AuditRecord
from cityops.core.errors import PayloadTooLarge, ValidationFailed
from cityops.video import catalog
from cityops.video.catalog import catalog_import
from cityops.video.models import Channel, Group, Site
from tests.builders import grid_centre
from tests.video.conftest import gb
from tests.video.sipdevice import item

BUSINESS, ORG = gb("215", 1), gb("216", 1)


def doc(items: list[str], *, sum_num=None, sn="1", encoding="GB2312") -> bytes:
    sum_num = len(items) if sum_num is None else sum_num
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<Response><CmdType>Catalog</CmdType><SN>{sn}</SN>'
        f"<DeviceID>{gb('118', 1)}</DeviceID><SumNum>{sum_num}</SumNum>"
        f'<DeviceList Num="{len(items)}">{"".join(items)}</DeviceList></Response>\n'
    )
    return text.encode("utf-8" if encoding.upper() == "UTF-8" else "gb18030")


def _state():
    return (
        list(Group.objects.values_list("gb_id", "name", "parent_id")),
        list(Channel.objects.values_list("gb_id", "name", "vendor", "group_id", "lon")),
        Site.objects.count(),
    )


def test_two_chunks_in_gbk_build_the_tree_and_update_and_create_channels(video_channels, users):
    steward = users["steward"]
    g1a = video_channels["g1a"]
    lon, lat = grid_centre(3)
    data = doc([item(BUSINESS, "城区治安"), item(ORG, "一号路口片", parent=BUSINESS)], sum_num=4) + doc(
        [
            item(g1a.gb_id, "一号路口东·新", parent=f"{BUSINESS}/{ORG}", Manufacturer="海康威视", Model="DS"),
            item(gb("132", 60), "三号路口", parent=ORG, lon=lon, lat=lat, Address="三号路"),
            item(gb("134", 1), "报警输入"),  # alarm input: skipped
            item("441900", "莞城"),  # a civil-code folder: skipped
        ],
        sum_num=4,
    )
    result = catalog_import(data, project_code="kjhcq", by=steward)
    assert (result.groups_created, result.channels_updated, result.channels_created) == (2, 1, 1)
    assert (result.sites_created, result.skipped, result.status_on) == (1, 2, 2)
    assert Group.objects.get(gb_id=ORG).parent.gb_id == BUSINESS
    g1a.refresh_from_db()
    assert (g1a.name, g1a.vendor, g1a.model, g1a.group.gb_id) == ("一号路口东·新", "海康威视", "DS", ORG)
    new = Channel.objects.get(gb_id=gb("132", 60))
    assert new.site.code == new.gb_id and new.site.address == "三号路" and new.build_status == "built"
    assert new.grid_id == new.site.grid_id and new.project.code == "kjhcq"
    rec = AuditRecord.objects.filter(action="video.catalog.import").get()
    assert rec.actor == steward.username and rec.after["channels_created"] == 1

    again = catalog_import(data, project_code="kjhcq", by=steward)
    assert (again.groups_created, again.channels_created, again.unchanged) == (0, 0, 2)


def test_a_dry_run_counts_and_writes_nothing(video_channels):
    before = _state()
    result = catalog_import(doc([item(BUSINESS, "城区治安")]), project_code="kjhcq", dry_run=True)
    assert result.dry_run and result.groups_created == 1
    assert _state() == before and not AuditRecord.objects.filter(action="video.catalog.import").exists()


def test_utf8_without_declaration_and_gb2312_declared_gbk_bytes(video_channels):
    g2 = video_channels["g2"]
    body = doc([item(g2.gb_id, "二号路口 碁")], encoding="UTF-8")
    catalog_import(body.split(b"\n", 1)[1], project_code="kjhcq")  # no declaration: UTF-8
    g2.refresh_from_db()
    assert g2.name == "二号路口 碁"
    catalog_import(doc([item(g2.gb_id, "二号路口 堃")]), project_code="kjhcq")  # 堃 is GBK, not GB2312
    g2.refresh_from_db()
    assert g2.name == "二号路口 堃"


def _refused(data: bytes, match: str, exc=ValidationFailed) -> ValidationFailed:
    before = _state()
    with pytest.raises(exc, match=match) as info:
        catalog_import(data, project_code="kjhcq")
    assert _state() == before
    return info.value


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "x"><!ENTITY b "&a;&a;&a;&a;">]>'
            b"<Response><CmdType>&b;</CmdType></Response>",
            "DOCTYPE or ENTITY",
        ),
        (b'<?xml version="1.0" encoding="UTF-8"?><Response>\xb6\xfe</Response>', "not UTF-8"),
        (b'<?xml version="1.0" encoding="Big5"?><Response/>', "'big5' is not supported"),
        (b"<Response><CmdType>Catalog</CmdType><DeviceList><Item></DeviceList>", "not well-formed"),
        (b"<Query><CmdType>Catalog</CmdType></Query>", "not <Response>"),
        (b"<Response><CmdType>Keepalive</CmdType></Response>", "not 'Catalog'"),
        (b"   ", "empty"),
    ],
)
def test_unreadable_catalogs_are_refused(video_channels, data, match):
    _refused(data, match)


def test_an_oversized_catalog_is_refused(video_channels, monkeypatch):
    monkeypatch.setattr(catalog, "MAX_BYTES", 100)
    _refused(doc([item(BUSINESS, "x" * 200)]), "at most 100", PayloadTooLarge)


def test_every_bad_item_is_named_and_nothing_is_written(video_channels):
    g1a = video_channels["g1a"]
    data = doc(
        [
            item(BUSINESS, "城区治安"),  # fine, but must not be written
            item("4419000000215700000X", "坏编号"),
            item("11010000001327000001", "外地", lon=116.4, lat=39.9),
            item(g1a.gb_id, "坐标错", lon="abc", lat=23.0),
            item(gb("132", 70), "新的无坐标"),
            item(gb("132", 71), "城外", lon=100.0, lat=30.0),
            item(ORG, "挂错", parent=gb("216", 99)),
            item(BUSINESS, "重复"),
            item(gb("132", 72), "x" * 151, lon=grid_centre(1)[0], lat=grid_centre(1)[1]),
        ],
        sum_num=10,
    )
    err = _refused(data, "9 problem")
    found = {(e["index"], e["field"]) for e in err.errors}
    assert found == {
        (0, "SumNum"),
        (2, "DeviceID"),
        (3, "DeviceID"),
        (4, "Longitude"),
        (5, "Longitude"),
        (6, "Longitude"),
        (7, "ParentID"),
        (8, "DeviceID"),
        (9, "Name"),
    }
    assert len(err.errors) == 9
    messages = {e["index"]: e["message"] for e in err.errors}
    assert messages[0] == "the catalog, SumNum: the catalog announces 10 items but 8 arrived"
    assert messages[2].startswith("item 2 (DeviceID 4419000000215700000X), DeviceID: the ID has characters")
    assert "outside the town" in messages[3] and "'abc' is not a number" in messages[4]
    assert "listed again (first at item 1)" in messages[8]


def test_a_loop_in_the_group_tree_is_refused(video_channels):
    a, b = gb("216", 1), gb("216", 2)
    err = _refused(doc([item(a, "甲", parent=b), item(b, "乙", parent=a)]), "problem")
    assert {e["field"] for e in err.errors} == {"ParentID"}
    assert "loop" in err.errors[0]["message"]


def test_new_channels_need_a_project(video_channels):
    with pytest.raises(ValidationFailed, match="no video project with the code 'nope'"):
        catalog_import(doc([item(BUSINESS, "x")]), project_code="nope")


def test_the_cli_imports_and_reports(video_channels, tmp_path, capsys):
    path = tmp_path / "catalog.xml"
    path.write_bytes(doc([item(BUSINESS, "城区治安")]))
    call_command("video-catalog", str(path), "--project", "kjhcq", "--dry-run")
    assert "Would import" in capsys.readouterr().out and not Group.objects.exists()
    call_command("video-catalog", str(path), "--project", "kjhcq")
    assert "groups 1 new" in capsys.readouterr().out and Group.objects.count() == 1
    path.write_bytes(doc([item("123", "坏")]))
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("video-catalog", str(path), "--project", "kjhcq")


def test_only_a_town_wide_user_allowed_to_change_the_registry_imports_a_catalog(video_channels, users):
    from cityops.core.errors import Forbidden

    lon, lat = grid_centre(3)
    data = doc([item(gb("132", 901), "新摄像机", lon=lon, lat=lat)])
    for user in (users["dispatcher_v1"], users["officer"]):
        with pytest.raises(Forbidden, match="whole town"):
            catalog_import(data, project_code="kjhcq", by=user)
    assert not Channel.objects.filter(gb_id=gb("132", 901)).exists()
    assert catalog_import(data, project_code="kjhcq", by=users["steward"], dry_run=True)
