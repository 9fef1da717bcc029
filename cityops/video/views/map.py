"""The camera map: every channel in scope on the town's grids, coloured by health, clustered."""

import json

from django.db.models import Case, Value, When
from django.http import HttpResponse
from django.shortcuts import render

from cityops.video import rates
from cityops.video.choices import IN_SERVICE, Health
from cityops.video.views.common import (
    channel_url_template,
    chosen_project,
    health_legend,
    project_choices,
    video_page,
)

MAP_MAX_POINTS = 10_000


@video_page()
def camera_map(request):
    context = {
        "projects": project_choices(),
        "project": chosen_project(request),
        "health": request.GET.get("health", ""),
        "legend": {"health": health_legend()},
        "channel_url": channel_url_template(),
    }
    return render(request, "video/map.html", context)


@video_page()
def map_points(request):
    """Cameras in service in scope for the filters, as compact JSON (offline ones first when capped)."""
    qs = rates.channels_in_scope(request.user).filter(build_status__in=IN_SERVICE)
    project = chosen_project(request)
    if project:
        qs = qs.filter(project__code=project)
    if request.GET.get("health") in Health.values:
        qs = qs.filter(health=request.GET["health"])
    offline_first = Case(When(health=Health.OFFLINE, then=Value(0)), default=Value(1))
    total = qs.count()
    rows = qs.order_by(offline_first, "gb_id").values_list(
        "gb_id", "name", "lon", "lat", "health", "project__name", "site__name", "grid__name", "village__name"
    )[:MAP_MAX_POINTS]
    points = [
        {"c": g, "n": n, "lon": lon, "lat": lat, "h": h, "p": p, "s": s, "g": grid, "v": v}
        for g, n, lon, lat, h, p, s, grid, v in rows
    ]
    body = {"total": total, "shown": len(points), "points": points}
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")
