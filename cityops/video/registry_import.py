"""Bulk import and export of sites and channels: CSV (UTF-8 with or without a BOM, or GBK/GB18030)
or XLSX, one row per channel with its site's columns, all or nothing.

Every row is checked before anything is written: the channel's GB/T 28181 ID by its rules, IDs
unique in the file and (unless updating) new to the registry, the project known, the site's point
inside the town (and the importer's scope), the dates and the build status. One problem anywhere
writes nothing, and each problem names its row (the header is row 1), its column and what is
wrong. A dry run does the same work and rolls it back, so its counts are exactly what a commit does.

The export writes the same columns so that a file exported imports back; stream credentials are
never exported (a column says whether a channel has them), and a re-import keeps the stored ones.
"""

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from typing import NoReturn

from django.db import transaction
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.core import tabular
from cityops.core.errors import Forbidden
from cityops.core.export import Sheet, columns, file_bytes
from cityops.core.tabular import Column
from cityops.core.tabular import row_error as error
from cityops.video.choices import BuildStatus
from cityops.video.models import Channel, Group, Project, Site
from cityops.video.services import (
    BUILD_DATE,
    ChannelIn,
    SiteIn,
    channel_apply,
    channel_errors,
    channel_write_new,
    site_apply,
    site_errors,
    site_write_new,
)

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_ERRORS = 500
SHEET_NAME = "视频通道"
# (code, Chinese header, required); "has_credentials" is written by the export and ignored on import,
# "username"/"password" are read on import and never written.
COLUMNS = [
    Column("project", "项目", True),
    Column("site", "点位编码", True),
    Column("site_name", "点位名称", True),
    Column("site_lon", "点位经度", True),
    Column("site_lat", "点位纬度", True),
    Column("site_address", "点位地址"),
    Column("gb_id", "国标编码", True),
    Column("name", "通道名称", True),
    Column("lon", "经度"),
    Column("lat", "纬度"),
    Column("vendor", "厂商"),
    Column("model", "型号"),
    Column("main_url", "主码流地址"),
    Column("sub_url", "子码流地址"),
    Column("group", "虚拟组织"),
    Column("build_status", "建设状态"),
    Column("planned_on", "规划日期"),
    Column("building_on", "开工日期"),
    Column("built_on", "建成日期"),
    Column("accepted_on", "验收日期"),
    Column("has_credentials", "有凭据"),
    Column("username", "用户名"),
    Column("password", "密码"),
]
CODES = [c.code for c in COLUMNS]
EXPORTED = [c for c in CODES if c not in ("username", "password")]
STATUS_WORDS = {
    "规划": "planned",
    "计划": "planned",
    "在建": "building",
    "建设中": "building",
    "已建": "built",
    "建成": "built",
    "已建成": "built",
    "验收": "accepted",
    "已验收": "accepted",
    **{str(s.label).lower(): s.value for s in BuildStatus},
}
# a field of the services' checks → the column that holds it
FIELD_COLUMN = {
    "site_location": "site_lon",
    "location": "lon",
    "address": "site_address",
    "credentials": "username",
    "on": "build_status",
}


def _spec() -> tabular.Spec:
    return tabular.Spec(
        COLUMNS,
        _("The channels were not imported: %(count)s problem(s) found; nothing was written."),
        sheet_name=SHEET_NAME,
        max_bytes=MAX_BYTES,
        max_rows=MAX_ROWS,
        max_errors=MAX_ERRORS,
    )


def _refuse(errors: list[dict]) -> NoReturn:
    tabular.refuse(errors, _spec())


# ---- checking the rows ----------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    site: SiteIn
    channel: ChannelIn


def _parse_row(number: int, get, default_project: str, errors: list[dict]) -> Row | None:
    bad = len(errors)
    numbers = {}
    for code in ("site_lon", "site_lat", "lon", "lat"):
        text = get(code)
        if not text and code in ("lon", "lat"):
            numbers[code] = None
            continue
        try:
            numbers[code] = float(text)
        except ValueError:
            errors.append(
                error(
                    number,
                    code,
                    _("%(value)r is not a number") % {"value": text} if text else _("is required"),
                )
            )
    dates = {}
    for field in BUILD_DATE.values():
        text = get(field)
        try:
            dates[field] = date.fromisoformat(text[:10]) if text else None
        except ValueError:
            errors.append(error(number, field, _("%(value)r is not a date (YYYY-MM-DD)") % {"value": text}))
    status_text = get("build_status") or "planned"
    status = STATUS_WORDS.get(status_text.lower(), status_text.lower())
    if status not in BuildStatus.values:
        errors.append(
            error(
                number,
                "build_status",
                _("%(value)r is not a build status (规划, 在建, 已建, 已验收)") % {"value": status_text},
            )
        )
    project = get("project") or default_project
    if default_project and get("project") and get("project") != default_project:
        errors.append(
            error(
                number,
                "project",
                _("%(value)r: this file is imported into project %(project)s")
                % {"value": get("project"), "project": default_project},
            )
        )
    if len(errors) > bad:
        return None
    site = SiteIn(
        project=project,
        code=get("site"),
        name=get("site_name"),
        lon=numbers["site_lon"],
        lat=numbers["site_lat"],
        address=get("site_address"),
    )
    username, password = get("username"), get("password")
    channel = ChannelIn(
        gb_id=get("gb_id"),
        name=get("name"),
        site=site.code,
        vendor=get("vendor"),
        model=get("model"),
        main_url=get("main_url"),
        sub_url=get("sub_url"),
        username=username or None if (username or password) else None,
        password=password if (username or password) else None,
        lon=numbers["lon"],
        lat=numbers["lat"],
        group=get("group") or None,
        build_status=status,
        **dates,
    )
    return Row(number, site, channel)


SITE_COLUMNS = {
    "project": "project",
    "name": "site_name",
    "lon": "site_lon",
    "lat": "site_lat",
    "address": "site_address",
}


def _site_differences(a: SiteIn, b: SiteIn) -> list[str]:
    return [column for key, column in SITE_COLUMNS.items() if getattr(a, key) != getattr(b, key)]


class _Lookup:
    """What the checks need from the registry, read once per import."""

    def __init__(self, rows: list[Row]):
        gb_ids = [r.channel.gb_id for r in rows]
        site_codes = {r.site.code for r in rows}
        self.projects = {p.code: p for p in Project.objects.all()}
        self.groups = {g.gb_id: g for g in Group.objects.all()}
        self.sites = {s.code: s for s in Site.objects.select_related("project").filter(code__in=site_codes)}
        self.channels = {
            c.gb_id: c for c in Channel.objects.select_related("site", "group").filter(gb_id__in=gb_ids)
        }


def _stored_site(site: Site) -> SiteIn:
    return SiteIn(site.project.code, site.code, site.name, site.lon, site.lat, site.address)


def _scope_errors(where, by) -> list[tuple[str, str]]:
    if by is None or where is None:
        return []
    for level, unit_id in by.scope_ids().items():
        if unit_id is not None and getattr(where, f"{level}_id", None) != unit_id:
            return [
                (
                    "site_location",
                    _("the point lies in %(grid)s, outside your scope") % {"grid": where.grid_code},
                )
            ]
    return []


def _check(records: list[tuple[int, list[str]]], index: dict[str, int], *, project: str, update: bool, by):
    errors: list[dict] = []
    rows: list[Row] = []
    for number, cells in records:
        row = _parse_row(number, tabular.getter(cells, index), project, errors)
        if row is not None:
            rows.append(row)
    look = _Lookup(rows)
    ids = Counter(r.channel.gb_id for r in rows)
    first_site: dict[str, Row] = {}
    sites: dict[str, tuple[SiteIn, object]] = {}  # code → (data, location) of the checked sites
    good: list[Row] = []
    for row in rows:
        problems: list[tuple[str, str]] = []
        code = row.site.code
        if code in first_site:
            differ = _site_differences(first_site[code].site, row.site)
            problems += [
                (
                    c,
                    _("site %(site)s is described differently on row %(row)s")
                    % {"site": code, "row": first_site[code].number},
                )
                for c in differ
            ]
        else:
            first_site[code] = row
            stored = look.sites.get(code)
            if stored is not None and not update:
                problems += [
                    (
                        c,
                        _("site %(site)s exists with another %(field)s; import with update to change it")
                        % {"site": code, "field": c.replace("site_", "")},
                    )
                    for c in _site_differences(_stored_site(stored), row.site)
                ]
            where, site_problems = site_errors(row.site, look.projects.get(row.site.project))
            problems += site_problems + _scope_errors(where, by)
            if not site_problems:
                sites[code] = (row.site, where)
        gb_id = row.channel.gb_id
        site_obj = look.sites.get(code) or (Site(code=code) if code in sites else None)
        _streams, channel_problems = channel_errors(
            row.channel, site=site_obj or Site(code=code), group=look.groups.get(row.channel.group or "")
        )
        problems += [p for p in channel_problems if p[0] != "site"]
        if ids[gb_id] > 1:
            problems.append(
                (
                    "gb_id",
                    _("%(id)s appears %(count)s times in the file") % {"id": gb_id, "count": ids[gb_id]},
                )
            )
        if gb_id in look.channels and not update:
            problems.append(
                (
                    "gb_id",
                    _("a channel with ID %(id)s exists already; import with update to change it")
                    % {"id": gb_id},
                )
            )
        for name, message in problems:
            errors.append(error(row.number, FIELD_COLUMN.get(name, name), message))
        if not problems:
            good.append(row)
    return good, sites, look, errors


# ---- writing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    sites_created: int
    sites_updated: int
    channels_created: int
    channels_updated: int
    channels_unchanged: int
    dry_run: bool = False


class _DryRun(Exception):
    def __init__(self, result: ImportResult):
        self.result = result


def _write(rows: list[Row], sites: dict[str, tuple[SiteIn, object]], look: _Lookup) -> Counter:
    counts = Counter()
    stored = {s.code: s for s in Site.objects.select_for_update().filter(code__in=list(sites))}
    written: dict[str, Site] = {}
    for code, (data, where) in sites.items():
        project = look.projects[data.project]
        if code in stored:
            written[code] = stored[code]
            counts["sites_updated"] += bool(site_apply(stored[code], data, project, where))
        else:
            written[code] = site_write_new(data, project, where)
            counts["sites_created"] += 1
    channels = {
        c.gb_id: c
        for c in Channel.objects.select_for_update().filter(gb_id__in=[r.channel.gb_id for r in rows])
    }
    for row in rows:
        data, site = row.channel, written[row.site.code]
        group = look.groups.get(data.group) if data.group else None
        streams, _problems = channel_errors(data, site=site, group=group)
        channel = channels.get(data.gb_id)
        if channel is None:
            channel_write_new(data, site, group, streams)
            counts["channels_created"] += 1
            continue
        before = _comparable(channel)
        fields = {
            "name": data.name.strip(),
            "vendor": data.vendor,
            "model": data.model,
            "lon": data.lon if data.lon is not None else site.lon,
            "lat": data.lat if data.lat is not None else site.lat,
            "build_status": data.build_status,
            **{f: getattr(data, f) for f in BUILD_DATE.values()},
        }
        channel_apply(channel, site=site, group=group, streams=streams, fields=fields)
        changed = _comparable(channel) != before
        counts["channels_updated" if changed else "channels_unchanged"] += 1
    return counts


def _comparable(channel: Channel) -> tuple:
    return (
        channel.name,
        channel.site_id,
        channel.group_id,
        channel.vendor,
        channel.model,
        channel.main_url,
        channel.sub_url,
        channel.credentials_sealed,
        round(channel.lon, 9),
        round(channel.lat, 9),
        channel.build_status,
        *(getattr(channel, f) for f in BUILD_DATE.values()),
    )


def registry_import(
    *,
    data: bytes,
    filename: str,
    project: str = "",
    update: bool = False,
    dry_run: bool = False,
    by=None,
    actor_name: str = "",
) -> ImportResult:
    """Check a file of sites and channels completely, then write all of it, or nothing.

    ``project``: the project of rows that name none (and the only one a row may name);
    ``update``: rows whose channel or site exists change it (else they are refused);
    ``dry_run``: check and count, write nothing."""
    if by is not None and not by.can("video.change"):
        raise Forbidden(_("Your role may not import cameras."))
    if project and not Project.objects.filter(code=project).exists():
        _refuse([error(None, "project", _("there is no project %(code)r") % {"code": project})])
    table, index = tabular.load(data, filename, _spec(), optional=["project"] if project else [])
    try:
        with transaction.atomic():
            rows, sites, look, errors = _check(table.rows, index, project=project, update=update, by=by)
            if errors:
                _refuse(errors)
            if not rows:
                _refuse([error(None, None, _("the file has a header row but no channels"))])
            counts = _write(rows, sites, look)
            result = ImportResult(
                counts["sites_created"],
                counts["sites_updated"],
                counts["channels_created"],
                counts["channels_updated"],
                counts["channels_unchanged"],
                dry_run,
            )
            if dry_run:
                raise _DryRun(result)
            if (
                result.channels_created
                or result.channels_updated
                or result.sites_created
                or result.sites_updated
            ):
                audit_record(
                    action="video.channel.import",
                    actor=by,
                    actor_name=actor_name,
                    object_type="video.channel",
                    after={"file": filename, "project": project, "update": update, **asdict(result)},
                )
    except _DryRun as done:
        return done.result
    return result


# ---- export -------------------------------------------------------------------------------------------


def _record(c: Channel) -> list:
    s = c.site
    return [
        c.project.code,
        s.code,
        s.name,
        s.lon,
        s.lat,
        s.address,
        c.gb_id,
        c.name,
        "" if (c.lon, c.lat) == (s.lon, s.lat) else c.lon,
        "" if (c.lon, c.lat) == (s.lon, s.lat) else c.lat,
        c.vendor,
        c.model,
        c.main_url,
        c.sub_url,
        c.group.gb_id if c.group_id else "",
        c.build_status,
        *(getattr(c, f).isoformat() if getattr(c, f) else "" for f in BUILD_DATE.values()),
        "是" if c.credentials_sealed else "否",
    ]


def registry_sheet(queryset) -> Sheet:
    """The channels of ``queryset`` in the import's columns (never their credentials)."""
    qs = queryset.select_related("site", "project", "group").order_by("gb_id")
    titles = [c.title for c in COLUMNS if c.code in EXPORTED]
    return Sheet(SHEET_NAME, columns(titles), (_record(c) for c in qs.iterator(chunk_size=2000)))


def registry_export(*, fmt: str, queryset=None) -> bytes:
    """The channels (all, or ``queryset``) as a CSV or XLSX file that imports back unchanged."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(_("unknown format %(fmt)r; use csv or xlsx") % {"fmt": fmt})
    qs = queryset if queryset is not None else Channel.objects.all()
    return file_bytes(fmt=fmt, sheets=[registry_sheet(qs)])
