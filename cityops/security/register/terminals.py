"""The terminals' file from the endpoint agent's console, imported all or nothing, and exported in the
same columns (CSV in UTF-8 or GBK/GB18030, or XLSX; read by ``core/tabular.py``).

Every row is checked before anything is written — the asset code (once in the file), the IP and
MAC addresses, the department (by code or name), the agent's status (in English or as the consoles
write it in Chinese) and the last heartbeat (not in the future) — and every problem is named by its
row and column. A row whose asset code is registered updates that terminal; terminals missing from
the file are kept (a console's export may cover one department).
"""

import ipaddress
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.core import tabular
from cityops.core.errors import Forbidden
from cityops.core.export import Sheet, columns, file_bytes, local_time
from cityops.core.inputs import InputError, check_moment
from cityops.core.tabular import row_error as error
from cityops.org.models import Department
from cityops.security.choices import AgentStatus
from cityops.security.models import Terminal

ACTION = "security.register"
SHEET_NAME = "终端"
COLUMNS = [
    tabular.Column("code", "资产编号", True),
    tabular.Column("hostname", "计算机名"),
    tabular.Column("ip", "IP地址"),
    tabular.Column("mac", "MAC地址"),
    tabular.Column("department", "所属部门"),
    tabular.Column("keeper", "使用人"),
    tabular.Column("os", "操作系统"),
    tabular.Column("agent_status", "防护状态", True),
    tabular.Column("agent_version", "客户端版本"),
    tabular.Column("last_heartbeat", "最后心跳时间"),
]


def spec() -> tabular.Spec:
    """What the importer reads; its refusal in the reader's language."""
    return tabular.Spec(
        COLUMNS,
        _("The terminals were not imported: %(count)s problem(s) found; nothing was written."),
        sheet_name=SHEET_NAME,
        max_bytes=20 * 1024 * 1024,
        max_rows=50_000,
    )


# what the consoles write, in Chinese and English, for each status
STATUS_WORDS = {
    AgentStatus.PROTECTED: {"protected", "正常", "已防护", "防护中", "在线防护"},
    AgentStatus.OUTDATED: {"outdated", "病毒库过期", "特征库过期", "版本过旧"},
    AgentStatus.DISABLED: {"disabled", "已停用", "未运行", "防护关闭", "已关闭"},
    AgentStatus.MISSING: {"missing", "未安装", "无客户端"},
}
STATUS_OF = {word: status for status, words in STATUS_WORDS.items() for word in words}
CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._/-]{0,39}$")
MAC = re.compile(r"^([0-9A-Fa-f]{2})([-:]?)([0-9A-Fa-f]{2})(\2[0-9A-Fa-f]{2}){4}$")
CLOCK_SKEW = timedelta(minutes=5)
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _refuse(errors: list[dict]) -> NoReturn:
    tabular.refuse(errors, spec())


def parse_heartbeat(text: str) -> datetime | None:
    """A console's time: local (Asia/Shanghai) as written, or ISO 8601 with its offset."""
    if not text:
        return None
    value = None
    for fmt in TIME_FORMATS:
        try:
            value = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    if value is None:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise InputError(_("%(v)r is not a time (YYYY-MM-DD HH:MM:SS)") % {"v": text}) from None
    if value.tzinfo is None:
        value = timezone.make_aware(value, timezone.get_default_timezone())
    try:
        value = check_moment(value)
    except InputError:
        raise InputError(_("%(v)s is outside the years 1970–2199") % {"v": text}) from None
    if value > timezone.now() + CLOCK_SKEW:
        raise InputError(_("%(v)s is in the future") % {"v": text})
    return value


def _departments() -> dict[str, Department]:
    found = {}
    for d in Department.objects.all():
        found[d.code] = d
        found[d.name] = d
    return found


def _row(number: int, get, departments, errors: list[dict]) -> dict | None:
    bad = len(errors)
    code = get("code")
    if not CODE.match(code):
        errors.append(error(number, "code", _("an asset code is 1–40 letters, digits and . _ / -")))
    ip = get("ip")
    if ip:
        try:
            ip = str(ipaddress.ip_address(ip))
        except ValueError:
            errors.append(error(number, "ip", _("%(v)r is not an IP address") % {"v": ip}))
    mac = get("mac")
    if mac and not MAC.match(mac):
        errors.append(
            error(number, "mac", _("%(v)r is not a MAC address (e.g. 00-1A-2B-3C-4D-5E)") % {"v": mac})
        )
    department = None
    if get("department"):
        department = departments.get(get("department"))
        if department is None:
            errors.append(
                error(number, "department", _("no department is called %(v)r") % {"v": get("department")})
            )
    status = STATUS_OF.get(get("agent_status").lower()) or STATUS_OF.get(get("agent_status"))
    if status is None:
        errors.append(
            error(
                number,
                "agent_status",
                _(
                    "%(v)r is not an agent status; use protected, outdated, disabled or missing (正常, 病毒库过期, 已停用, 未安装)"
                )
                % {"v": get("agent_status")},
            )
        )
    try:
        heartbeat = parse_heartbeat(get("last_heartbeat"))
    except InputError as exc:
        errors.append(error(number, "last_heartbeat", str(exc)))
        heartbeat = None
    for name, limit in (("hostname", 100), ("keeper", 50), ("os", 60), ("agent_version", 40)):
        if len(get(name)) > limit:
            errors.append(error(number, name, _("at most %(n)s characters") % {"n": limit}))
    if len(errors) > bad:
        return None
    return {
        "hostname": get("hostname"),
        "ip": ip or None,
        "mac": mac.upper().replace(":", "-") if mac else "",
        "department": department,
        "keeper": get("keeper"),
        "os": get("os"),
        "agent_status": status,
        "agent_version": get("agent_version"),
        "last_heartbeat_at": heartbeat,
    }


def terminals_import(*, data: bytes, filename: str, by=None, actor_name: str = "") -> ImportResult:
    """Check a terminals file completely, then write all its terminals, or nothing (``by`` None: the
    command line, acting as ``actor_name``)."""
    if by is not None and not by.can(ACTION):
        raise Forbidden(_("Your role may not import terminals."))
    table, index = tabular.load(data, filename, spec())
    departments = _departments()
    errors: list[dict] = []
    rows: dict[str, dict] = {}
    codes = Counter(tabular.getter(cells, index)("code") for _, cells in table.rows)
    for number, cells in table.rows:
        get = tabular.getter(cells, index)
        fields = _row(number, get, departments, errors)
        if codes[get("code")] > 1:
            errors.append(
                error(
                    number,
                    "code",
                    _("%(code)s appears %(n)s times in the file")
                    % {"code": get("code"), "n": codes[get("code")]},
                )
            )
        elif fields is not None:
            rows[get("code")] = fields
    if errors:
        _refuse(errors)
    if not rows:
        _refuse([error(None, None, _("the file has a header row but no terminals"))])
    with transaction.atomic():
        result = _write(rows)
        audit_record(
            action="security.terminal.import",
            actor=by,
            actor_name=actor_name,
            object_type="security.terminal",
            after={"file": filename[:200], **result.__dict__},
        )
    return result


def _write(rows: dict[str, dict]) -> ImportResult:
    existing = {t.code: t for t in Terminal.objects.select_for_update().filter(code__in=list(rows))}
    counts = Counter()
    new = []
    for code, fields in rows.items():
        terminal = existing.get(code)
        if terminal is None:
            new.append(Terminal(code=code, **fields))
            counts["created"] += 1
            continue
        changed = {k: v for k, v in fields.items() if getattr(terminal, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(terminal, key, value)
            terminal.save()
        counts["updated" if changed else "unchanged"] += 1
    Terminal.objects.bulk_create(new, batch_size=1000)
    return ImportResult(counts["created"], counts["updated"], counts["unchanged"])


def _record(t: Terminal) -> list:
    return [
        t.code,
        t.hostname,
        t.ip or "",
        t.mac,
        t.department.code if t.department_id else "",
        t.keeper,
        t.os,
        t.agent_status,
        t.agent_version,
        # written as text, so that a workbook keeps the time of day when it is imported again
        local_time(t.last_heartbeat_at),
    ]


def terminals_file(*, fmt: str) -> bytes:
    """Every terminal as a CSV or XLSX file that imports back unchanged."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown format {fmt!r}; use csv or xlsx")
    return file_bytes(fmt=fmt, sheets=[terminals_sheet(Terminal.objects.all())])


def terminals_sheet(queryset) -> Sheet:
    """The terminals of ``queryset`` in the import's columns (Chinese titles), to import back unchanged."""
    rows = (
        _record(t) for t in queryset.select_related("department").order_by("code").iterator(chunk_size=2000)
    )
    return Sheet(SHEET_NAME, columns([c.title for c in COLUMNS]), rows)
