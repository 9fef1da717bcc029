"""Forms of the video pages: the channel list's filters and the registry import.

They check what a person typed and turn it into the selectors' filters or the import's input; the
services stay the authority on every change."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.geo.models import Area, Village
from cityops.video import catalog
from cityops.video.choices import BuildStatus, Health
from cityops.video.models import Project
from cityops.video.registry_import import MAX_BYTES
from cityops.video.selectors import ChannelFilter


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


def is_catalog(filename: str, data: bytes) -> bool:
    """A GB/T 28181 Catalog response (XML) rather than a table of sites and channels."""
    return filename.lower().endswith(".xml") or data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV, XLSX or GB/T 28181 Catalog XML)"))
    project = forms.ChoiceField(
        label=_("Project of rows that name none (of new channels of a catalog)"), required=False
    )
    update = forms.BooleanField(label=_("Rows of existing channels and sites change them"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = _any(_("Each row names its project")) + list(
            Project.objects.order_by("code").values_list("code", "name")
        )
        self.data_bytes = b""

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        self.data_bytes = f.read()
        if is_catalog(f.name, self.data_bytes) and len(self.data_bytes) > catalog.MAX_BYTES:
            raise forms.ValidationError(
                _("A catalog file is at most %(mb)s MB.") % {"mb": catalog.MAX_BYTES // 1024 // 1024}
            )
        return f

    def clean(self):
        data = super().clean()
        f = data.get("file")
        if f is not None and is_catalog(f.name, self.data_bytes) and not data.get("project"):
            self.add_error("project", _("A catalog import needs the project its new channels belong to."))
        return data
