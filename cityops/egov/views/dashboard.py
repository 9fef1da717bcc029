"""The department dashboard under /services/dashboard/: applications received, in progress and overdue,
the period's decisions, their average working days and on-time rate, and the same by item; exported
as CSV or XLSX."""

from datetime import date, timedelta

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from cityops.core.export import Column, Sheet, download
from cityops.core.inputs import DayField
from cityops.core.pages import requires
from cityops.egov.applications.figures import Where, by_item, now_figures, period_figures
from cityops.org.models import Department

MAX_DAYS = 366


class DashboardForm(forms.Form):
    department = forms.CharField(required=False, max_length=32)
    start = DayField(required=False, label=gettext_lazy("From"))
    end = DayField(required=False, label=gettext_lazy("To"))

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end.replace(day=1)
        if start > end:
            self.add_error("start", _("the period starts after it ends"))
        elif (end - start).days >= MAX_DAYS:
            self.add_error("start", _("at most a year at a time"))
        data["start"], data["end"] = start, end
        return data


def _period(request) -> tuple[DashboardForm, str, date, date]:
    form = DashboardForm(request.GET or None)
    today = timezone.localdate()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        return form, (d["department"] or "").strip(), d["start"], d["end"]
    return form, "", today.replace(day=1), today


@requires("egov.applications")
def dashboard(request):
    form, department, start, end = _period(request)
    where = Where(department=department)
    period = period_figures(user=request.user, where=where, start=start, end=end)
    items = by_item(user=request.user, where=where, start=start, end=end)
    for row in [period, *items]:
        row["on_time_pct"] = _pct(row["on_time_rate"])
    context = {
        "form": form,
        "department": department,
        "start": start,
        "end": end,
        "now_figures": now_figures(user=request.user, where=where),
        "period": period,
        "items": items,
        "departments": Department.objects.filter(gives_services=True).order_by("code"),
        "presets": _presets(),
    }
    return render(request, "egov/dashboard.html", context)


def _pct(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.1%}"


def _presets() -> list[tuple[str, date, date]]:
    today = timezone.localdate()
    month = today.replace(day=1)
    last_month_end = month - timedelta(days=1)
    return [
        (_("This month"), month, today),
        (_("Last month"), last_month_end.replace(day=1), last_month_end),
        (_("This year"), today.replace(month=1, day=1), today),
    ]


@requires("egov.applications")
def dashboard_export(request, fmt: str):
    """The figures by item of the page's period and department."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("unknown format")
    _form, department, start, end = _period(request)
    rows = by_item(user=request.user, where=Where(department=department), start=start, end=end, limit=10_000)
    columns = [
        ("code", _("Item code")),
        ("name", pgettext("application", "Item")),
        ("department", _("Department")),
        ("received", pgettext("application", "Received")),
        ("accepted", pgettext("application", "Accepted")),
        ("not_accepted", _("Not accepted")),
        ("approved", _("Approved")),
        ("denied", _("Denied")),
        ("withdrawn", _("Withdrawn")),
        ("on_time_rate", _("On time")),
        ("average_days", _("Average working days")),
        ("in_progress", _("In progress now")),
        ("overdue", _("Overdue now")),
    ]
    sheet = Sheet(
        _("Applications %(start)s to %(end)s") % {"start": start, "end": end},
        [Column(str(title), format="percent" if key == "on_time_rate" else None) for key, title in columns],
        ([r[key] for key, _title in columns] for r in rows),
        frozen_columns=2,
    )
    return download(name=f"applications-{start}-{end}", fmt=fmt, sheets=[sheet])
