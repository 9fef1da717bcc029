"""Sites (点位): located to grid, village and area when written."""

import math
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from cityops.audit.services import audit_record
from cityops.video.models import Channel, Project, Site
from cityops.video.services.common import (
    _fail,
    _for_change,
    _require,
    _still_in_scope,
    _text_errors,
    point_errors,
)

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
