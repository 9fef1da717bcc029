"""The video home (build progress, cameras online now, online rates against targets) and the
status wall (a tile per camera, coloured by health, by project or by village)."""

from itertools import groupby

from django.shortcuts import render

from cityops.video import rates
from cityops.video.choices import IN_SERVICE, Health, ProjectKind
from cityops.video.views.common import (
    channel_url,
    chosen_project,
    health_legend,
    project_choices,
    today,
    video_page,
)


@video_page()
def home(request):
    """Per project: planned against built, online now, the rate today and this month against the target."""
    day = today()
    first, _ = rates.month_bounds(day)
    user = request.user
    now = {n.key: n for n in rates.health_now(user=user)}
    on_day = {r.key: r for r in rates.project_rates(user=user, start=day, end=day)}
    in_month = {r.key: r for r in rates.project_rates(user=user, start=first, end=day)}
    projects = [
        {
            "progress": p,
            "kind": ProjectKind(p.kind).label,
            "now": now[p.key],
            "today": on_day[p.key],
            "month": in_month[p.key],
        }
        for p in rates.build_progress(user=user)
    ]
    totals = {
        "channels": sum(p["progress"].channels for p in projects),
        "planned": sum(p["progress"].planned_channels for p in projects),
        "online": sum(p["now"].online for p in projects),
        "offline": sum(p["now"].offline for p in projects),
        "faults": len(rates.long_faults(user=user, month=day)),
    }
    context = {
        "projects": projects,
        "totals": totals,
        "day": day,
        "first": first,
        "limit": rates.FAULT_LIMIT_HOURS,
        "online_colour": Health.ONLINE.colour,
        "offline_colour": Health.OFFLINE.colour,
        # a project's plan is the town's: a narrower scope sees what it has, not a share of the plan
        "town_wide": not any(user.scope_ids().values()),
    }
    return render(request, "video/home.html", context)


WALL_GROUPS = ("project", "village")


@video_page()
def wall(request):
    """Every camera in service as a tile coloured by its health, grouped by project or by village."""
    by = request.GET.get("by") if request.GET.get("by") in WALL_GROUPS else "project"
    project = chosen_project(request)
    qs = rates.channels_in_scope(request.user).filter(build_status__in=IN_SERVICE)
    if project:
        qs = qs.filter(project__code=project)
    health = request.GET.get("health", "")
    if health in Health.values:
        qs = qs.filter(health=health)
    else:
        health = ""
    key = "project__name" if by == "project" else "village__name"
    order = ("project__code", "village__code") if by == "project" else ("village__code", "project__code")
    rows = qs.order_by(*order, "gb_id").values_list(key, "gb_id", "name", "health", "village__name")
    colours = {h.value: (h.colour, str(h.label)) for h in Health}
    groups = []
    for name, members in groupby(rows, key=lambda r: r[0]):
        tiles = [
            {
                "gb_id": gb_id,
                "name": ch_name,
                "health": h,
                "colour": colours[h][0],
                "label": colours[h][1],
                "where": village,
                "url": channel_url(gb_id),
            }
            for _, gb_id, ch_name, h, village in members
        ]
        counts = {v: sum(1 for t in tiles if t["health"] == v) for v in Health.values}
        groups.append({"name": name, "tiles": tiles, "counts": counts, "total": len(tiles)})
    if by == "village":
        groups.sort(key=lambda g: (-g["counts"]["offline"] / g["total"], g["name"]))
    context = {
        "groups": groups,
        "by": by,
        "project": project,
        "health": health,
        "projects": project_choices(),
        "legend": health_legend(),
        "total": sum(g["total"] for g in groups),
        "offline": sum(g["counts"]["offline"] for g in groups),
    }
    return render(request, "video/wall.html", context)
