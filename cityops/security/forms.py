"""What a person typed on the security pages, turned into a selector's filter or a service's input.

Every form that changes an incident or a system carries the ``version`` the page was drawn from, so
a form left open while someone else changed the object is refused instead of undoing their change.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cityops.core.inputs import DayField, MomentField
from cityops.org.models import Department
from cityops.security import categories
from cityops.security.choices import (
    AgentStatus,
    AssessmentResult,
    ContactRole,
    DueState,
    Exposure,
    Grade,
    IncidentStatus,
    ProtectionLevel,
    SystemStatus,
)
from cityops.security.incidents.selectors import IncidentFilter
from cityops.security.models import InfoSystem
from cityops.security.register.selectors import SystemFilter, TerminalFilter
from cityops.security.register.services import ContactIn, SystemIn

CONTACT_ROWS = 4
MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _blank(choices):
    return [("", _("All")), *choices]


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=2**31 - 1, **kwargs)


def _moment_field(label, **kwargs) -> MomentField:
    return MomentField(
        label=label,
        input_formats=MOMENT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        **kwargs,
    )


# ---- the register ---------------------------------------------------------------------------------


def _search(**kwargs) -> forms.CharField:
    return forms.CharField(
        required=False, max_length=100, widget=forms.TextInput(attrs={"type": "search"}), **kwargs
    )


def _departments(label) -> forms.ChoiceField:
    """A department by code, from the list (filled when the form is made, so new ones appear)."""
    return forms.ChoiceField(required=False, label=label)


def department_choices() -> list:
    return [("", _("All")), *Department.objects.order_by("code").values_list("code", "name")]


class SystemFilterForm(forms.Form):
    q = _search(label=_("Search"))
    level = forms.TypedChoiceField(
        required=False,
        choices=_blank(ProtectionLevel.choices),
        coerce=int,
        empty_value=None,
        label=_("Protection level"),
    )
    exposure = forms.ChoiceField(required=False, choices=_blank(Exposure.choices), label=_("Exposure"))
    personal_data = forms.ChoiceField(
        required=False,
        choices=_blank([("yes", _("Holds personal data")), ("no", _("No personal data"))]),
        label=_("Personal data"),
    )
    due = forms.ChoiceField(required=False, choices=_blank(DueState.choices), label=_("Next assessment"))
    owner = _departments(_("Owner department"))
    status = forms.ChoiceField(required=False, choices=_blank(SystemStatus.choices), label=_("Status"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = department_choices()

    def system_filter(self) -> SystemFilter:
        if not self.is_valid():
            return SystemFilter()
        d = self.cleaned_data
        personal = {"yes": True, "no": False}.get(d["personal_data"])
        return SystemFilter(
            level=d["level"],
            exposure=d["exposure"],
            personal_data=personal,
            due=d["due"],
            owner=d["owner"].strip(),
            status=d["status"],
            q=d["q"].strip(),
        )


class SystemForm(forms.Form):
    """A system's entry with up to four contacts (a row left empty is no contact)."""

    code = forms.CharField(label=_("System code"), max_length=32)
    name = forms.CharField(label=_("System name"), max_length=100)
    owner = forms.ModelChoiceField(
        label=_("Owner department"), queryset=Department.objects.order_by("code"), to_field_name="code"
    )
    level = forms.TypedChoiceField(label=_("Protection level"), choices=ProtectionLevel.choices, coerce=int)
    filing_number = forms.CharField(
        label=_("Filing number"), max_length=40, required=False, help_text=_("备案号, required from level 2")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=SystemStatus.choices, initial=SystemStatus.IN_SERVICE
    )
    exposure = forms.ChoiceField(label=_("Exposure"), choices=Exposure.choices)
    personal_data = forms.BooleanField(label=_("Holds personal data"), required=False)
    data_note = forms.CharField(label=_("Data held"), max_length=300, required=False)
    next_due_on = DayField(
        label=_("Next assessment due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Levels 3 to 5 follow their cycle; set a date only to assess earlier (or for levels 1 and 2)."
        ),
    )
    description = forms.CharField(
        label=pgettext_lazy("security", "Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = VersionField(required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].required = False
            self.fields["version"].required = True
        for i in range(CONTACT_ROWS):
            self.fields[f"contact_{i}_role"] = forms.ChoiceField(
                label=_("Role"), choices=[("", "—"), *ContactRole.choices], required=False
            )
            self.fields[f"contact_{i}_name"] = forms.CharField(
                label=pgettext_lazy("security", "Name"), max_length=50, required=False
            )
            self.fields[f"contact_{i}_phone"] = forms.CharField(
                label=_("Phone"), max_length=30, required=False
            )
            self.fields[f"contact_{i}_email"] = forms.CharField(
                label=_("E-mail"), max_length=100, required=False
            )

    @classmethod
    def initial_of(cls, system: InfoSystem) -> dict:
        initial = {
            "code": system.code,
            "name": system.name,
            "owner": system.owner.code,
            "level": system.level,
            "filing_number": system.filing_number,
            "status": system.status,
            "exposure": system.exposure,
            "personal_data": system.personal_data,
            "data_note": system.data_note,
            "next_due_on": system.next_due_on,
            "description": system.description,
            "version": system.version,
        }
        for i, c in enumerate(system.contacts.order_by("position", "id")[:CONTACT_ROWS]):
            initial.update(
                {
                    f"contact_{i}_role": c.role,
                    f"contact_{i}_name": c.name,
                    f"contact_{i}_phone": c.phone,
                    f"contact_{i}_email": c.email,
                }
            )
        return initial

    def contact_rows(self) -> list[list]:
        return [
            [self[f"contact_{i}_{k}"] for k in ("role", "name", "phone", "email")]
            for i in range(CONTACT_ROWS)
        ]

    def system_in(self, code: str = "") -> SystemIn:
        d = self.cleaned_data
        contacts = []
        for i in range(CONTACT_ROWS):
            row = {k: (d.get(f"contact_{i}_{k}") or "").strip() for k in ("role", "name", "phone", "email")}
            if any(row.values()):
                contacts.append(ContactIn(**row))
        return SystemIn(
            code=code or d.get("code", ""),
            name=d["name"],
            owner=d["owner"].code,
            level=d["level"],
            exposure=d["exposure"],
            filing_number=d["filing_number"],
            status=d["status"],
            personal_data=d["personal_data"],
            data_note=d["data_note"],
            description=d["description"],
            next_due_on=d["next_due_on"],
            contacts=contacts,
        )


class AssessmentForm(forms.Form):
    assessed_on = DayField(
        label=_("Assessed on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    result = forms.ChoiceField(label=pgettext_lazy("security", "Result"), choices=AssessmentResult.choices)
    assessor = forms.CharField(label=_("Assessment body"), max_length=100)
    next_due_on = DayField(
        label=_("Next assessment due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: the level's cycle decides."),
    )
    version = VersionField()


class TerminalFilterForm(forms.Form):
    PROBLEMS = [
        ("any", _("Offline or unprotected")),
        ("offline", _("Offline")),
        ("unprotected", _("Unprotected")),
    ]
    problem = forms.ChoiceField(
        required=False, choices=_blank(PROBLEMS), label=pgettext_lazy("security", "Problem")
    )
    agent_status = forms.ChoiceField(
        required=False, choices=_blank(AgentStatus.choices), label=_("Agent status")
    )
    department = _departments(_("Department"))
    q = _search(label=_("Search"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = department_choices()

    def terminal_filter(self) -> TerminalFilter:
        if not self.is_valid():
            return TerminalFilter()
        d = self.cleaned_data
        return TerminalFilter(
            problem=d["problem"],
            department=d["department"].strip(),
            agent_status=d["agent_status"],
            q=d["q"].strip(),
        )


class TerminalImportForm(forms.Form):
    file = forms.FileField(
        label=_("Terminals file"),
        help_text=_(
            "CSV (UTF-8 or GBK) or XLSX with the columns of the export: 资产编号, 防护状态 and the others."
        ),
    )


# ---- incidents ------------------------------------------------------------------------------------


def kind_choices() -> list:
    """Category and subcategory as one choice, grouped by category: "category.subcategory"."""
    return [("", "—")] + [
        (c.name, [(f"{c.code}.{s.code}", s.name) for s in c.subcategories]) for c in categories.categories()
    ]


class IncidentFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=_blank(IncidentStatus.choices), label=_("Status"))
    grade = forms.ChoiceField(
        required=False, choices=_blank(Grade.choices), label=pgettext_lazy("security", "Grade")
    )
    category = forms.ChoiceField(required=False, label=_("Category"))
    drill = forms.ChoiceField(
        required=False,
        choices=_blank([("real", _("Real incidents")), ("drill", _("Drills"))]),
        label=_("Real or drill"),
    )
    q = _search(label=_("Search"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _blank([(c.code, c.name) for c in categories.categories()])

    def incident_filter(self) -> IncidentFilter:
        if not self.is_valid():
            return IncidentFilter()
        return IncidentFilter(**{k: (v or "").strip() for k, v in self.cleaned_data.items()})


def _systems_field(**kwargs) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Affected systems"),
        queryset=InfoSystem.objects.order_by("code"),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        **kwargs,
    )


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Category and subcategory"), help_text=_("GB/T 20986-2023"))
    grade = forms.ChoiceField(label=pgettext_lazy("security", "Grade"), choices=Grade.choices)
    discovered_at = _moment_field(_("Discovered at"))
    detected_by = forms.CharField(
        label=_("Detected by"), max_length=150, required=False, help_text=_("Empty: you")
    )
    drill = forms.BooleanField(label=_("Drill (an exercise, kept out of real figures)"), required=False)
    systems = _systems_field()
    description = forms.CharField(
        label=pgettext_lazy("security", "Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()

    def service_args(self) -> dict:
        d = self.cleaned_data
        category, _dot, subcategory = d["kind"].partition(".")
        return {
            "title": d["title"],
            "category": category,
            "subcategory": subcategory,
            "grade": d["grade"],
            "discovered_at": d["discovered_at"],
            "detected_by": d["detected_by"],
            "drill": d["drill"],
            "systems": [s.code for s in d["systems"]],
            "description": d["description"],
        }


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label=pgettext_lazy("security", "Grade"), choices=Grade.choices)
    reason = forms.CharField(label=_("Why"), max_length=500)
    version = VersionField()


class OwnerForm(forms.Form):
    owner = forms.CharField(label=_("Owner"), max_length=150, help_text=_("Name and unit"))
    version = VersionField()


class StepForm(forms.Form):
    done_at = _moment_field(_("Done at"))
    owner = forms.CharField(label=_("Owner"), max_length=150, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = VersionField()


class SystemsForm(forms.Form):
    systems = _systems_field()
    version = VersionField()


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
