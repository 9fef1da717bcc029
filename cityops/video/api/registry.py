"""The camera registry API: channels, sites and projects; thin over the selectors and services.

Stream credentials may be written (in an address or apart) and are never returned."""

from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Status

from cityops.core.api import PageQuery, paginate
from cityops.video import selectors, services
from cityops.video.choices import BuildStatus, Health
from cityops.video.models import Channel, Site
from cityops.video.schemas import (
    ChannelIn,
    ChannelOut,
    ChannelPage,
    ChannelPatch,
    ChannelQuery,
    ProjectDetail,
    ProjectOut,
    SiteOut,
    SitePage,
    SiteQuery,
)

router = Router(tags=["video"])


def _require(request, action: str) -> None:
    if not request.user.can(action):
        raise PermissionDenied(f"Your role may not do {action}.")


def channel_row(c: Channel) -> dict:
    status, health = BuildStatus(c.build_status), Health(c.health)
    return {
        "gb_id": c.gb_id,
        "name": c.name,
        "project": c.project.code,
        "site": c.site.code,
        "site_name": c.site.name,
        "group": c.group.gb_id if c.group_id else None,
        "vendor": c.vendor,
        "model": c.model,
        "main_url": c.main_url,
        "sub_url": c.sub_url,
        "has_credentials": c.has_credentials,
        "lon": c.lon,
        "lat": c.lat,
        "area": c.area.code,
        "village": c.village.code,
        "grid": c.grid.code,
        "build_status": c.build_status,
        "build_status_label": str(status.label),
        "build_status_colour": status.colour,
        "planned_on": c.planned_on,
        "building_on": c.building_on,
        "built_on": c.built_on,
        "accepted_on": c.accepted_on,
        "health": c.health,
        "health_label": str(health.label),
        "health_colour": health.colour,
        "health_since": c.health_since,
    }


def site_row(s: Site) -> dict:
    return {
        "code": s.code,
        "name": s.name,
        "project": s.project.code,
        "lon": s.lon,
        "lat": s.lat,
        "address": s.address,
        "area": s.area.code,
        "village": s.village.code,
        "grid": s.grid.code,
        "channels": s.channel_count,
    }


def progress_row(p: selectors.Progress) -> dict:
    return {
        "planned": p.planned,
        "building": p.building,
        "built": p.built,
        "accepted": p.accepted,
        "plan": p.plan,
        "percent": p.percent,
    }


def project_row(r: selectors.ProjectRow) -> dict:
    p = r.project
    return {
        "code": p.code,
        "name": p.name,
        "kind": p.kind,
        "target_rate": p.target_rate,
        "planned_sites": p.planned_sites,
        "planned_channels": p.planned_channels,
        "sites": r.sites,
        "progress": progress_row(r.progress),
    }


def _channel(request, gb_id: str) -> dict:
    return channel_row(selectors.channel_get(user=request.user, gb_id=gb_id))


# ---- channels -----------------------------------------------------------------------------------------


@router.get("/channels", response=ChannelPage, summary="Channels in your scope, filtered and paged")
def channel_list(request, q: Query[ChannelQuery], paging: Query[PageQuery]):
    _require(request, "video.view")
    f = selectors.ChannelFilter(
        project=q.project,
        area=q.area,
        village=q.village,
        grid=q.grid,
        site=q.site,
        build_status=q.build_status,
        health=q.health,
        group=q.group,
        text=q.q,
    )
    items, meta = paginate(selectors.channel_list(user=request.user, filters=f), paging)
    return {**meta, "results": [channel_row(c) for c in items]}


@router.post("/channels", response={201: ChannelOut}, summary="Register a channel on a site")
def channel_create(request, body: ChannelIn):
    _require(request, "video.change")
    channel = services.channel_create(data=services.ChannelIn(**body.model_dump()), by=request.user)
    return Status(201, _channel(request, channel.gb_id))


@router.get("/channels/{gb_id}", response=ChannelOut, summary="One channel")
def channel_get(request, gb_id: str):
    _require(request, "video.view")
    return _channel(request, gb_id)


@router.patch("/channels/{gb_id}", response=ChannelOut, summary="Change a channel or move its build status")
def channel_update(request, gb_id: str, body: ChannelPatch):
    _require(request, "video.change")
    channel = selectors.channel_get(user=request.user, gb_id=gb_id)
    fields = body.model_dump(exclude_unset=True, exclude={"build_status", "build_on", "reason"})
    if "group" in fields:
        fields["group"] = fields["group"] or None
    if fields:
        services.channel_update(channel_id=channel.pk, by=request.user, **fields)
    if body.build_status is not None:
        services.channel_set_build_status(
            channel_id=channel.pk,
            status=body.build_status,
            on=body.build_on,
            reason=body.reason,
            by=request.user,
        )
    return _channel(request, gb_id)


# ---- sites and projects -------------------------------------------------------------------------------


@router.get("/sites", response=SitePage, summary="Sites in your scope with their channel counts")
def site_list(request, q: Query[SiteQuery], paging: Query[PageQuery]):
    _require(request, "video.view")
    f = selectors.SiteFilter(project=q.project, village=q.village, text=q.q)
    items, meta = paginate(selectors.site_list(user=request.user, filters=f), paging)
    return {**meta, "results": [site_row(s) for s in items]}


@router.get("/sites/{code}", response=SiteOut, summary="One site")
def site_get(request, code: str):
    _require(request, "video.view")
    return site_row(selectors.site_get(user=request.user, code=code))


@router.get(
    "/projects", response=list[ProjectOut], summary="Projects with their build progress in your scope"
)
def project_list(request):
    _require(request, "video.view")
    return [project_row(r) for r in selectors.project_list(user=request.user)]


@router.get("/projects/{code}", response=ProjectDetail, summary="One project with its progress per village")
def project_get(request, code: str):
    _require(request, "video.view")
    r = selectors.project_get(user=request.user, code=code)
    return {
        **project_row(r),
        "description": r.project.description,
        "villages": [
            {
                "village": v["village"].code,
                "village_name": v["village"].name,
                "progress": progress_row(v["progress"]),
            }
            for v in r.villages
        ],
    }
