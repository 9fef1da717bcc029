"""What a person types on the emergency pages, turned into a service's input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.geo.models import Grid
from cityops.ops.choices.emergency import IncidentKind, Level, TaskStatus
from cityops.org.models import Department, Workstation


class RaiseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Incident type"), choices=IncidentKind.choices)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, initial=Level.IV)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("left empty: the alarm's message or the case's item"),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    grids = forms.ModelMultipleChoiceField(
        label=_("Affected grids"),
        queryset=Grid.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    alarm = forms.IntegerField(label=_("From IoT alarm (id)"), required=False, min_value=1)
    case = forms.IntegerField(label=_("From case (id)"), required=False, min_value=1)
    drill = forms.BooleanField(label=_("Drill (an exercise, kept out of real figures)"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grids"].queryset = Grid.objects.restrict(user, "ops.command").select_related("village")
        self.fields["grids"].label_from_instance = lambda g: f"{g.village.name} · {g.name}"

    def clean(self):
        data = super().clean()
        if data.get("alarm") and data.get("case"):
            raise forms.ValidationError(_("Raise from an alarm or from a case, not both."))
        return data


class LevelForm(forms.Form):
    level = forms.ChoiceField(label=_("New level"), choices=Level.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Reason")}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class CloseForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}), max_length=16000)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    unit = forms.ChoiceField(label=_("To"))
    deadline_minutes = forms.IntegerField(label=_("Deadline (minutes from now)"), min_value=1, initial=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        depts = [(f"d{d.pk}", d.name) for d in Department.objects.order_by("code")]
        stations = [(f"w{w.pk}", w.name) for w in Workstation.objects.order_by("level", "code")]
        self.fields["unit"].choices = [(_("Departments"), depts), (_("Workstations"), stations)]

    def assignee(self) -> dict:
        value = self.cleaned_data["unit"]
        if value.startswith("d"):
            return {"department": Department.objects.get(pk=int(value[1:]))}
        return {"workstation": Workstation.objects.get(pk=int(value[1:]))}


class TaskUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=TaskStatus.choices)
    reason = forms.CharField(max_length=300, required=False)
