"""The applications' forms: the clerk's queue filters, the applicant's details (a draft, a window
intake, the kiosk) and an action's inputs. Rules live in the services; a form only reads what was
typed and puts the services' errors back beside their fields."""

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.egov.applications.intake import ApplicantIn, DraftIn
from cityops.egov.applications.selectors import VIEWS, QueueFilter
from cityops.egov.applications.services import ActionIn
from cityops.egov.choices import ApplicantKind, Channel, Check, Delivery, Reason, SpecialKind

VIEW_CHOICES = list(VIEWS.items())


class QueueFilterForm(forms.Form):
    view = forms.ChoiceField(required=False, choices=VIEW_CHOICES)
    department = forms.CharField(required=False, max_length=32)
    item = forms.CharField(required=False, max_length=40)
    channel = forms.ChoiceField(required=False, choices=[("", _("All")), *Channel.choices])
    q = forms.CharField(required=False, max_length=40)

    def queue_filter(self, default_view: str = "todo") -> QueueFilter:
        if not self.is_valid():
            return QueueFilter(view=default_view)
        data = {k: (v or "").strip() for k, v in self.cleaned_data.items()}
        data["view"] = data["view"] or default_view
        return QueueFilter(**data)


def new_key() -> str:
    """A form's own key: posting the same form twice makes one application."""
    return secrets.token_urlsafe(18)


class ApplicantForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Applicant"),
        choices=ApplicantKind.choices,
        initial=ApplicantKind.PERSON,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Name (or organisation)"), max_length=100, required=False)
    id_number = forms.CharField(
        label=_("ID number or unified social credit code"), max_length=18, required=False
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        help_text=_("Every step is sent to this number; it is also needed to look the application up."),
    )
    situations = forms.MultipleChoiceField(
        label=_("Your situation"), required=False, widget=forms.CheckboxSelectMultiple
    )
    delivery = forms.ChoiceField(label=_("How to receive the result"), required=False)
    note = forms.CharField(
        label=_("Anything the clerk should know"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    submission_key = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    FIELDS = {"applicant.kind": "kind", "applicant.name": "name", "applicant.id_number": "id_number"}
    FIELDS |= {"applicant.phone": "phone", "applicant.note": "note", "applicant.delivery": "delivery"}
    FIELDS |= {"situations": "situations"}

    def __init__(self, data=None, *, version, initial=None, **kwargs):
        super().__init__(data, initial=initial, **kwargs)
        self.fields["situations"].choices = [(s.name, s.name) for s in version.situations.all()]
        methods = [d for d in version.delivery if d != Delivery.NONE] or [Delivery.WINDOW]
        self.fields["delivery"].choices = [("", _("As the centre decides"))] + [
            (d, Delivery(d).label) for d in methods
        ]
        for name in ("name", "id_number", "phone"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs["inputmode"] = "numeric"
        self.fields["phone"].widget.input_type = "tel"
        if not self.is_bound and not self.initial.get("submission_key"):
            self.initial["submission_key"] = new_key()

    def draft_in(self, item_code: str) -> DraftIn:
        d = self.cleaned_data
        applicant = ApplicantIn(
            kind=d["kind"],
            name=d["name"],
            id_number=d["id_number"],
            phone=d["phone"],
            note=d["note"],
            delivery=d["delivery"],
        )
        return DraftIn(item=item_code, applicant=applicant, situations=list(d["situations"]))

    @classmethod
    def initial_of(cls, app) -> dict:
        return {
            "kind": app.applicant_kind,
            "name": app.applicant_name,
            "id_number": app.id_number,
            "phone": app.phone,
            "situations": [s.name for s in app.situations.all()],
            "delivery": app.delivery,
            "note": app.note,
        }

    def add_service_errors(self, errors: list[dict]) -> list[dict]:
        """Put each error beside its field; those of no field are returned for the page's head."""
        rest = []
        for e in errors:
            name = self.FIELDS.get(e["field"])
            if name:
                self.add_error(name, e["message"])
            else:
                rest.append(e)
        return rest


class ActionForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000)
    reason_code = forms.ChoiceField(required=False, choices=[("", "—"), *Reason.choices])
    days = forms.IntegerField(required=False, min_value=1, max_value=10)
    special_kind = forms.ChoiceField(required=False, choices=[("", "—"), *SpecialKind.choices])
    outcome = forms.ChoiceField(required=False, choices=[("", "—"), ("approve", "approve"), ("deny", "deny")])
    fee_amount = forms.DecimalField(required=False, min_value=0, max_digits=10, decimal_places=2)
    reference = forms.CharField(required=False, max_length=60)
    method = forms.ChoiceField(required=False, choices=[("", "—"), *Delivery.choices])
    material = forms.IntegerField(required=False, min_value=1, max_value=999)
    finding = forms.ChoiceField(required=False, choices=[("", "—"), *Check.choices])
    revision = forms.IntegerField(required=False, min_value=1)

    def action_in(self) -> ActionIn:
        d = self.cleaned_data
        return ActionIn(
            note=d["note"] or "",
            reason_code=d["reason_code"] or "",
            days=d["days"],
            special_kind=d["special_kind"] or "",
            outcome=d["outcome"] or "",
            fee_amount=d["fee_amount"],
            reference=d["reference"] or "",
            method=d["method"] or "",
            material=d["material"],
            finding=d["finding"] or "",
        )
