"""The big screen (/ops/screen/) and its JSON: the figures of a unit from every capability's panels,
the map of a unit (grids coloured by open cases, and what stands in it), and the newest feed lines.
The live feed itself streams from ``views/events.py``."""

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cityops.cases.patrols.screen import inspector_points
from cityops.cases.screen import open_by_grid, open_points
from cityops.core import events, screen
from cityops.core.pages import requires
from cityops.core.replica import replica_reads
from cityops.geo.models import Grid
from cityops.iot.screen import device_points
from cityops.ops import units
from cityops.video.screen import camera_points

ACTION = "ops.view"
FEED_LINES = 30


def labels() -> dict:
    """The words the screen's script shows, in the user's language."""
    return {
        "live": _("Live"),
        "stale": _("Stale — reconnecting"),
        "connecting": _("Connecting"),
        "today": _("Today"),
        "month": _("This month"),
        "year": _("This year"),
        "reported": _("Cases reported"),
        "closed": _("Cases closed"),
        "effective_rate": _("Effective disposal rate"),
        "target": _("target %(t)s"),
        "open_now": _("Open now"),
        "overdue_now": _("Overdue now"),
        "top_items": _("Most open cases by item"),
        "no_figure": _("no cases due yet"),
        "alarms_active": _("Active alarms"),
        "devices": _("Sensors in service"),
        "online": _("Online"),
        "offline": _("Offline"),
        "never": _("Never reported"),
        "unknown": _("Not yet probed"),
        "video_today": _("Online rate today"),
        "video_month": _("Online rate this month"),
        "cameras_offline": _("Cameras offline now"),
        "failed": _("This panel could not be read."),
        "empty_feed": _("Nothing has happened yet."),
        "layer_cases": _("Open cases"),
        "layer_sensors": _("Sensors"),
        "layer_cameras": _("Cameras"),
        "map_failed": _("The map could not be loaded."),
        "coverage_now": _("Grids on patrol now (last %(m)s min)"),
        "grids_of": _("%(covered)s of %(grids)s grids"),
        "on_patrol": _("Inspectors on patrol"),
        "found_today": _("Found on patrol today"),
        "nothing_found": _("No patrol case reported today."),
        "layer_inspectors": _("Inspectors"),
        "inspector": _("Inspector"),
        "checked_out": _("checked out"),
    }


@requires(ACTION)
def screen_page(request):
    unit = units.home(request.user)
    return render(request, "ops/screen.html", {"home": units.key(unit), "labels": labels()})


def _unit(request) -> screen.Unit:
    return units.resolve(request.user, request.GET.get("unit"))


def _shared(request, unit: screen.Unit, kind: str, build) -> JsonResponse:
    """The figures or the map of a unit, built once per ``CITYOPS_SCREEN_SHARED_SECONDS`` (5: the page
    asks again 5 s after news, so what it then gets was built after the news) for everyone who would be
    given the same answer — the same role, scope, departments and language — rather than once per
    screen: a wall of screens, or fifty offices' screens, would otherwise each rebuild them after
    every new case, beside the dispatchers' own pages (docs/benchmarks.md, bench/ops_load.py)."""
    user = request.user
    sight = [
        user.role,
        user.is_superuser,
        sorted((k, v) for k, v in user.scope_ids().items() if v is not None),
        sorted(user.department_ids()) if user.is_department_bound() else [],
    ]
    raw = json.dumps([kind, units.key(unit), translation.get_language(), sight], default=str)
    key = "ops-screen:" + hashlib.sha256(raw.encode()).hexdigest()
    body = cache.get(key)
    if body is None:
        with replica_reads():  # a few seconds behind the primary at most: the page asks again anyway
            body = json.dumps(build(), cls=DjangoJSONEncoder)
        cache.set(key, body, settings.CITYOPS_SCREEN_SHARED_SECONDS)
    return HttpResponse(body, content_type="application/json")


@never_cache
@requires(ACTION)
def figures(request):
    """``?unit=village:V01`` → the unit, the way back up, and every panel the user may see."""
    unit = _unit(request)
    return _shared(
        request,
        unit,
        "figures",
        lambda: {
            "unit": {"key": units.key(unit), "level": unit.level, "code": unit.code, "name": unit.name},
            "breadcrumb": units.breadcrumb(request.user, unit),
            "panels": screen.figures(request.user, unit),
        },
    )


def _grids(user, unit: screen.Unit):
    qs = Grid.objects.select_related("village", "area").order_by("code")
    qs = qs.filter(pk=unit.id) if unit.level == "grid" else qs.filter(**unit.filter())
    for level, unit_id in user.scope_ids().items():
        if unit_id is not None:
            qs = qs.filter(pk=unit_id) if level == "grid" else qs.filter(**{f"{level}_id": unit_id})
    return qs


@never_cache
@requires(ACTION)
def map_data(request):
    """The unit's grids as GeoJSON with their open and overdue cases, and — below the town — the open
    cases, the sensors, the cameras and the inspectors' last positions standing in it."""
    user, unit = request.user, _unit(request)
    return _shared(request, unit, "map", lambda: _map_body(user, unit))


def _map_body(user, unit: screen.Unit) -> dict:
    counts = open_by_grid(user, unit)
    features = []
    for g in _grids(user, unit):
        c = counts.get(g.pk, {"open": 0, "overdue": 0})
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(g.geometry),
                "properties": {
                    "code": g.code,
                    "name": g.name,
                    "parent": g.village.code,
                    "village_name": g.village.name,
                    "area": g.area.code,
                    "open": c["open"],
                    "overdue": c["overdue"],
                },
            }
        )
    body = {"unit": units.key(unit), "features": features}
    if unit.level != "town":
        body["cases"] = open_points(user, unit) if user.can("cases.view") else []
        body["sensors"] = device_points(user, unit) if user.can("iot.view") else []
        body["cameras"] = camera_points(user, unit) if user.can("video.view") else []
        body["inspectors"] = inspector_points(user, unit) if user.can("cases.view") else []
    return body


@never_cache
@requires(ACTION)
def feed(request):
    """The newest feed lines in the user's scope and the id the stream continues after."""
    horizon = events.last_id()  # read first: a line written meanwhile comes again, and is dropped by id
    lines = events.latest(request.user, FEED_LINES)
    return JsonResponse({"last_id": horizon, "events": [events.render(e) for e in lines]})
