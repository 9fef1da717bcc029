"""Forms of the IoT pages: list filters, the chart period and the alarm notes.

They check what a person typed and turn it into the selectors' filters; the services in
``cityops.iot.alarms`` stay the authority on every change.
"""

from datetime import datetime, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cityops.core.inputs import InputError, parse_moment
from cityops.geo.models import Area, Village
from cityops.iot.alarms import MAX_COMMENT
from cityops.iot.choices import AlarmStatus, Connectivity, DeadLetterReason, DeviceStatus, Severity
from cityops.iot.models import DeviceType
from cityops.iot.selectors import AlarmFilter, DeviceFilter

# A chart covers at most this long: a longer range is refused rather than silently cut.
MAX_RANGE = timedelta(days=732)


def _any(label) -> list:
    return [("", label)]


def _type_choices() -> list:
    return list(DeviceType.objects.order_by("code").values_list("code", "name"))


def _village_choices(user) -> list:
    return list(Village.objects.restrict(user, "geo.view").order_by("code").values_list("code", "name"))


class DeviceFilterForm(forms.Form):
    """The filters of the device list and map; places are limited to the user's scope."""

    device_type = forms.ChoiceField(label=_("Device type"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    connectivity = forms.ChoiceField(label=_("Connectivity"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.fields["device_type"].choices = _any(_("All types")) + _type_choices()
        areas = Area.objects.restrict(user, "geo.view").order_by("code").values_list("code", "name")
        self.fields["area"].choices = _any(_("All areas")) + list(areas)
        self.fields["village"].choices = _any(_("All villages")) + _village_choices(user)
        self.fields["status"].choices = _any(_("All statuses")) + list(DeviceStatus.choices)
        self.fields["connectivity"].choices = _any(_("All")) + list(Connectivity.choices)
        self.show_area = user.scope_level == "town"
        self.show_village = user.scope_level in ("town", "area")

    def device_filter(self, *, connectivity: bool = True) -> DeviceFilter:
        """The selector's filter (without the connectivity, for the counts by connectivity)."""
        d = self.cleaned_data if self.is_valid() else {}
        return DeviceFilter(
            device_type=d.get("device_type") or None,
            area=d.get("area") or None,
            village=d.get("village") or None,
            status=d.get("status") or None,
            connectivity=(d.get("connectivity") or None) if connectivity else None,
            text=(d.get("q") or "").strip() or None,
        )


# An alarm's own words for its states ("Active" alone reads as "valid" in Chinese).
ALARM_STATUS_LABELS = {
    AlarmStatus.ACTIVE.value: pgettext_lazy("alarm", "Active"),
    AlarmStatus.CLEARED.value: pgettext_lazy("alarm", "Cleared"),
}
ACK_CHOICES = [("", _("Either")), ("no", _("Not acknowledged")), ("yes", _("Acknowledged"))]


class AlarmFilterForm(forms.Form):
    """The filters of the alarm console."""

    severity = forms.ChoiceField(label=_("Severity"), required=False)
    status = forms.ChoiceField(label=_("Alarm status"), required=False)
    ack = forms.ChoiceField(label=_("Acknowledgement"), required=False, choices=ACK_CHOICES)
    device_type = forms.ChoiceField(label=_("Device type"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    device = forms.CharField(label=_("Device"), required=False, max_length=40)

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.fields["severity"].choices = _any(_("All severities")) + list(Severity.choices)
        self.fields["status"].choices = _any(_("All")) + list(ALARM_STATUS_LABELS.items())
        self.fields["device_type"].choices = _any(_("All types")) + _type_choices()
        self.fields["village"].choices = _any(_("All villages")) + _village_choices(user)
        self.show_village = user.scope_level in ("town", "area")

    def alarm_filter(self) -> AlarmFilter:
        d = self.cleaned_data if self.is_valid() else {}
        ack = {"yes": True, "no": False}.get(d.get("ack") or "")
        return AlarmFilter(
            severity=d.get("severity") or None,
            status=d.get("status") or None,
            device_type=d.get("device_type") or None,
            village=d.get("village") or None,
            device=(d.get("device") or "").strip() or None,
            acknowledged=ack,
        )


class AlarmNoteForm(forms.Form):
    """The note of an acknowledgement or a clear, or the text of a comment."""

    text = forms.CharField(label=_("Note"), required=False, max_length=MAX_COMMENT, widget=forms.Textarea)


class DeadLetterFilterForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("open", _("Not resolved")), ("resolved", _("Resolved")), ("all", _("All"))],
    )

    def __init__(self, data=None):
        super().__init__(data)
        self.fields["reason"].choices = _any(_("All reasons")) + list(DeadLetterReason.choices)


# ---- the chart period --------------------------------------------------------------------------------


class BadParameter(ValueError):
    """A query parameter of the series endpoint that cannot be used; names it."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def parse_when(name: str, value: str) -> datetime:
    """ISO 8601 date or date-time; without an offset it is local time (Asia/Shanghai)."""
    value = (value or "").strip()
    if not value:
        raise BadParameter(name, "required (ISO 8601, e.g. 2026-11-24T09:00:00+08:00)")
    try:
        return parse_moment(value)
    except InputError as exc:
        raise BadParameter(name, str(exc)) from None


def parse_range(start: str, end: str) -> tuple[datetime, datetime]:
    """(start, end) checked: both valid, start before end, at most ``MAX_RANGE`` apart."""
    lo, hi = parse_when("start", start), parse_when("end", end)
    if lo >= hi:
        raise BadParameter("end", "must be after start")
    if hi - lo > MAX_RANGE:
        raise BadParameter("end", f"the range is longer than {MAX_RANGE.days} days")
    return lo, hi
