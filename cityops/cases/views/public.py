"""The public pages of residents: report a problem and track a report (no sign-in)."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_GET

from cityops.accounts.roles import Role
from cityops.cases import selectors
from cityops.cases.choices import Channel, Status
from cityops.cases.forms import ResidentReportForm, TrackForm
from cityops.cases.intake import IntakeIn, Reporter
from cityops.cases.models import CaseReport, PatrolItem
from cityops.cases.views.common import event_label
from cityops.cases.views.report_flow import ReportPage, intake_fields, item_choices
from cityops.core import ratelimit
from cityops.core.middleware import client_ip
from cityops.core.pages import pager, querystring
from cityops.geo.models import Grid

WINDOW_SECONDS = 3600
# What a resident sees of the history: the main steps, never internal notes or who took them.
PUBLIC_EVENTS = frozenset(
    {
        "report",
        "duplicate_report",
        "send_to_verify",
        "verify",
        "register",
        "cancel",
        "dispatch",
        "accept",
        "dispose",
        "recheck_pass",
        "recheck_fail",
        "approve_on_the_spot",
        "hold",
        "resume",
    }
)


def reports_per_hour() -> int:
    return getattr(settings, "CITYOPS_RESIDENT_REPORTS_PER_HOUR", 5)


def lookups_per_hour() -> int:
    return getattr(settings, "CITYOPS_TRACK_LOOKUPS_PER_HOUR", 60)


def report_limit() -> ratelimit.Limit:
    return ratelimit.Limit("resident-report", reports_per_hour(), WINDOW_SECONDS)


def track_limit() -> ratelimit.Limit:
    return ratelimit.Limit("track-lookup", lookups_per_hour(), WINDOW_SECONDS)


def resident_items():
    return PatrolItem.objects.filter(active=True, resident_reportable=True)


@require_GET
def items(request):
    q, selected = request.GET.get("q", ""), request.GET.get("item", "")
    return render(
        request,
        "cases/partials/item_choices.html",
        {"items": item_choices(resident_items(), q, selected), "selected": selected, "q": q},
    )


@require_GET
@cache_page(300)
def grids(request):
    """The outlines of the town's grids with their village, so that whoever reports (a resident, or an
    inspector outside their own grid) sees where the dot is (names, no people)."""
    fields = ("code", "name", "geometry", "village__code", "village__name")
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(g["geometry"]),
            "properties": {
                "code": g["code"],
                "name": g["name"],
                "parent": g["village__code"],
                "village_name": g["village__name"],
            },
        }
        for g in Grid.objects.order_by("code").values(*fields)
    ]
    body = {"type": "FeatureCollection", "features": features, "paging": {"pages": 1}}
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")


def _resident_intake(request, d: dict, photos) -> tuple[IntakeIn, object]:
    user = request.user if request.user.is_authenticated else None
    reporter = Reporter(user=user, name=d["contact_name"], phone=d["phone"])
    return IntakeIn(channel=Channel.RESIDENT, reporter=reporter, photos=photos, **intake_fields(d)), user


def _report_page() -> ReportPage:
    return ReportPage(
        form_class=ResidentReportForm,
        items=resident_items,
        template="cases/public/report.html",
        to_intake=_resident_intake,
        context={"limit": reports_per_hour(), "public": True},
    )


def report(request):
    """A resident reports a problem; at most ``reports_per_hour`` reports an hour from one address."""
    page = _report_page()
    if request.method != "POST":
        return page.blank(request)
    if ratelimit.exceeded(report_limit(), client_ip(request)):
        message = _(
            "Too many reports from your network: at most %(n)d reports an hour. Please try again later, "
            "or call the 12345 hotline."
        ) % {"n": reports_per_hour()}
        return page.refuse(request, message, {}, ResidentReportForm(request.POST), 429)
    return page.submit(request, on_success=lambda: ratelimit.hit(report_limit(), client_ip(request)))


def track(request):
    """Where a report stands: its status and the main steps, by case number and tracking code."""
    form = TrackForm(request.POST or None)
    context = {"form": form, "found": None, "message": ""}
    status = 200
    if request.method == "POST":
        if ratelimit.exceeded(track_limit(), client_ip(request)):
            context["message"] = _("Too many look-ups from your network. Please try again in an hour.")
            return render(request, "cases/public/track.html", context, status=429)
        ratelimit.hit(track_limit(), client_ip(request))
        if form.is_valid():
            context["found"] = _public_case(
                form.cleaned_data["number"].strip(), form.cleaned_data["code"].strip()
            )
            if context["found"] is None:
                context["message"] = _("No report matches this case number and tracking code.")
                status = 404
        else:
            status = 422
    return render(request, "cases/public/track.html", context, status=status)


def _public_case(number: str, code: str) -> dict | None:
    report = (
        CaseReport.objects.select_related("case", "case__item", "case__grid", "case__department")
        .filter(token=code.lower(), case__number=number)
        .first()
    )
    if report is None:
        return None
    case = report.case
    status = Status(case.status)
    events = [
        {"label": event_label(e.action), "at": e.at, "to": Status(e.to_status).label if e.to_status else ""}
        for e in case.events.filter(action__in=PUBLIC_EVENTS).order_by("at", "id")
    ]
    return {
        "number": case.number,
        "item": case.item.name,
        "grid": case.grid.name,
        "department": case.department.name if case.status not in (Status.REPORTED,) else "",
        "status_label": status.label,
        "status_colour": status.colour,
        "reported_at": report.at,
        "closed_at": case.closed_at,
        "events": events,
    }


MY_REPORTS_PER_PAGE = 20


@login_required
def mine(request):
    """A signed-in resident's own reports with where each stands, newest first, paged."""
    if request.user.role != Role.RESIDENT:
        raise PermissionDenied("The list of one's own reports is a resident's page.")
    page = Paginator(selectors.resident_reports(user=request.user), MY_REPORTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [{"report": r, "case": r.case, "status": Status(r.case.status)} for r in page]
    context = {"rows": rows, **pager(page, lambda **c: querystring(request.GET, **c))}
    return render(request, "cases/public/mine.html", context)
