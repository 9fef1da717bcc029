"""Bright-kitchen pages: the schools one may see, one school's canteens by room, the monthly report."""

from datetime import date

from django.shortcuts import render
from django.utils import timezone

from cityops.core.export import download
from cityops.video import kitchens
from cityops.video.choices import Health
from cityops.video.views.common import or_404, video_page


def _month(params) -> date:
    """The month asked for as ?month=YYYY-MM, else the current one."""
    text = (params.get("month") or "").strip()
    try:
        year, month = (int(p) for p in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return timezone.localdate().replace(day=1)


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1%}"


@video_page("video.kitchen")
def kitchen_list(request):
    """The schools in view with their canteens, cameras, meal-hour rate and alerts of the month."""
    month = _month(request.GET)
    start, end = kitchens.month_bounds(month)
    rows = kitchens.school_summaries(request.user, start=start, end=end)
    for row in rows:
        row.rate_text = _pct(row.meal_rate)
    return render(request, "video/kitchens.html", {"rows": rows, "month": month})


@video_page("video.kitchen")
def kitchen_school(request, code: str):
    """One school: its canteens' cameras by room with health, meal-hour rates and alerts by kind."""
    school = or_404(kitchens.school_get, user=request.user, code=code)
    month = _month(request.GET)
    start, end = kitchens.month_bounds(month)
    view = kitchens.school_view(school, start=start, end=end)
    for canteen in view.canteens:
        canteen.rate_text = _pct(canteen.meal_rate)
        for room in canteen.rooms:
            room.rate_text = _pct(room.meal_rate)
            for channel in room.channels:
                channel.health_colour = Health(channel.health).colour
    context = {"view": view, "school": school, "month": month, "rate_text": _pct(view.meal_rate)}
    return render(request, "video/kitchen_school.html", context)


@video_page("video.kitchen")
def kitchen_report(request, code: str):
    """The school's monthly compliance report as XLSX."""
    school = or_404(kitchens.school_get, user=request.user, code=code)
    month = _month(request.GET)
    sheets = kitchens.monthly_report(school, month)
    return download(name=f"kitchen-{school.code}-{month:%Y-%m}", fmt="xlsx", sheets=sheets, stamp_format=None)
