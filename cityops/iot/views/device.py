"""One device: its facts, last values, rules and recent alarms, and its readings over any period."""

import json
from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cityops.core.api import problem
from cityops.iot import readings, selectors
from cityops.iot.choices import Grain, RuleKind, Severity
from cityops.iot.forms import BadParameter, parse_range
from cityops.iot.models import Datastream, DeviceTypeQuantity
from cityops.iot.views.alarms import present_alarm
from cityops.iot.views.devices import device_or_404, iot_page, number, present_device

RECENT_ALARMS = 10
RAW_SPAN = timedelta(days=2)
HOUR_SPAN = timedelta(days=60)
# Past this many raw readings a short range is drawn from minute buckets: a browser draws a few
# thousand points smoothly, not a chatty device's hundred thousand.
RAW_LIMIT = 5000


def _streams(device) -> list[Datastream]:
    """The device's datastreams with their quantity and valid range, in the type's order."""
    ranges = {
        tq.quantity_id: tq for tq in DeviceTypeQuantity.objects.filter(device_type_id=device.device_type_id)
    }
    streams = list(
        Datastream.objects.filter(device=device).select_related("quantity").order_by("quantity__code")
    )
    for ds in streams:
        tq = ranges.get(ds.quantity_id)
        ds.valid_min, ds.valid_max = (tq.min_valid, tq.max_valid) if tq else (None, None)
        ds.value_text = number(ds.last_value)
        ds.range_text = (
            f"{number(ds.valid_min)} – {number(ds.valid_max)}" if tq and tq.min_valid is not None else ""
        )
    return streams


def _present_rule(rule):
    rule.kind_label = RuleKind(rule.kind).label
    severity = Severity(rule.severity)
    rule.severity_label, rule.severity_colour = severity.label, severity.colour
    rule.is_override = rule.device_id is not None
    rule.params_text = json.dumps(rule.params, ensure_ascii=False, sort_keys=True)
    return rule


def chart_i18n() -> dict:
    """The words of the charts' script, in the user's language."""
    return {
        "min": _("Minimum"),
        "max": _("Maximum"),
        "mean": _("Mean"),
        "value": _("Value"),
        "count": _("Readings"),
        "raw": _("Every reading"),
        "buckets": _("Minimum, mean and maximum per %(grain)s"),
        "grains": {str(int(g)): str(g.label) for g in Grain},
        "empty": _("No reading in this period"),
        "loading": _("Loading…"),
        "failed": _("Could not load the readings"),
        "badRange": _("Choose a start before the end."),
    }


@iot_page()
def device_detail(request, code: str):
    """A device's facts, small map, last values, rules, recent alarms and charts."""
    device = present_device(device_or_404(request.user, code))
    streams = _streams(device)
    alarms = selectors.alarm_list(user=request.user, filters=selectors.AlarmFilter(device=device.code))
    context = {
        "device": device,
        "streams": streams,
        "rules": [_present_rule(r) for r in selectors.device_rules(device)],
        "alarms": [present_alarm(a) for a in alarms[:RECENT_ALARMS]],
        "alarm_count": alarms.count(),
        "chart_quantities": [
            {"code": ds.quantity.code, "name": ds.quantity.name, "unit": ds.quantity.unit_symbol}
            for ds in streams
        ],
        "time_zone": settings.TIME_ZONE,
        "chart_i18n": chart_i18n(),
    }
    return render(request, "iot/device_detail.html", context)


def choose_grain(start, end) -> int | None:
    """None for raw readings (short ranges), else the rollup grain that keeps a chart readable."""
    span = end - start
    if span <= RAW_SPAN:
        return None
    return Grain.HOUR if span <= HOUR_SPAN else Grain.DAY


def _ms(when) -> int:
    return int(when.timestamp() * 1000)


@iot_page()
def series(request, code: str):
    """One quantity of a device over [start, end): raw points, or min/mean/max buckets for long ranges."""
    device = device_or_404(request.user, code)
    name = (request.GET.get("quantity") or "").strip()
    if not name:
        return _bad(request, "quantity", "required: the code of a quantity of the device")
    ds = Datastream.objects.filter(device=device, quantity__code=name).select_related("quantity").first()
    if ds is None:
        return _bad(request, "quantity", f"the device does not measure {name[:40]!r}")
    try:
        start, end = parse_range(request.GET.get("start", ""), request.GET.get("end", ""))
    except BadParameter as exc:
        return _bad(request, exc.name, exc.message)
    grain = choose_grain(start, end)
    body = {
        "device": device.code,
        "quantity": {"code": ds.quantity.code, "name": ds.quantity.name, "unit": ds.quantity.unit_symbol},
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    if grain is None:
        points = readings.series(ds, start, end)
        if len(points) <= RAW_LIMIT:
            body |= {"mode": "raw", "grain": None, "points": [[_ms(t), v] for t, v in points]}
            return _json(body)
        grain = Grain.MINUTE
    buckets = readings.aggregate(ds, start, end, grain)
    body |= {
        "mode": "aggregate",
        "grain": int(grain),
        "grain_label": str(Grain(grain).label),
        # [start ms, min, mean, max, count]
        "buckets": [[_ms(b.start), b.min, b.mean, b.max, b.count] for b in buckets],
    }
    return _json(body)


def _bad(request, name: str, message: str):
    detail = _("Parameter “%(name)s”: %(message)s") % {"name": name, "message": message}
    return problem(request, 400, "Bad request", detail, errors=[{"field": name, "message": message}])


def _json(body: dict) -> HttpResponse:
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")
