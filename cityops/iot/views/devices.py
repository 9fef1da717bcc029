"""IoT pages: what they share (access, paging, colours), and the device list and map.

The other pages live beside this module by concept: ``device`` (one device and its charts),
``alarms`` (the alarm console) and ``deadletters`` (refused messages). Every read goes
through ``cityops.iot.selectors`` (scope in one place); a device or alarm outside the user's scope
is a 404, a role without the action a 403.
"""

import json

from django.core.paginator import Paginator
from django.db.models import Case, Count, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core.errors import NotFound
from cityops.core.export import csv_download, local_time
from cityops.core.pages import is_htmx, pager, querystring, requires
from cityops.iot import selectors
from cityops.iot.choices import Connectivity, DeviceStatus
from cityops.iot.forms import DeviceFilterForm

PAGE_SIZE = 50
MAP_MAX_POINTS = 10_000
EXPORT_CHUNK = 2000  # rows read per query of a CSV export


def iot_page(action: str = "iot.view"):
    """Sign-in required, and the role must grant ``action`` (else 403)."""
    return requires(action)


def device_or_404(user, code: str):
    try:
        return selectors.device_get(user=user, code=code)
    except NotFound as exc:
        raise Http404(exc.detail) from None


def paged(qs, params) -> dict:
    """A page of ``qs`` and the links of the pager, keeping the filters."""
    page = Paginator(qs, PAGE_SIZE).get_page(params.get("page"))
    return pager(page, lambda **changes: querystring(params, **changes))


def number(value) -> str:
    """A reading as people write it: at most three decimals, no trailing zeros."""
    if value is None:
        return ""
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def present_device(device):
    """Attach the labels and colours a page shows of a device."""
    status, link = DeviceStatus(device.status), Connectivity(device.connectivity)
    device.status_label, device.status_colour = status.label, status.colour
    device.link_label, device.link_colour = link.label, link.colour
    return device


def connectivity_counts(user, form) -> list[dict]:
    """Devices per connectivity for the other filters, each with the link that selects it."""
    qs = selectors.device_list(user=user, filters=form.device_filter(connectivity=False))
    counts = dict(qs.order_by().values_list("connectivity").annotate(n=Count("id")))
    chosen = form.cleaned_data.get("connectivity", "") if form.is_valid() else ""
    return [
        {
            "value": c.value,
            "label": c.label,
            "colour": c.colour,
            "count": counts.get(c.value, 0),
            "on": chosen == c,
        }
        for c in (Connectivity.ONLINE, Connectivity.OFFLINE, Connectivity.NEVER)
    ]


# ---- the device list and map ---------------------------------------------------------------------


def device_list_context(request) -> dict:
    form = DeviceFilterForm(request.GET or None, user=request.user)
    qs = selectors.device_list(user=request.user, filters=form.device_filter())
    context = paged(qs, request.GET)
    for device in context["page"].object_list:
        present_device(device)
    counts = connectivity_counts(request.user, form)
    context.update(
        form=form,
        counts=counts,
        total=sum(c["count"] for c in counts),
        count_links=[(c, querystring(request.GET, connectivity=c["value"])) for c in counts],
        all_link=querystring(request.GET, connectivity=""),
    )
    return context


@iot_page()
def devices(request):
    """Devices in scope with filters, counts by connectivity and paging."""
    context = device_list_context(request)
    if is_htmx(request, "device-list"):
        return render(request, "iot/partials/device_list.html", context)
    return render(request, "iot/devices.html", context)


def device_columns() -> list[str]:
    return [
        _("Device code"),
        _("Device name"),
        _("Device type"),
        _("Status"),
        _("Connectivity"),
        _("Last reading"),
        _("Area"),
        _("Village"),
        _("Grid"),
        _("Address"),
        _("Longitude"),
        _("Latitude"),
        _("Install date"),
        _("Properties"),
    ]


def device_rows(qs):
    statuses, links = dict(DeviceStatus.choices), dict(Connectivity.choices)
    for d in qs.iterator(chunk_size=EXPORT_CHUNK):
        properties = "; ".join(f"{k}={v}" for k, v in sorted(d.properties.items())) if d.properties else ""
        yield [
            d.code,
            d.name,
            d.device_type.name,
            statuses.get(d.status, d.status),
            links.get(d.connectivity, d.connectivity),
            local_time(d.last_seen_at),
            d.area.name,
            d.village.name,
            d.grid.name,
            d.address,
            round(d.lon, 7),  # about a centimetre; the float's last digits are noise
            round(d.lat, 7),
            d.install_date.isoformat() if d.install_date else "",
            properties,
        ]


@iot_page()
def devices_export(request):
    """Every device of the list's filters in the user's scope, as CSV (not just one page)."""
    form = DeviceFilterForm(request.GET or None, user=request.user)
    qs = selectors.device_list(user=request.user, filters=form.device_filter())
    return csv_download(name="devices", header=device_columns(), rows=device_rows(qs))


@iot_page()
def device_map(request):
    form = DeviceFilterForm(request.GET or None, user=request.user)
    legend = {
        "connectivity": [{"value": c.value, "label": str(c.label), "colour": c.colour} for c in Connectivity],
        "status": [{"value": s.value, "label": str(s.label), "colour": s.colour} for s in DeviceStatus],
    }
    return render(request, "iot/device_map.html", {"form": form, "legend": legend})


@iot_page()
def map_points(request):
    """Devices in scope for the filters, as compact JSON for the map (offline ones first when capped)."""
    form = DeviceFilterForm(request.GET or None, user=request.user)
    qs = selectors.device_list(user=request.user, filters=form.device_filter())
    total = qs.count()
    offline_first = Case(When(connectivity=Connectivity.OFFLINE, then=Value(0)), default=Value(1))
    rows = qs.order_by(offline_first, "code").values_list(
        "code",
        "name",
        "lon",
        "lat",
        "status",
        "connectivity",
        "device_type__name",
        "grid__name",
        "last_seen_at",
    )[:MAP_MAX_POINTS]
    points = [
        {
            "c": code,
            "n": name,
            "lon": lon,
            "lat": lat,
            "s": status,
            "k": link,
            "t": type_name,
            "g": grid,
            "l": timezone.localtime(seen).strftime("%Y-%m-%d %H:%M") if seen else "",
        }
        for code, name, lon, lat, status, link, type_name, grid, seen in rows
    ]
    body = {"total": total, "shown": len(points), "points": points}
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")
