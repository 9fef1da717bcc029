"""The terminals file: CSV in UTF-8 or GBK and XLSX read alike, every bad row named, all or nothing;
offline and unprotected terminals found; the export imports back unchanged."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from cityops.audit.models import AuditRecord
from cityops.core.errors import Forbidden, ValidationFailed
from cityops.core.export import file_bytes
from cityops.security.models import Terminal
from cityops.security.register import selectors
from cityops.security.register.selectors import TerminalFilter
from cityops.security.register.terminals import terminals_import, terminals_sheet

pytestmark = pytest.mark.django_db

HEADER = "资产编号,计算机名,IP地址,MAC地址,所属部门,使用人,操作系统,防护状态,客户端版本,最后心跳时间"


def moment(days_ago: float) -> str:
    return (timezone.localtime() - timedelta(days=days_ago)).strftime("%Y-%m-%d %H:%M:%S")


def good_rows() -> list[str]:
    return [
        f"PC-0001,CG-ZHANG,10.1.2.3,00-1A-2B-3C-4D-5E,D-CG,张伟,Windows 10,正常,6.2.1,{moment(0.1)}",
        f"PC-0002,CG-LI,10.1.2.4,00:1a:2b:3c:4d:5f,城市管理局,李娜,统信UOS,病毒库过期,6.1.0,{moment(1)}",
        f"PC-0003,XF-WANG,10.1.3.9,,消防救援,王强,Windows 7,正常,6.2.1,{moment(20)}",
        "PC-0004,,,,,,,未安装,,",
    ]


def csv_bytes(rows, encoding="utf-8") -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_csv_in_utf8_or_gbk_is_imported(people, encoding):
    result = terminals_import(
        data=csv_bytes(good_rows(), encoding), filename="终端.csv", by=people["security"]
    )
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    t = Terminal.objects.get(code="PC-0002")
    assert (t.keeper, t.os, t.agent_status, t.mac, t.department.code) == (
        "李娜",
        "统信UOS",
        "outdated",
        "00-1A-2B-3C-4D-5F",
        "D-CG",
    )
    assert Terminal.objects.get(code="PC-0004").last_heartbeat_at is None
    record = AuditRecord.objects.get(action="security.terminal.import")
    assert record.after["created"] == 4 and record.actor == "security"


def test_offline_and_unprotected_terminals_are_found(people, settings):
    settings.CITYOPS_SECURITY_OFFLINE_DAYS = 7
    terminals_import(data=csv_bytes(good_rows()), filename="t.csv", by=people["security"])

    def codes(problem):
        qs = selectors.terminal_list(user=people["auditor"], filters=TerminalFilter(problem=problem))
        return [t.code for t in qs]

    assert codes("offline") == ["PC-0003", "PC-0004"]  # 20 days silent, and never reported
    assert codes("unprotected") == ["PC-0002", "PC-0004"]
    assert codes("any") == ["PC-0002", "PC-0003", "PC-0004"]
    assert selectors.terminal_counts(user=people["auditor"]) == {
        "all": 4,
        "offline": 2,
        "unprotected": 2,
        "any": 3,
    }


def test_every_bad_row_is_named_and_nothing_is_written(people):
    rows = [
        *good_rows(),
        "PC-0005,H,10.1.999.1,ZZ-1A,D-NONE,赵,Linux,很好,1,2026-13-01 00:00:00",
        f"PC-0001,DUP,,,,,,正常,,{moment(1)}",
        "PC-0006,,,,,,,正常,,2199-01-01 00:00:00",
    ]
    with pytest.raises(ValidationFailed) as exc:
        terminals_import(data=csv_bytes(rows), filename="t.csv", by=people["security"])
    found = {(e["row"], e["column"]) for e in exc.value.errors}
    assert found == {
        (2, "code"),  # PC-0001 twice
        (6, "ip"),
        (6, "mac"),
        (6, "department"),
        (6, "agent_status"),
        (6, "last_heartbeat"),
        (7, "code"),
        (8, "last_heartbeat"),  # in the future
    }
    assert "nothing was written" in exc.value.detail
    assert not Terminal.objects.exists()


def test_a_wrong_header_or_an_unreadable_file_is_refused_whole(people):
    with pytest.raises(ValidationFailed) as exc:
        terminals_import(data="资产编号,颜色\nPC-1,red\n".encode(), filename="t.csv", by=people["security"])
    messages = " ".join(e["message"] for e in exc.value.errors)
    assert "unknown column '颜色'" in messages and "agent_status" in messages
    with pytest.raises(ValidationFailed):
        terminals_import(data=b"PK\x03\x04broken", filename="t.xlsx", by=people["security"])
    assert not Terminal.objects.exists()


def test_the_export_imports_back_unchanged_as_xlsx(people):
    terminals_import(data=csv_bytes(good_rows()), filename="t.csv", by=people["security"])
    before = list(Terminal.objects.order_by("code").values())
    data = file_bytes(fmt="xlsx", sheets=[terminals_sheet(Terminal.objects.all())])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == HEADER.split(",")
    result = terminals_import(data=data, filename="t.xlsx", by=people["security"])
    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    after = list(Terminal.objects.order_by("code").values())
    assert [{k: v for k, v in r.items() if k != "updated_at"} for r in after] == [
        {k: v for k, v in r.items() if k != "updated_at"} for r in before
    ]


def test_a_second_file_updates_by_asset_code(people):
    terminals_import(data=csv_bytes(good_rows()), filename="t.csv", by=people["security"])
    rows = [f"PC-0002,CG-LI,10.1.2.4,00:1a:2b:3c:4d:5f,城市管理局,李娜,统信UOS,正常,6.2.1,{moment(0)}"]
    result = terminals_import(data=csv_bytes(rows), filename="t.csv", by=people["security"])
    assert (result.created, result.updated) == (0, 1)
    assert Terminal.objects.get(code="PC-0002").agent_status == "protected"
    assert Terminal.objects.count() == 4  # the others are kept


@pytest.mark.parametrize("who", ["auditor", "admin", "steward"])
def test_only_the_security_officer_imports(people, who):
    with pytest.raises(Forbidden):
        terminals_import(data=csv_bytes(good_rows()), filename="t.csv", by=people[who])


def test_the_command_imports_and_exports(people, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    source = tmp_path / "终端.csv"
    source.write_bytes(csv_bytes(good_rows(), "gbk"))
    call_command("security-terminals", str(source), stdout=io.StringIO())
    assert Terminal.objects.count() == 4
    assert AuditRecord.objects.get(action="security.terminal.import").actor == "cli"
    out = tmp_path / "out.xlsx"
    call_command("security-terminals", str(out), "--export", stdout=io.StringIO())
    assert openpyxl.load_workbook(out).active.max_row == 5
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(["PC-9,,,,,,,很好,,"]))
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("security-terminals", str(bad), stdout=io.StringIO(), stderr=io.StringIO())
