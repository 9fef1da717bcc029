"""Every write to the camera registry: projects, sites, channels, their build status and the
virtual-organisation tree. Keyword-only, everything checked before anything is written, one
transaction each, an audit record each.

A site is located when it is written (its point gives its area, village and grid); its channels
copy that location and its project, so scope and the online-rate group-bys are filters on the
channel's own row. A channel's stream addresses are stored without user:password; the credentials
are sealed apart (``credentials.py``) and never appear in an error, an audit record or a log.
"""

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import NoReturn

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.audit.services import audit_record
from cityops.core.errors import Forbidden, NotFound, ValidationFailed
from cityops.geo.selectors import locate_point
from cityops.video import gbid
from cityops.video.choices import BUILD_ORDER, BuildStatus, ProjectKind
from cityops.video.credentials import BadUrl, Credentials, seal_credentials, split_url
from cityops.video.models import Channel, Group, Project, Site

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
UNSET = object()  # "leave as it is" where None is a value (a channel's group)
BUILD_DATE = {
    "planned": "planned_on",
    "building": "building_on",
    "built": "built_on",
    "accepted": "accepted_on",
}


# what a message calls each kind of row
WHAT = {
    "project": gettext_lazy("project"),
    "site": gettext_lazy("site"),
    "channel": gettext_lazy("channel"),
    "group": gettext_lazy("group"),
    "build status": gettext_lazy("build status"),
}


def _fail(errors: list[tuple[str, str]], what: str) -> NoReturn:
    detail = _("The %(what)s was not saved: %(problems)s") % {
        "what": WHAT.get(what, what),
        "problems": "; ".join(f"{f}: {m}" for f, m in errors),
    }
    raise ValidationFailed(detail, errors=[{"field": f, "message": m} for f, m in errors])


def _require(by, action: str = "video.change") -> None:
    if by is not None and not by.can(action):
        raise Forbidden(_("Your role may not do %(action)s.") % {"action": action})


def _for_change(model, pk: int, by, what: str):
    """The row, locked: 404 when ``by`` cannot see it, 403 when they may not change it."""
    qs = model.objects.select_for_update()
    if by is not None and hasattr(model.objects, "restrict"):
        if not model.objects.restrict(by, "video.view").filter(pk=pk).exists():
            raise NotFound(
                _("There is no %(what)s %(pk)s in your scope.") % {"what": WHAT.get(what, what), "pk": pk}
            )
        qs = qs.restrict(by, "video.change")
        row = qs.filter(pk=pk).first()
        if row is None:
            raise Forbidden(_("Your role may not change this %(what)s.") % {"what": WHAT.get(what, what)})
        return row
    row = qs.filter(pk=pk).first()
    if row is None:
        raise NotFound(_("There is no %(what)s %(pk)s.") % {"what": WHAT.get(what, what), "pk": pk})
    return row


def _still_in_scope(model, pks, by, what: str) -> None:
    pks = list(pks)
    if by is None or not pks:
        return
    if model.objects.restrict(by, "video.change").filter(pk__in=pks).count() != len(set(pks)):
        raise Forbidden(
            _("The %(what)s would lie outside your scope; ask someone whose scope covers the place.")
            % {"what": WHAT.get(what, what)}
        )


def point_errors(lon, lat, field: str = "location") -> tuple[object, list[tuple[str, str]]]:
    """(location, errors) of a point: a WGS84 longitude and latitude inside the town."""
    if not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (lon, lat)
    ):
        return None, [
            (field, _("(%(lon)s, %(lat)s) is not a longitude and latitude") % {"lon": lon, "lat": lat})
        ]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None, [
            (field, _("(%(lon)s, %(lat)s) is not a WGS84 longitude and latitude") % {"lon": lon, "lat": lat})
        ]
    where = locate_point(lon, lat)
    if where is None:
        return None, [
            (field, _("the point (%(lon).6f, %(lat).6f) is outside the town") % {"lon": lon, "lat": lat})
        ]
    return where, []


def _text_errors(field: str, value, *, required: bool, most: int) -> list[tuple[str, str]]:
    value = value or ""
    if required and not value.strip():
        return [(field, _("is required"))]
    if len(value) > most:
        return [(field, _("at most %(most)s characters") % {"most": most})]
    return []


# ---- projects -------------------------------------------------------------------------------------------


def _project_errors(fields: dict) -> list[tuple[str, str]]:
    errors = _text_errors("name", fields.get("name"), required=True, most=100)
    if fields.get("kind") not in ProjectKind.values:
        errors.append(
            (
                "kind",
                _("%(value)r is not one of %(choices)s")
                % {"value": fields.get("kind"), "choices": ", ".join(ProjectKind.values)},
            )
        )
    rate = fields.get("target_rate")
    if not isinstance(rate, int | float) or not 0 <= rate <= 100:
        errors.append(("target_rate", _("a percentage from 0 to 100")))
    for name in ("planned_sites", "planned_channels"):
        if not isinstance(fields.get(name), int) or fields[name] < 0:
            errors.append((name, _("a whole number, 0 or more")))
    return errors


PROJECT_FIELDS = ("name", "kind", "target_rate", "planned_sites", "planned_channels", "description")


def project_create(
    *,
    code: str,
    name: str,
    kind: str,
    target_rate: float | None = None,
    planned_sites: int = 0,
    planned_channels: int = 0,
    description: str = "",
    by=None,
    actor_name: str = "",
) -> Project:
    """A project of cameras; its online-rate target defaults to its kind's (98 % or 95 %)."""
    _require(by)
    if target_rate is None and kind in ProjectKind.values:
        target_rate = ProjectKind(kind).target_rate
    fields = {
        "name": (name or "").strip(),
        "kind": kind,
        "target_rate": target_rate,
        "planned_sites": planned_sites,
        "planned_channels": planned_channels,
        "description": description,
    }
    errors = _project_errors(fields)
    if not CODE_RE.match(code or ""):
        errors.insert(0, ("code", _("%(code)r: 1 to 40 letters, digits, '-' or '_'") % {"code": code}))
    elif Project.objects.filter(code=code).exists():
        errors.insert(0, ("code", _("a project with code %(code)r exists already") % {"code": code}))
    if errors:
        _fail(errors, "project")
    with transaction.atomic():
        project = Project.objects.create(code=code, **fields)
        audit_record(
            action="video.project.create", actor=by, actor_name=actor_name, obj=project, after=fields
        )
    return project


def project_update(*, project_id: int, by=None, actor_name: str = "", **changes) -> Project:
    """Change a project's name, kind, target or plan (a field not given stays as it is)."""
    _require(by)
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        _fail([(k, _("not a field of a project")) for k in sorted(unknown)], "project")
    with transaction.atomic():
        project = _for_change(Project, project_id, by, "project")
        before = {k: getattr(project, k) for k in PROJECT_FIELDS}
        follows_kind = project.target_rate == ProjectKind(project.kind).target_rate
        if follows_kind and "target_rate" not in changes and changes.get("kind") in ProjectKind.values:
            changes["target_rate"] = ProjectKind(changes["kind"]).target_rate
        after = {**before, **{k: v for k, v in changes.items() if v is not None}}
        errors = _project_errors(after)
        if errors:
            _fail(errors, "project")
        changed = {k: v for k, v in after.items() if before[k] != v}
        if changed:
            for key, value in changed.items():
                setattr(project, key, value)
            project.save()
            audit_record(
                action="video.project.update",
                actor=by,
                actor_name=actor_name,
                obj=project,
                before={k: before[k] for k in changed},
                after=changed,
            )
    return project


# ---- sites ------------------------------------------------------------------------------------------------


@dataclass
class SiteIn:
    project: str  # code
    code: str
    name: str
    lon: float
    lat: float
    address: str = ""


def site_errors(data: SiteIn, project: Project | None) -> tuple[object, list[tuple[str, str]]]:
    """(location, errors) of a site's fields (not its uniqueness)."""
    errors = []
    code = data.code or ""
    if not code.strip() or len(code) > 40 or code != code.strip():
        errors.append(
            ("site", _("%(code)r: a site code of 1 to 40 characters, no spaces around it") % {"code": code})
        )
    errors += _text_errors("site_name", data.name, required=True, most=150)
    errors += _text_errors("address", data.address, required=False, most=200)
    if project is None:
        errors.append(("project", _("there is no project %(code)r") % {"code": data.project}))
    where, problems = point_errors(data.lon, data.lat, "site_location")
    return where, errors + problems


def site_write_new(data: SiteIn, project: Project, where) -> Site:
    """Insert a checked site (for create and import)."""
    return Site.objects.create(
        project=project,
        code=data.code,
        name=data.name.strip(),
        lon=data.lon,
        lat=data.lat,
        address=data.address,
        area_id=where.area_id,
        village_id=where.village_id,
        grid_id=where.grid_id,
    )


def site_create(*, data: SiteIn, by=None, actor_name: str = "") -> Site:
    """A site at its point, located to its area, village and grid."""
    _require(by)
    project = Project.objects.filter(code=data.project).first()
    where, errors = site_errors(data, project)
    if Site.objects.filter(code=data.code).exists():
        errors.insert(0, ("site", _("a site with code %(code)r exists already") % {"code": data.code}))
    if errors:
        _fail(errors, "site")
    with transaction.atomic():
        site = site_write_new(data, project, where)
        _still_in_scope(Site, [site.pk], by, "site")
        audit_record(
            action="video.site.create",
            actor=by,
            actor_name=actor_name,
            obj=site,
            after={"project": project.code, "grid": where.grid_code, "lon": data.lon, "lat": data.lat},
        )
    return site


def site_apply(site: Site, data: SiteIn, project: Project, where) -> dict:
    """Write checked fields to a stored site; a move or a new project is copied to its channels.
    Returns what changed (for the audit record)."""
    changed = {}
    for key, value in (("name", data.name.strip()), ("address", data.address)):
        if getattr(site, key) != value:
            changed[key] = value
    moved = not (
        math.isclose(site.lon, data.lon, abs_tol=1e-9) and math.isclose(site.lat, data.lat, abs_tol=1e-9)
    )
    if moved:
        # channels that stood at the site's point move with it; the others keep their own point
        Channel.objects.filter(site=site, lon=site.lon, lat=site.lat).update(lon=data.lon, lat=data.lat)
        changed.update(lon=data.lon, lat=data.lat)
    if site.project_id != project.pk:
        changed["project"] = project.code
    for key, value in changed.items():
        if key != "project":
            setattr(site, key, value)
    site.project = project
    location = {"area_id": where.area_id, "village_id": where.village_id, "grid_id": where.grid_id}
    if any(getattr(site, k) != v for k, v in location.items()):
        changed["grid"] = where.grid_code
    for key, value in location.items():
        setattr(site, key, value)
    if changed:
        site.save()
        Channel.objects.filter(site=site).update(project=project, **location)
    return changed


def site_update(
    *,
    site_id: int,
    by=None,
    actor_name: str = "",
    name: str | None = None,
    address: str | None = None,
    project: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
) -> Site:
    """Change a site; a move re-locates it and its channels, a new project moves its channels too."""
    _require(by)
    if (lon is None) != (lat is None):
        _fail([("site_location", _("a move needs both lon and lat"))], "site")
    with transaction.atomic():
        site = _for_change(Site, site_id, by, "site")
        data = SiteIn(
            project=project if project is not None else site.project.code,
            code=site.code,
            name=name if name is not None else site.name,
            lon=lon if lon is not None else site.lon,
            lat=lat if lat is not None else site.lat,
            address=address if address is not None else site.address,
        )
        new_project = Project.objects.filter(code=data.project).first()
        where, errors = site_errors(data, new_project)
        if errors:
            _fail(errors, "site")
        before = {"name": site.name, "address": site.address, "lon": site.lon, "lat": site.lat}
        changed = site_apply(site, data, new_project, where)
        if changed:
            _still_in_scope(Site, [site.pk], by, "site")
            audit_record(
                action="video.site.update",
                actor=by,
                actor_name=actor_name,
                obj=site,
                before={k: before[k] for k in changed if k in before},
                after=changed,
            )
    return site


# ---- channels ---------------------------------------------------------------------------------------------


@dataclass
class ChannelIn:
    gb_id: str
    name: str
    site: str  # code
    vendor: str = ""
    model: str = ""
    main_url: str = ""
    sub_url: str = ""
    username: str | None = None  # given apart from the address (None: not given)
    password: str | None = None
    lon: float | None = None  # None: the site's point
    lat: float | None = None
    group: str | None = None  # GB/T 28181 ID of a virtual organisation (216)
    build_status: str = BuildStatus.PLANNED
    planned_on: date | None = None
    building_on: date | None = None
    built_on: date | None = None
    accepted_on: date | None = None


@dataclass
class Streams:
    main_url: str
    sub_url: str
    credentials: Credentials | None  # None: none given (keep what is stored)


def stream_errors(
    main_url: str, sub_url: str, username: str | None, password: str | None
) -> tuple[Streams | None, list[tuple[str, str]]]:
    """The addresses without credentials and the credentials they or the separate fields carried."""
    errors, clean, found = [], {}, {}
    for field, url in (("main_url", main_url), ("sub_url", sub_url)):
        try:
            clean[field], found[field] = split_url(url)
        except BadUrl as exc:
            errors.append((field, str(exc)))
    if errors:
        return None, errors
    main, sub = found["main_url"], found["sub_url"]
    if main and sub and main != sub:
        errors.append(("sub_url", _("carries other credentials than the main stream; give them once")))
    creds: Credentials | None = main or sub or None
    if username is not None or password is not None:
        creds = Credentials(username or "", password or "")
        if len(creds.username) > 100 or len(creds.password) > 200:
            errors.append(("credentials", _("the user name or password is too long")))
    return Streams(clean["main_url"], clean["sub_url"], creds), errors


def build_errors(status: str, dates: dict[str, date | None]) -> list[tuple[str, str]]:
    """A build status and its dates: no date of a later stage, dates in order, none in the future."""
    if status not in BUILD_ORDER:
        return [
            (
                "build_status",
                _("%(value)r is not one of %(choices)s")
                % {"value": status, "choices": ", ".join(BUILD_ORDER)},
            )
        ]
    errors, last, today = [], None, timezone.localdate()
    rank = BUILD_ORDER.index(status)
    for stage, field in BUILD_DATE.items():
        value = dates.get(field)
        if value is None:
            continue
        if BUILD_ORDER.index(stage) > rank:
            errors.append(
                (
                    field,
                    _("a channel that is %(status)s has no %(field)s")
                    % {"status": status, "field": field.replace("_", " ")},
                )
            )
        elif value > today:
            errors.append((field, _("%(date)s is in the future") % {"date": value.isoformat()}))
        elif last is not None and value < last[1]:
            errors.append(
                (
                    field,
                    _("%(date)s is before %(field)s %(other)s")
                    % {"date": value.isoformat(), "field": last[0], "other": last[1].isoformat()},
                )
            )
        last = (field.replace("_", " "), value) if last is None or value >= last[1] else last
    return errors


def group_for_channel_errors(group: Group | None, gb_id: str | None) -> list[tuple[str, str]]:
    """The tree rule: a channel hangs under a virtual organisation (216), never a business group."""
    if not gb_id:
        return []
    if group is None:
        return [("group", _("there is no virtual organisation %(id)s") % {"id": gb_id})]
    if group.type_code != "216":
        return [
            (
                "group",
                _(
                    "%(id)s is a business group (215); a channel hangs under a virtual organisation (216) "
                    "of it, not directly under the group"
                )
                % {"id": gb_id},
            )
        ]
    return []


def channel_errors(data: ChannelIn, *, site: Site | None, group: Group | None) -> tuple[Streams | None, list]:
    """(streams, errors) of a channel's fields (not the uniqueness of its ID)."""
    errors = []
    try:
        gbid.parse(data.gb_id, types=gbid.CHANNEL_TYPES)
    except gbid.BadId as exc:
        errors.append(("gb_id", f"{data.gb_id!r}: {exc}"))
    errors += _text_errors("name", data.name, required=True, most=150)
    errors += _text_errors("vendor", data.vendor, required=False, most=60)
    errors += _text_errors("model", data.model, required=False, most=60)
    if site is None:
        errors.append(("site", _("there is no site %(code)r") % {"code": data.site}))
    if (data.lon is None) != (data.lat is None):
        errors.append(("location", _("give both lon and lat, or neither (the site's point)")))
    elif data.lon is not None:
        errors += point_errors(data.lon, data.lat)[1]
    errors += group_for_channel_errors(group, data.group)
    errors += build_errors(data.build_status, {f: getattr(data, f) for f in BUILD_DATE.values()})
    streams, problems = stream_errors(data.main_url, data.sub_url, data.username, data.password)
    return streams, errors + problems


def channel_write_new(data: ChannelIn, site: Site, group: Group | None, streams: Streams) -> Channel:
    """Insert a checked channel with its site's project and location (for create and import)."""
    return Channel.objects.create(
        gb_id=data.gb_id.strip(),
        name=data.name.strip(),
        site=site,
        project_id=site.project_id,
        group=group,
        vendor=data.vendor,
        model=data.model,
        main_url=streams.main_url,
        sub_url=streams.sub_url,
        credentials_sealed=seal_credentials(streams.credentials) if streams.credentials else "",
        build_status=data.build_status,
        **{f: getattr(data, f) for f in BUILD_DATE.values()},
        lon=data.lon if data.lon is not None else site.lon,
        lat=data.lat if data.lat is not None else site.lat,
        area_id=site.area_id,
        village_id=site.village_id,
        grid_id=site.grid_id,
    )


def channel_facts(channel: Channel) -> dict:
    """What an audit record keeps of a channel: never its credentials, only whether it has them."""
    return {
        "gb_id": channel.gb_id,
        "name": channel.name,
        "site": channel.site.code if channel.site_id else None,
        "group": channel.group.gb_id if channel.group_id else None,
        "vendor": channel.vendor,
        "model": channel.model,
        "main_url": channel.main_url,
        "sub_url": channel.sub_url,
        "has_credentials": channel.has_credentials,
        "lon": channel.lon,
        "lat": channel.lat,
        "build_status": channel.build_status,
    }


def channel_create(*, data: ChannelIn, by=None, actor_name: str = "") -> Channel:
    """A channel on its site: ID checked, credentials taken out of the addresses and sealed."""
    _require(by)
    site = Site.objects.select_related("project").filter(code=data.site).first()
    group = Group.objects.filter(gb_id=data.group).first() if data.group else None
    streams, errors = channel_errors(data, site=site, group=group)
    if Channel.objects.filter(gb_id=(data.gb_id or "").strip()).exists():
        errors.insert(0, ("gb_id", _("a channel with ID %(id)s exists already") % {"id": data.gb_id}))
    if errors:
        _fail(errors, "channel")
    with transaction.atomic():
        channel = channel_write_new(data, site, group, streams)
        _still_in_scope(Channel, [channel.pk], by, "channel")
        audit_record(
            action="video.channel.create",
            actor=by,
            actor_name=actor_name,
            obj=channel,
            after=channel_facts(channel),
        )
    return channel


def channel_apply(
    channel: Channel,
    *,
    site: Site,
    group,
    streams: Streams | None,
    fields: dict,
    clear_credentials: bool = False,
) -> None:
    """Write checked changes to a stored channel (for update and import); credentials are kept
    unless new ones are given or ``clear_credentials``."""
    for key, value in fields.items():
        setattr(channel, key, value)
    if group is not UNSET:
        channel.group = group
    if site.pk != channel.site_id:
        channel.site = site
    channel.project_id = site.project_id
    channel.area_id, channel.village_id, channel.grid_id = site.area_id, site.village_id, site.grid_id
    if streams is not None:
        channel.main_url, channel.sub_url = streams.main_url, streams.sub_url
        if streams.credentials is not None:
            channel.credentials_sealed = seal_credentials(streams.credentials)
    if clear_credentials:
        channel.credentials_sealed = ""
    channel.save()


def channel_update(
    *,
    channel_id: int,
    by=None,
    actor_name: str = "",
    name: str | None = None,
    site: str | None = None,
    vendor: str | None = None,
    model: str | None = None,
    main_url: str | None = None,
    sub_url: str | None = None,
    username: str | None = None,
    password: str | None = None,
    clear_credentials: bool = False,
    lon: float | None = None,
    lat: float | None = None,
    group=UNSET,
) -> Channel:
    """Change a channel's facts (a field not given stays); the build status has its own service."""
    _require(by)
    with transaction.atomic():
        channel = _for_change(Channel, channel_id, by, "channel")
        channel = Channel.objects.select_related("site", "group").get(pk=channel.pk)
        before = channel_facts(channel)
        new_site = channel.site if site is None else Site.objects.filter(code=site).first()
        new_group = (
            channel.group
            if group is UNSET
            else (Group.objects.filter(gb_id=group).first() if group else None)
        )
        data = ChannelIn(
            gb_id=channel.gb_id,
            name=name if name is not None else channel.name,
            site=site or channel.site.code,
            vendor=vendor if vendor is not None else channel.vendor,
            model=model if model is not None else channel.model,
            main_url=main_url if main_url is not None else channel.main_url,
            sub_url=sub_url if sub_url is not None else channel.sub_url,
            username=username,
            password=password,
            lon=lon if lon is not None else (None if site is not None and lat is None else channel.lon),
            lat=lat if lat is not None else (None if site is not None and lon is None else channel.lat),
            group=(group or None)
            if group is not UNSET
            else (channel.group.gb_id if channel.group_id else None),
            build_status=channel.build_status,
            **{f: getattr(channel, f) for f in BUILD_DATE.values()},
        )
        if clear_credentials and (username is not None or password is not None):
            _fail([("credentials", _("either give new credentials or clear them, not both"))], "channel")
        streams, errors = channel_errors(data, site=new_site, group=new_group)
        if errors:
            _fail(errors, "channel")
        fields = {"name": data.name.strip(), "vendor": data.vendor, "model": data.model}
        fields["lon"] = data.lon if data.lon is not None else new_site.lon
        fields["lat"] = data.lat if data.lat is not None else new_site.lat
        channel_apply(
            channel,
            site=new_site,
            group=UNSET if group is UNSET else new_group,
            streams=streams,
            fields=fields,
            clear_credentials=clear_credentials,
        )
        after = channel_facts(channel)
        credentials_changed = clear_credentials or (streams.credentials is not None)
        diff = {k: v for k, v in after.items() if before[k] != v}
        if diff or credentials_changed:
            _still_in_scope(Channel, [channel.pk], by, "channel")
            if credentials_changed:
                diff["credentials"] = "cleared" if clear_credentials else "replaced"
            audit_record(
                action="video.channel.update",
                actor=by,
                actor_name=actor_name,
                obj=channel,
                before={k: before[k] for k in diff if k in before},
                after=diff,
            )
    return channel


def channel_set_build_status(
    *, channel_id: int, status: str, on: date | None = None, reason: str = "", by=None, actor_name: str = ""
) -> Channel:
    """Move a channel along planned → building → built → accepted, dating the new stage; a step back
    needs a reason and clears the dates of the stages it undoes."""
    _require(by)
    if status not in BUILD_ORDER:
        _fail(
            [
                (
                    "build_status",
                    _("%(value)r is not one of %(choices)s")
                    % {"value": status, "choices": ", ".join(BUILD_ORDER)},
                )
            ],
            "build status",
        )
    on = on or timezone.localdate()
    if on > timezone.localdate():
        _fail([("on", _("%(date)s is in the future") % {"date": on.isoformat()})], "build status")
    with transaction.atomic():
        channel = _for_change(Channel, channel_id, by, "channel")
        old, new = BUILD_ORDER.index(channel.build_status), BUILD_ORDER.index(status)
        if old == new:
            _fail(
                [("build_status", _("the channel is %(status)s already") % {"status": status})],
                "build status",
            )
        reason = (reason or "").strip()
        if new < old and not reason:
            _fail(
                [
                    (
                        "reason",
                        _("going back from %(old)s to %(new)s needs a reason")
                        % {"old": channel.build_status, "new": status},
                    )
                ],
                "build status",
            )
        if len(reason) > 300:
            _fail([("reason", _("at most %(most)s characters") % {"most": 300})], "build status")
        before = {
            "build_status": channel.build_status,
            **{f: getattr(channel, f) for f in BUILD_DATE.values()},
        }
        if new > old:
            earlier = [getattr(channel, BUILD_DATE[s]) for s in BUILD_ORDER[:new]]
            latest = max((d for d in earlier if d), default=None)
            if latest and on < latest:
                _fail(
                    [
                        (
                            "on",
                            _("%(date)s is before the channel's earlier stage (%(earlier)s)")
                            % {"date": on.isoformat(), "earlier": latest.isoformat()},
                        )
                    ],
                    "build status",
                )
            setattr(channel, BUILD_DATE[status], on)
        else:
            for stage in BUILD_ORDER[new + 1 :]:
                setattr(channel, BUILD_DATE[stage], None)
        channel.build_status = status
        channel.save()
        after = {"build_status": status, **{f: getattr(channel, f) for f in BUILD_DATE.values()}}
        audit_record(
            action="video.channel.build",
            actor=by,
            actor_name=actor_name,
            obj=channel,
            before=before,
            after={**after, **({"reason": reason} if reason else {})},
        )
    return channel


# ---- the virtual-organisation tree -------------------------------------------------------------------------


def group_parent_errors(gb_id: str, parent: Group | None, parent_gb_id: str | None) -> list[tuple[str, str]]:
    """The tree rule: a business group (215) is a root; a virtual organisation (216) hangs under a
    business group or another virtual organisation."""
    type_code = gb_id[10:13]
    if type_code == "215":
        return (
            [("parent", _("a business group (215) is a root of the tree; it has no parent"))]
            if parent_gb_id
            else []
        )
    if not parent_gb_id:
        return [
            ("parent", _("a virtual organisation (216) hangs under a business group (215) or another 216"))
        ]
    if parent is None:
        return [("parent", _("there is no group %(id)s") % {"id": parent_gb_id})]
    if parent.type_code not in gbid.GROUP_TYPES:
        return [
            ("parent", _("%(id)s is not a business group or virtual organisation") % {"id": parent_gb_id})
        ]
    return []


def group_create(*, gb_id: str, name: str, parent: str | None = None, by=None, actor_name: str = "") -> Group:
    """A business group (215) or a virtual organisation (216) of the browsing tree."""
    _require(by)
    gb_id = (gb_id or "").strip()
    errors = _text_errors("name", name, required=True, most=100)
    try:
        gbid.parse(gb_id, types=gbid.GROUP_TYPES)
    except gbid.BadId as exc:
        errors.insert(0, ("gb_id", f"{gb_id!r}: {exc}"))
    else:
        if Group.objects.filter(gb_id=gb_id).exists():
            errors.insert(0, ("gb_id", _("a group with ID %(id)s exists already") % {"id": gb_id}))
        parent_group = Group.objects.filter(gb_id=parent).first() if parent else None
        errors += group_parent_errors(gb_id, parent_group, parent)
    if errors:
        _fail(errors, "group")
    with transaction.atomic():
        group = Group.objects.create(gb_id=gb_id, name=name.strip(), parent=parent_group)
        audit_record(
            action="video.group.create",
            actor=by,
            actor_name=actor_name,
            obj=group,
            after={"gb_id": gb_id, "name": group.name, "parent": parent},
        )
    return group


def group_update(
    *, group_id: int, name: str | None = None, parent=UNSET, by=None, actor_name: str = ""
) -> Group:
    """Rename a group or hang it elsewhere (never under itself or its own descendants)."""
    _require(by)
    with transaction.atomic():
        group = _for_change(Group, group_id, by, "group")
        new_name = name.strip() if name is not None else group.name
        errors = _text_errors("name", new_name, required=True, most=100)
        new_parent = group.parent
        if parent is not UNSET:
            new_parent = Group.objects.filter(gb_id=parent).first() if parent else None
            errors += group_parent_errors(group.gb_id, new_parent, parent)
            node = new_parent
            while node is not None and not errors:
                if node.pk == group.pk:
                    errors.append(
                        (
                            "parent",
                            _("%(parent)s is %(id)s itself or lies under it")
                            % {"parent": parent, "id": group.gb_id},
                        )
                    )
                node = node.parent
        if errors:
            _fail(errors, "group")
        before = {"name": group.name, "parent": group.parent.gb_id if group.parent_id else None}
        group.name, group.parent = new_name, new_parent
        after = {"name": group.name, "parent": new_parent.gb_id if new_parent else None}
        if before != after:
            group.save()
            audit_record(
                action="video.group.update",
                actor=by,
                actor_name=actor_name,
                obj=group,
                before=before,
                after=after,
            )
    return group
