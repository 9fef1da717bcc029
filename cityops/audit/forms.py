"""The filters of the auditor's page, turned into the selector's ``AuditFilter``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.audit.selectors import AuditFilter
from cityops.core.inputs import MomentField

LOCAL_MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class TrailFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("Actor"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": "admin"}),
    )
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"list": "audit-actions"}),
    )
    object_type = forms.CharField(
        label=_("Object type"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"list": "audit-object-types"}),
    )
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    start = MomentField(label=_("From"), required=False, widget=LOCAL_MOMENT)
    end = MomentField(label=_("Until"), required=False, widget=LOCAL_MOMENT)

    def clean(self):
        data = super().clean()
        if data.get("object_id") and not data.get("object_type"):
            self.add_error("object_type", _("An object id needs its object type (e.g. accounts.user)."))
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end of the range must come after its start."))
        return data

    def audit_filter(self) -> AuditFilter | None:
        """The filter, or None when what was typed is wrong (the page then shows why, and no rows)."""
        if not self.is_valid():
            return None
        d = self.cleaned_data
        return AuditFilter(
            actor=d["actor"].strip(),
            action=d["action"].strip(),
            object_type=d["object_type"].strip(),
            object_id=d["object_id"].strip(),
            start=d["start"],
            end=d["end"],
        )
