"""The inspector's phone pages: report a case, my tasks (verify, re-check), my reports, one case, patrol."""

import importlib.util
import json
import math

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import Resolver404, resolve

from cityops.cases import selectors
from cityops.cases.choices import Channel
from cityops.cases.choices import Status as S
from cityops.cases.forms import PatrolReportForm
from cityops.cases.intake import IntakeIn, Reporter
from cityops.cases.models import PatrolItem
from cityops.cases.views.case import card_context
from cityops.cases.views.common import case_or_404, event_label, present, staff_page
from cityops.cases.views.report_flow import ReportPage, intake_fields, item_choices
from cityops.core.pages import pager, querystring

TASK_STATUSES = [S.VERIFYING, S.DISPOSED]


def patrol_items():
    return PatrolItem.objects.filter(active=True)


@staff_page("cases.intake")
def items(request):
    """The item picker's choices for a search (htmx)."""
    q, selected = request.GET.get("q", ""), request.GET.get("item", "")
    return render(
        request,
        "cases/partials/item_choices.html",
        {"items": item_choices(patrol_items(), q, selected), "selected": selected, "q": q},
    )


def _patrol_intake(request, d: dict, photos) -> tuple[IntakeIn, object]:
    reporter = Reporter(user=request.user)
    data = IntakeIn(
        channel=Channel.PATROL,
        reporter=reporter,
        photos=photos,
        on_the_spot=d["on_the_spot"],
        **intake_fields(d),
    )
    return data, request.user


REPORT_PAGE = ReportPage(
    form_class=PatrolReportForm,
    items=patrol_items,
    template="cases/phone/report.html",
    to_intake=_patrol_intake,
    context={"tab": "report"},
)


@staff_page("cases.intake")
def report(request):
    """Report a case from the phone: item, description, photos and the GPS position (or a tap)."""
    if request.method == "POST":
        return REPORT_PAGE.submit(request)
    return REPORT_PAGE.blank(request)


@staff_page()
def tasks(request):
    """Cases assigned to me to verify on site or to re-check, with their actions."""
    f = selectors.CaseFilter(status=TASK_STATUSES, assigned_to_me=True)
    cases = selectors.case_list(user=request.user, filters=f).prefetch_related("attachments")
    cards = [card_context(request, case) for case in cases]
    return render(request, "cases/phone/tasks.html", {"cards": cards, "tab": "tasks"})


MY_REPORTS_PER_PAGE = 20


@staff_page("cases.intake")
def my_reports(request):
    """The cases I reported (first or again) with where each stands, my latest report first, paged."""
    page = Paginator(selectors.reported_by(user=request.user), MY_REPORTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "cases": [present(case) for case in page],
        "tab": "reports",
        **pager(page, lambda **c: querystring(request.GET, **c)),
    }
    return render(request, "cases/phone/reports.html", context)


@staff_page()
def phone_case(request, number):
    """One case on the phone: where it stands, where it is, its photos, its history and my actions."""
    case = case_or_404(request.user, number)
    context = card_context(request, case)
    events = [
        {
            "label": event_label(e.action),
            "to": S(e.to_status).label if e.to_status in S.values else "",
            "at": e.at,
        }
        for e in selectors.case_history(case)
        if e.to_status != e.from_status or e.action in ("report", "duplicate_report")
    ]
    context.update(events=events, sketch=grid_sketch(case.grid.geometry, case.lon, case.lat), tab="")
    return render(request, "cases/phone/case.html", context)


SKETCH_W, SKETCH_H, SKETCH_PAD = 320, 160, 12


def grid_sketch(geometry: str, lon: float, lat: float) -> dict | None:
    """The grid's outline and the case's point as SVG coordinates: a map that needs no tiles or script."""
    try:
        geo = json.loads(geometry)
        polygons = geo["coordinates"] if geo["type"] == "MultiPolygon" else [geo["coordinates"]]
        rings = [ring for polygon in polygons for ring in polygon]
    except (TypeError, ValueError, KeyError):
        return None
    xs = [p[0] for ring in rings for p in ring] + [lon]
    ys = [p[1] for ring in rings for p in ring] + [lat]
    shrink = math.cos(math.radians(lat))  # a degree of longitude is shorter than one of latitude
    width, height = (max(xs) - min(xs)) * shrink or 1e-9, (max(ys) - min(ys)) or 1e-9
    scale = min((SKETCH_W - 2 * SKETCH_PAD) / width, (SKETCH_H - 2 * SKETCH_PAD) / height)
    left = (SKETCH_W - width * scale) / 2
    top = (SKETCH_H - height * scale) / 2

    def xy(x, y):
        return round(left + (x - min(xs)) * shrink * scale, 1), round(top + (max(ys) - y) * scale, 1)

    path = " ".join("M" + " L".join("{},{}".format(*xy(*p[:2])) for p in ring) + " Z" for ring in rings)
    x, y = xy(lon, lat)
    return {"width": SKETCH_W, "height": SKETCH_H, "path": path, "x": x, "y": y}


PATROL_API = "/api/v1/patrols/sessions"


def patrol_api_ready() -> bool:
    """Whether the patrols API is installed and mounted (the page is only a placeholder without it)."""
    if importlib.util.find_spec("cityops.cases.api.patrols") is None:
        return False
    try:
        resolve(PATROL_API)
    except Resolver404:
        return False
    return True


@staff_page("cases.intake")
def patrol(request):
    """Check in and out of a patrol; the page posts the GPS track every 30 seconds meanwhile."""
    context = {"tab": "patrol", "ready": patrol_api_ready(), "api": PATROL_API, "session": None}
    if context["ready"]:
        from cityops.cases.patrols import selectors as patrol_selectors

        f = patrol_selectors.SessionFilter(mine=True, open=True)
        context["session"] = patrol_selectors.session_list(user=request.user, filters=f).first()
    return render(request, "cases/phone/patrol.html", context)
