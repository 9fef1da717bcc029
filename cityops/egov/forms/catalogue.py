"""What a person typed on the catalogue's pages, turned into a selector's filter or a service's input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.egov.choices import Applicant, Delivery, ItemType, LimitKind, OnlineDepth
from cityops.egov.selectors import ItemFilter
from cityops.egov.services import SCALARS, GuideIn, MaterialIn, SituationIn


def _blank(choices):
    return [("", _("All")), *choices]


CHANNEL_CHOICES = [("online", _("Online")), ("window", _("At a window")), ("kiosk", _("At a kiosk"))]
STATE_CHOICES = [("draft", _("With a draft waiting")), ("unpublished", _("Never published"))]


class ItemFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    department = forms.CharField(required=False, max_length=32)
    item_type = forms.ChoiceField(required=False, choices=_blank(ItemType.choices))
    channel = forms.ChoiceField(required=False, choices=_blank(CHANNEL_CHOICES))
    state = forms.ChoiceField(required=False, choices=_blank(STATE_CHOICES))

    def item_filter(self) -> ItemFilter:
        if not self.is_valid():
            return ItemFilter()
        return ItemFilter(**{k: (v or "").strip() for k, v in self.cleaned_data.items()})


class GuideForm(forms.Form):
    """The elements of a guide; its situations and materials are rows of their own (``forms.parts``)."""

    name = forms.CharField(label=_("Item name"), max_length=200)
    item_type = forms.ChoiceField(label=_("Item type"), choices=ItemType.choices)
    implementing_body = forms.CharField(label=_("Implementing body"), max_length=200)
    applicant = forms.ChoiceField(label=_("Applicants"), choices=Applicant.choices)
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 3}))
    conditions = forms.CharField(
        label=_("Conditions"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    limit_kind = forms.ChoiceField(label=_("Kind of time limit"), choices=LimitKind.choices)
    legal_days = forms.IntegerField(
        label=_("Legal time limit (working days)"), required=False, min_value=0, max_value=365
    )
    promised_days = forms.IntegerField(
        label=_("Promised time limit (working days)"), min_value=0, max_value=365, initial=0
    )
    fee = forms.BooleanField(label=_("Charged"), required=False)
    fee_standard = forms.CharField(label=_("Fee standard"), max_length=300, required=False)
    fee_basis = forms.CharField(label=_("Fee basis"), max_length=300, required=False)
    online = forms.BooleanField(label=_("Online"), required=False)
    window = forms.BooleanField(label=_("At a window"), required=False)
    kiosk = forms.BooleanField(label=_("At a kiosk"), required=False)
    visits = forms.IntegerField(label=_("Visits needed"), min_value=0, max_value=9)
    online_depth = forms.TypedChoiceField(label=_("Online depth"), choices=OnlineDepth.choices, coerce=int)
    place = forms.CharField(label=_("Where"), max_length=200, required=False)
    hours = forms.CharField(label=_("Opening hours"), max_length=100, required=False)
    phone = forms.CharField(label=_("Enquiries phone"), max_length=40, required=False)
    result_name = forms.CharField(label=_("Result of the service"), max_length=200, required=False)
    delivery = forms.MultipleChoiceField(
        label=_("Delivery of the result"),
        choices=Delivery.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    @classmethod
    def of(cls, version, data=None) -> "GuideForm":
        return cls(data, initial={name: getattr(version, name) for name in SCALARS})

    def guide(self, situations: list[SituationIn], materials: list[MaterialIn]) -> GuideIn:
        """The guide typed, with its situations and materials."""
        values = {name: self.cleaned_data[name] for name in SCALARS}
        values["promised_days"] = values["promised_days"] or 0
        return GuideIn(**values, situations=situations, materials=materials)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Catalogue workbook (XLSX)"))
    publish = forms.BooleanField(label=_("Publish the imported guides at once"), required=False)
