"""Online-rate charts (each project day by day against its target, each village this month) and
the channels whose fault time this month exceeds the O&M contract's 8 hours, exportable."""

from datetime import date, timedelta

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from cityops.core.export import Column, Sheet, download
from cityops.video import rates
from cityops.video.choices import Health
from cityops.video.models import Project
from cityops.video.views.common import channel_url, chosen_project, project_choices, today, video_page

EXPORT_FORMATS = ("csv", "xlsx")


def chosen_month(request) -> date:
    """The month asked for (``?month=2026-11``), else this month; never a month still to come."""
    this = today().replace(day=1)
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        asked = date(year, month, 1)
    except ValueError:
        return this
    return min(asked, this)


def _period(month: date) -> tuple[date, date]:
    first, last = rates.month_bounds(month)
    return first, min(last, today())


@video_page()
def rate_charts(request):
    month = chosen_month(request)
    first, last = _period(month)
    project = chosen_project(request)
    user = request.user
    targets = dict(Project.objects.values_list("code", "target_rate"))
    names = dict(project_choices())
    series = rates.daily_rates(user=user, start=first, end=last)
    villages = rates.unit_rates(user=user, start=first, end=last, level="village", project=project or None)
    faults = rates.long_faults(user=user, month=month, project=project or None)
    for f in faults:
        f.url = channel_url(f.gb_id)
        f.offline = f.health == Health.OFFLINE
    chart = {
        "days": [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)],
        "projects": [
            {"code": code, "name": names.get(code, code), "target": targets.get(code), "rates": values}
            for code, values in series.items()
            if not project or code == project
        ],
        "villages": [{"name": v.name, "rate": v.rate, "target": v.target} for v in villages],
    }
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (last + timedelta(days=1)).replace(day=1) if last < today() else None
    context = {
        "month": month,
        "first": first,
        "last": last,
        "previous": previous,
        "following": following,
        "project": project,
        "projects": project_choices(),
        "totals": [
            r
            for r in rates.project_rates(user=user, start=first, end=last)
            if not project or r.key == project
        ],
        "chart": chart,
        "faults": faults,
        "limit": rates.FAULT_LIMIT_HOURS,
    }
    return render(request, "video/rates.html", context)


def fault_sheet(faults: list[rates.Fault], month: date) -> Sheet:
    healths = dict(Health.choices)
    cols = [
        Column(_("GB/T 28181 ID"), 22),
        Column(_("Channel"), 30),
        Column(_("Project"), 14),
        Column(_("Area"), 10),
        Column(_("Village"), 12),
        Column(_("Fault hours"), 10, "decimal"),
        Column(_("Days with faults"), 10),
        Column(_("Online rate"), 10, "percent"),
        Column(_("Health now"), 10),
    ]
    rows = (
        [
            f.gb_id,
            f.name,
            f.project,
            f.area,
            f.village,
            f.hours,
            f.days,
            round(f.online_s / (f.online_s + f.offline_s), 4) if f.online_s + f.offline_s else None,
            str(healths.get(f.health, f.health)),
        ]
        for f in faults
    )
    return Sheet(month.strftime("%Y-%m"), cols, rows, frozen_columns=2)


@video_page()
def faults_export(request, fmt: str):
    """The month's channels with more than 8 hours of faults, as CSV or XLSX."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    month = chosen_month(request)
    faults = rates.long_faults(user=request.user, month=month, project=chosen_project(request) or None)
    name = f"video-faults-{month.strftime('%Y-%m')}"
    return download(name=name, fmt=fmt, sheets=[fault_sheet(faults, month)], stamp_format=None)
