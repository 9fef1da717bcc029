"""Forms of the grid governance pages: list filters, lifecycle actions, reports and tracking.

They check what a person typed and say what is wrong in the user's language; the services stay
the authority (intake and ``case_transition`` validate again and decide).
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.cases.choices import Channel, DeadlineColour
from cityops.cases.models import PatrolItem
from cityops.cases.selectors import CaseFilter
from cityops.cases.services import MAX_EXTENSION_DAYS
from cityops.cases.workflow import TRANSITIONS
from cityops.core.inputs import MomentField
from cityops.geo.models import Village
from cityops.geo.selectors import grid_list
from cityops.org.models import Department

MOBILE = re.compile(r"^1[3-9]\d{9}$")
RESULT_CHOICES = [("confirmed", _("Confirmed: the problem is there")), ("not_found", _("Not found on site"))]


def _any(label) -> list:
    return [("", label)]


class CaseFilterForm(forms.Form):
    """The filters of a case list; every choice is limited to the user's scope."""

    number = forms.CharField(label=_("Case number"), required=False, max_length=20)
    colour = forms.ChoiceField(label=_("Deadline"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    grid = forms.ChoiceField(label=_("Grid"), required=False)
    item = forms.CharField(label=_("Patrol item"), required=False, max_length=100)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    escalated = forms.BooleanField(label=_("Escalated"), required=False)
    supervised = forms.BooleanField(label=_("Supervised"), required=False)

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.user = user
        colours = [c for c in DeadlineColour if c != DeadlineColour.NONE]
        self.fields["colour"].choices = _any(_("All")) + [(c.value, c.label) for c in colours]
        self.fields["channel"].choices = _any(_("All channels")) + list(Channel.choices)
        depts = Department.objects.filter(in_grid=True).order_by("code").values_list("code", "name")
        if user.is_department_bound():
            depts = depts.filter(id__in=user.department_ids())
        self.fields["department"].choices = _any(_("All departments")) + list(depts)
        grids = list(grid_list(user=user).values_list("code", "name", "village__name"))
        self.fields["grid"].choices = _any(_("All grids")) + [(c, f"{n} · {v}") for c, n, v in grids]
        villages = Village.objects.restrict(user, "geo.view").order_by("code").values_list("code", "name")
        self.fields["village"].choices = _any(_("All villages")) + list(villages)
        self.show_village = user.scope_level in ("town", "area")
        self.show_department = not user.is_department_bound()

    def case_filter(self, status: list[str] | None) -> tuple[CaseFilter, str]:
        """The selector's filter, and an item name to match when the item is not a code."""
        d = self.cleaned_data if self.is_valid() else {}
        item = (d.get("item") or "").strip()
        code = item if item and PatrolItem.objects.filter(code=item).exists() else ""
        f = CaseFilter(
            status=status,
            colour=d.get("colour") or None,
            village=d.get("village") or None,
            grid=d.get("grid") or None,
            department=d.get("department") or None,
            channel=d.get("channel") or None,
            item=code or None,
            number=(d.get("number") or "").strip() or None,
            escalated=bool(d.get("escalated")),
            supervised=bool(d.get("supervised")),
        )
        return f, "" if code else item


class ActionForm(forms.Form):
    """One lifecycle action with the fields its transition requires."""

    action = forms.ChoiceField(choices=[(a, a) for a in TRANSITIONS])
    note = forms.CharField(required=False, max_length=2000)
    result = forms.ChoiceField(required=False, choices=[("", "")] + RESULT_CHOICES)
    department = forms.CharField(required=False, max_length=32)
    days = forms.IntegerField(required=False, min_value=1, max_value=MAX_EXTENSION_DAYS)
    deadline = MomentField(required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    version = forms.IntegerField(required=False, min_value=1)

    photos = forms.Field(required=False)  # the files come from request.FILES; this holds their errors

    def clean(self):
        data = super().clean()
        t = TRANSITIONS.get(data.get("action") or "")
        if t is None:
            return data
        if "note" in t.requires and not (data.get("note") or "").strip():
            self.add_error("note", _("Write a note saying why."))
        if "result" in t.requires and not data.get("result"):
            self.add_error("result", _("Choose the result of the verification."))
        if "days" in self.errors:
            self.errors["days"] = self.error_class([days_message()])
        elif "days" in t.requires and data.get("days") is None:
            self.add_error("days", days_message())
        if "photos" in t.requires and not (self.files and self.files.getlist("photos")):
            self.add_error("photos", _("Add at least one photo."))
        return data


def days_message() -> str:
    return _("Give the number of working days (1 to %(max)d).") % {"max": MAX_EXTENSION_DAYS}


def normalise_mobile(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


class _ReportForm(forms.Form):
    item = forms.CharField(
        max_length=32, error_messages={"required": _("Choose what the problem is from the list.")}
    )
    description = forms.CharField(required=False, max_length=4000, widget=forms.Textarea)
    address = forms.CharField(required=False, max_length=200)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)


class PatrolReportForm(_ReportForm):
    """An inspector's report from the phone page."""

    on_the_spot = forms.BooleanField(required=False)


class ResidentReportForm(_ReportForm):
    """A resident's report from the public page; name and a mainland mobile number are required."""

    contact_name = forms.CharField(
        max_length=50, error_messages={"required": _("Tell us your name so that we can reach you.")}
    )
    phone = forms.CharField(
        max_length=20, error_messages={"required": _("Give a mobile number so that we can reach you.")}
    )
    description = forms.CharField(
        max_length=4000,
        widget=forms.Textarea,
        error_messages={"required": _("Describe the problem in a few words.")},
    )

    def clean_phone(self):
        number = normalise_mobile(self.cleaned_data["phone"])
        if not MOBILE.match(number):
            raise forms.ValidationError(_("Give a mainland China mobile number: 11 digits starting with 1."))
        return number

    def clean(self):
        data = super().clean()
        if data.get("lon") is None or data.get("lat") is None:
            self.add_error("lon", _("Give the place: allow the GPS position or tap the map."))
        return data


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=20)
    code = forms.CharField(label=_("Tracking code"), max_length=32)
