"""Channels (路): GB/T 28181 IDs, streams with sealed credentials, the build status."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.video import gbid
from cityops.video.choices import BUILD_ORDER, BuildStatus
from cityops.video.credentials import BadUrl, Credentials, seal_credentials, split_url
from cityops.video.models import Channel, Group, Site
from cityops.video.services.common import (
    BUILD_DATE,
    UNSET,
    _fail,
    _for_change,
    _require,
    _still_in_scope,
    _text_errors,
    point_errors,
)

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
