"""What a person typed on the data brain's pages, turned into a selector's filter or a service's input."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cityops.databrain.choices import (
    FieldType,
    OpenType,
    ResourceFormat,
    Rule,
    ShareMethod,
    ShareType,
    UpdateCycle,
)
from cityops.databrain.models import Category, Resource
from cityops.databrain.selectors import ResourceFilter
from cityops.databrain.services import FieldIn, ResourceIn
from cityops.org.models import Department


def _blank(choices):
    return [("", _("All")), *choices]


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    category = forms.CharField(required=False, max_length=20)
    provider = forms.CharField(required=False, max_length=32)
    share_type = forms.ChoiceField(required=False, choices=_blank(ShareType.choices))
    state = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("In the catalogue")),
            ("withdrawn", pgettext_lazy("resource state", "Withdrawn")),
            ("all", _("All")),
        ],
    )

    def resource_filter(self) -> ResourceFilter:
        if not self.is_valid():
            return ResourceFilter()
        return ResourceFilter(**{k: (v or "").strip() for k, v in self.cleaned_data.items()})


class ResourceForm(forms.Form):
    code = forms.CharField(label=_("resource code"), max_length=40)
    name = forms.CharField(label=_("resource name"), max_length=200)
    category = forms.ChoiceField(label=_("classification"))
    provider = forms.ChoiceField(label=_("provider"))
    abstract = forms.CharField(label=_("abstract"), widget=forms.Textarea(attrs={"rows": 3}))
    format = forms.ChoiceField(label=_("format"), choices=ResourceFormat.choices)
    share_type = forms.ChoiceField(label=_("sharing type"), choices=ShareType.choices)
    share_condition = forms.CharField(
        label=_("sharing condition"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    share_method = forms.ChoiceField(label=_("sharing method"), choices=ShareMethod.choices)
    open_type = forms.ChoiceField(label=_("open to the public"), choices=OpenType.choices)
    open_condition = forms.CharField(
        label=_("open condition"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    update_cycle = forms.ChoiceField(label=_("update cycle"), choices=UpdateCycle.choices)
    published_on = forms.DateField(
        label=_("publish date"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    related = forms.MultipleChoiceField(
        label=_("related resources"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    key_fields = forms.CharField(
        label=_("key fields"),
        required=False,
        help_text=_("field names, separated by commas; a load updates the record with the same key"),
    )

    def __init__(self, *args, exclude_code: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            (c.code, f"{c.code} {c.name}") for c in Category.objects.order_by("code")
        ]
        self.fields["provider"].choices = [(d.code, d.name) for d in Department.objects.order_by("code")]
        self.fields["related"].choices = [
            (r.code, f"{r.code} {r.name}")
            for r in Resource.objects.exclude(code=exclude_code).order_by("code")
        ]


class FieldForm(forms.Form):
    name = forms.CharField(label=_("field name"), max_length=40)
    title = forms.CharField(label=_("title"), max_length=100)
    type = forms.ChoiceField(label=_("data type"), choices=FieldType.choices)
    length = forms.IntegerField(label=_("length"), required=False, min_value=1, max_value=10000)
    description = forms.CharField(label=_("field description"), required=False, max_length=300)
    personal = forms.BooleanField(label=_("personal data"), required=False)
    required = forms.BooleanField(label=_("required"), required=False)
    rule = forms.ChoiceField(label=_("quality rule"), choices=Rule.choices, required=False)


FieldFormSet = formset_factory(FieldForm, extra=2, can_delete=True)


def resource_input(form: ResourceForm, formset) -> ResourceIn:
    d = form.cleaned_data
    fields = [
        FieldIn(
            name=f["name"].strip(),
            title=f["title"].strip(),
            type=f["type"],
            length=f.get("length"),
            description=f.get("description", ""),
            personal=f.get("personal", False),
            required=f.get("required", False),
            rule=f.get("rule") or "",
        )
        for f in formset.cleaned_data
        if f and not f.get("DELETE") and f.get("name")
    ]
    return ResourceIn(
        code=d["code"].strip(),
        name=d["name"].strip(),
        category=d["category"],
        provider=d["provider"],
        abstract=d["abstract"],
        format=d["format"],
        share_type=d["share_type"],
        share_condition=d["share_condition"],
        share_method=d["share_method"],
        open_type=d["open_type"],
        open_condition=d["open_condition"],
        update_cycle=d["update_cycle"],
        published_on=d["published_on"],
        related=list(d["related"]),
        key_fields=[k.strip() for k in d["key_fields"].split(",") if k.strip()],
        fields=fields,
    )


def initial_of(data: ResourceIn) -> tuple[dict, list[dict]]:
    """The forms' initial values of a resource."""
    from dataclasses import asdict

    d = asdict(data)
    fields = d.pop("fields")
    d["key_fields"] = ", ".join(data.key_fields)
    return d, fields
