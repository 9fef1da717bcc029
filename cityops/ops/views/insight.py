"""Decision support's pages: hot spots on the map and in time, recurring places, rankings by the
KPI formulas and the weekly forecasts with their accuracy and warnings. Every page reads within the
reader's scope; a bad choice in the query string is answered with a message naming it (400)."""

import json
from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.core.pages import requires
from cityops.geo.models import Grid
from cityops.ops.insight import hotspots as hs
from cityops.ops.insight import places as pl
from cityops.ops.insight import rankings as rk
from cityops.ops.insight.forecast import forecast_request, last_complete_week
from cityops.ops.insight.inputs import InsightInputError, group_from, groups, int_from, span_from
from cityops.ops.insight.selectors import (
    current_week,
    recent_warnings,
    series_get,
    series_list,
    series_points,
    short_series,
    state,
    warnings_for,
)

ACTION = "ops.view"


def _refused(request, template: str, context: dict, exc: InsightInputError):
    context.update({"error": str(exc), "groups": groups()})
    return render(request, template, context, status=400)


@requires(ACTION)
def overview(request):
    """What decision support offers, and the weeks that ran above their forecast."""
    return render(
        request,
        "ops/insight/overview.html",
        {
            "warnings": warnings_for(user=request.user),
            "running": [p for p in current_week(user=request.user) if p.warning],
            "earlier": [p for p in recent_warnings(user=request.user) if p.week != p.series.last_week],
            "short": short_series(user=request.user),
            "state": state(),
        },
    )


def _features(result: hs.HotSpots) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": json.loads(g.grid.geometry),
                "properties": {
                    "code": g.grid.code,
                    "name": f"{g.grid.village.name} · {g.grid.name}",
                    "cases": g.cases,
                    "z": round(g.z, 2),
                    "p": round(g.p, 3),
                    "cls": g.cls,
                    "label": g.label,
                    "colour": g.colour,
                },
            }
            for g in result.grids
        ],
    }


@requires(ACTION)
def hot_spots(request):
    """Gi* of the grids over a period: the map coloured by class and the table, hottest first."""
    template, context = "ops/insight/hotspots.html", {"params": request.GET}
    try:
        span, group = span_from(request.GET), group_from(request.GET)
    except InsightInputError as exc:
        return _refused(request, template, context, exc)
    result = hs.hot_spots(user=request.user, start=span.start, end=span.end, group=group)
    order = list(hs.CLASS_LABELS)
    rows = sorted(result.grids, key=lambda g: (order.index(g.cls), -(g.z or 0)))
    legend = [(cls, str(label), hs.CLASS_COLOURS[cls]) for cls, label in hs.CLASS_LABELS.items()]
    context.update(
        {
            "span": span,
            "group": group,
            "groups": groups(),
            "result": result,
            "rows": rows,
            "legend": legend,
            "map_data": _features(result) if not result.refusal else None,
            "hot": result.count("hot"),
            "cold": result.count("cold"),
        }
    )
    return render(request, template, context)


@requires(ACTION)
def hot_spots_time(request):
    """Gi* week by week: which grids are newly, persistently or now and then hot."""
    template, context = "ops/insight/hotspots_time.html", {"params": request.GET}
    try:
        group = group_from(request.GET)
        weeks = int_from(request.GET, "weeks", default=8, low=4, high=26, label=_("Weeks"))
    except InsightInputError as exc:
        return _refused(request, template, context, exc)
    last = last_complete_week(timezone.localdate())
    result = hs.emerging(user=request.user, last_week=last, weeks=weeks, group=group)
    mondays = [last - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    cells = [
        {
            "row": row,
            "cells": [
                {
                    "cls": c,
                    "colour": hs.CLASS_COLOURS[c] if c else "",
                    "label": str(hs.CLASS_LABELS[c]) if c else "",
                }
                for c in row["classes"]
            ],
        }
        for row in result.rows
    ]
    context.update(
        {
            "group": group,
            "groups": groups(),
            "weeks": weeks,
            "mondays": mondays,
            "result": result,
            "rows": cells,
        }
    )
    return render(request, template, context)


@requires(ACTION)
def grid_in_time(request, code: str):
    """One grid's cases and class week by week (a grid outside the reader's scope is a 404)."""
    grid = Grid.objects.restrict(request.user, ACTION).select_related("village").filter(code=code).first()
    if grid is None:
        raise Http404(f"there is no grid {code[:30]!r} in your scope")
    template, context = "ops/insight/grid.html", {"grid": grid, "params": request.GET}
    try:
        group = group_from(request.GET)
        weeks = int_from(request.GET, "weeks", default=12, low=4, high=26, label=_("Weeks"))
    except InsightInputError as exc:
        return _refused(request, template, context, exc)
    last = last_complete_week(timezone.localdate())
    frame = hs.frame_for(request.user)
    w = hs.queen_weights(frame.grids) if len(frame.grids) >= hs.MIN_GRIDS else None
    weeks_rows = []
    for k in range(weeks - 1, -1, -1):
        monday = last - timedelta(weeks=k)
        result = hs.hot_spots(
            user=request.user, start=monday, end=monday + timedelta(days=6), group=group, frame=frame, w=w
        )
        g = next((r for r in result.grids if r.grid.pk == grid.pk), None)
        cases = hs.grid_counts(request.user, monday, monday + timedelta(days=6), group).get(grid.pk, 0)
        weeks_rows.append({"monday": monday, "cases": cases, "g": g, "refusal": result.refusal})
    context.update({"group": group, "groups": groups(), "weeks": weeks, "rows": weeks_rows})
    return render(request, template, context)


@requires(ACTION)
def recurring_places(request):
    """The same item near the same spot again and again, most cases first."""
    template, context = "ops/insight/places.html", {"params": request.GET}
    try:
        span, group = span_from(request.GET), group_from(request.GET)
        radius = int_from(request.GET, "radius", default=pl.RADIUS_M, low=10, high=500, label=_("Radius (m)"))
        minimum = int_from(
            request.GET, "min", default=pl.MIN_CASES, low=2, high=100, label=_("Minimum cases")
        )
    except InsightInputError as exc:
        return _refused(request, template, context, exc)
    found = pl.recurring_places(
        user=request.user, start=span.start, end=span.end, radius_m=radius, min_cases=minimum, group=group
    )
    context.update(
        {
            "span": span,
            "group": group,
            "groups": groups(),
            "radius": radius,
            "minimum": minimum,
            "places": found[: pl.MAX_LISTED],
            "total": len(found),
            "cut": len(found) > pl.MAX_LISTED,
        }
    )
    return render(request, template, context)


@requires(ACTION)
def rankings(request):
    """Departments or villages ranked by one KPI over a period, with the change against the one before."""
    template, context = "ops/insight/rankings.html", {"params": request.GET}
    dimension = request.GET.get("dimension") or "department"
    kpi = request.GET.get("kpi") or rk.DEFAULT_KPI
    try:
        span = span_from(request.GET, default_days=30)
        rows = rk.rank(user=request.user, dimension=dimension, kpi=kpi, span=span)
    except InsightInputError as exc:
        context.update({"kpis": rk.kpi_choices("department"), "dimension": dimension, "kpi": kpi})
        return _refused(request, template, context, exc)
    context.update(
        {
            "span": span,
            "previous": span.previous(),
            "dimension": dimension,
            "kpi": kpi,
            "kpi_label": rk.kpi_label(kpi),
            "kpis": rk.kpi_choices(dimension),
            "lower_is_better": rk.lower_is_better(kpi),
            "rows": rows,
        }
    )
    return render(request, template, context)


@requires(ACTION)
def forecast(request):
    """The stored forecasts: every series in scope with its MAPE, and the chosen one's chart."""
    all_series = series_list(user=request.user)
    key = request.GET.get("series") or (all_series[0].key if all_series else "")
    chosen = series_get(user=request.user, key=key) if key else None
    if key and chosen is None:
        raise Http404(f"there is no forecast series {key[:40]!r} in your scope")
    chart = None
    if chosen is not None and chosen.status == "ok":
        chart = {
            "points": [
                {k: (v.isoformat() if k == "week" else v) for k, v in p.items()}
                for p in series_points(chosen)
            ],
            "name": chosen.display_name,
        }
    context = {
        "series": all_series,
        "chosen": chosen,
        "chart": chart,
        "state": state(),
        "warnings": [s for s in all_series if s.warning],
    }
    return render(request, "ops/insight/forecast.html", context)


@require_POST
@requires(ACTION)
def forecast_refresh(request):
    """Ask the forecast job for a new computation (it runs within a minute)."""
    forecast_request(by=request.user)
    messages.success(request, _("The forecasts will be computed again within a minute."))
    return redirect(
        reverse("ops:insight_forecast")
        + (f"?series={request.POST['series']}" if request.POST.get("series") else "")
    )
