"""Forms of the video pages: the channel list's filters and the registry import.

They check what a person typed and turn it into the selectors' filters or the import's input; the
services stay the authority on every change."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.core.inputs import DayField
from cityops.geo.models import Area, Village
from cityops.video.choices import AlertStatus, BuildStatus, Health, Scene
from cityops.video.models import AlertKind, Project
from cityops.video.registry_import import MAX_BYTES
from cityops.video.selectors import AlertFilter, ChannelFilter


def _any(label) -> list:
    return [("", label)]


class ChannelFilterForm(forms.Form):
    """The filters of the channel list; places are limited to the user's scope."""

    project = forms.ChoiceField(label=_("Project"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    build_status = forms.ChoiceField(label=_("Build status"), required=False)
    health = forms.ChoiceField(label=_("Health"), required=False)
    group = forms.CharField(required=False, max_length=20)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.fields["project"].choices = _any(_("All projects")) + list(
            Project.objects.order_by("code").values_list("code", "name")
        )
        areas = Area.objects.restrict(user, "geo.view").order_by("code").values_list("code", "name")
        self.fields["area"].choices = _any(_("All areas")) + list(areas)
        villages = Village.objects.restrict(user, "geo.view").order_by("code").values_list("code", "name")
        self.fields["village"].choices = _any(_("All villages")) + list(villages)
        self.fields["build_status"].choices = _any(_("All build statuses")) + list(BuildStatus.choices)
        self.fields["health"].choices = _any(_("All")) + list(Health.choices)
        self.show_area = user.scope_level == "town"
        self.show_village = user.scope_level in ("town", "area")

    def channel_filter(self, *, build_status: bool = True) -> ChannelFilter:
        """The selector's filter (without the build status, for the counts by build status)."""
        d = self.cleaned_data if self.is_valid() else {}
        return ChannelFilter(
            project=d.get("project") or None,
            area=d.get("area") or None,
            village=d.get("village") or None,
            build_status=(d.get("build_status") or None) if build_status else None,
            health=d.get("health") or None,
            group=d.get("group") or None,
            text=(d.get("q") or "").strip() or None,
        )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"))
    project = forms.ChoiceField(label=_("Project of rows that name none"), required=False)
    update = forms.BooleanField(label=_("Rows of existing channels and sites change them"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = _any(_("Each row names its project")) + list(
            Project.objects.order_by("code").values_list("code", "name")
        )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return f


class AlertFilterForm(forms.Form):
    """The filters of the alert list; villages are limited to the user's scope."""

    kind = forms.ChoiceField(label=_("Kind"), required=False)
    scene = forms.ChoiceField(label=_("Scene"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    village = forms.ChoiceField(label=_("Village"), required=False)
    day_from = DayField(label=_("From"), required=False)
    day_to = DayField(label=_("To"), required=False)

    def __init__(self, data=None, *, user):
        super().__init__(data)
        kinds = AlertKind.objects.order_by("scene", "code").values_list("code", "name")
        self.fields["kind"].choices = _any(_("All kinds")) + list(kinds)
        self.fields["scene"].choices = _any(_("All scenes")) + list(Scene.choices)
        self.fields["status"].choices = _any(_("All statuses")) + list(AlertStatus.choices)
        villages = Village.objects.restrict(user, "geo.view").order_by("code").values_list("code", "name")
        self.fields["village"].choices = _any(_("All villages")) + list(villages)
        self.show_village = user.scope_level in ("town", "area")

    def alert_filter(self) -> AlertFilter:
        d = self.cleaned_data if self.is_valid() else {}
        return AlertFilter(
            kind=d.get("kind") or None,
            scene=d.get("scene") or None,
            status=d.get("status") or None,
            village=d.get("village") or None,
            day_from=d.get("day_from"),
            day_to=d.get("day_to"),
        )
