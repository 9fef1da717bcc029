"""Forms of the video pages: the channel list's filters, the registry import and the editing pages.

They check what a person typed and turn it into the selectors' filters or the import's input; the
services stay the authority on every change."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.core.inputs import DayField
from cityops.geo.models import Area, Village
from cityops.video import catalog
from cityops.video.choices import AlertStatus, BuildStatus, Health, Scene
from cityops.video.models import AlertKind, Group, Project
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


# ---- editing the registry (the services check every rule; these forms only shape the input) ----------

USERINFO_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@")


def without_userinfo(url: str) -> str:
    """An address as typed, minus any ``user:password@``, so a form shown again never echoes them."""
    return USERINFO_RE.sub(r"\1", url or "")


def service_errors(form: forms.Form, exc, columns: dict[str, str]) -> None:
    """Put a service's ``{field, message}`` problems next to the form's fields (else above the form)."""
    for e in exc.errors or [{"field": None, "message": exc.detail}]:
        name = columns.get(e.get("field"), e.get("field"))
        form.add_error(name if name in form.fields else None, e.get("message", ""))


CREDENTIALS = [("keep", _("Keep as they are")), ("set", _("Set new ones")), ("clear", _("Clear them"))]


class ChannelEditForm(forms.Form):
    """A channel's facts; the credentials are never filled in, only replaced or cleared."""

    name = forms.CharField(label=_("Channel name"), max_length=150)
    vendor = forms.CharField(label=_("Vendor"), max_length=60, required=False)
    model = forms.CharField(label=_("Model"), max_length=60, required=False)
    main_url = forms.CharField(label=_("Main stream (rtsp://)"), max_length=300, required=False)
    sub_url = forms.CharField(label=_("Sub stream (rtsp://)"), max_length=300, required=False)
    group = forms.ChoiceField(label=_("Virtual organisation"), required=False)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    credentials = forms.ChoiceField(
        label=_("What to do with them"), choices=CREDENTIALS, initial="keep", widget=forms.RadioSelect
    )
    username = forms.CharField(
        label=_("User name"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    # a service's field → the form's field
    COLUMNS = {"location": "lon", "credentials": "username"}

    def __init__(self, data=None, *, channel):
        self.typed = data or {}
        if data is not None:  # shown again after a problem: never echo what was typed as a secret
            data = data.copy()
            data["username"] = data["password"] = ""
            for key in ("main_url", "sub_url"):
                data[key] = without_userinfo(data.get(key, ""))
        super().__init__(
            data,
            initial={
                "name": channel.name,
                "vendor": channel.vendor,
                "model": channel.model,
                "main_url": channel.main_url,
                "sub_url": channel.sub_url,
                "group": channel.group.gb_id if channel.group_id else "",
                "lon": round(channel.lon, 7),
                "lat": round(channel.lat, 7),
            },
        )
        groups = (
            Group.objects.filter(gb_id__regex=r"^\d{10}216").order_by("gb_id").values_list("gb_id", "name")
        )
        self.fields["group"].choices = _any(_("None")) + [(g, f"{n} ({g})") for g, n in groups]

    def clean(self):
        data = super().clean()
        if data.get("credentials") == "set" and not (
            self.typed.get("username") or self.typed.get("password")
        ):
            self.add_error("username", _("Type the new user name and password, or keep the stored ones."))
        return data

    def changes(self) -> dict:
        """``channel_update``'s keyword arguments from what was typed."""
        d, typed = self.cleaned_data, self.typed
        out = {k: d[k] for k in ("name", "vendor", "model", "lon", "lat")}
        out["group"] = d["group"] or None
        # the addresses as typed: a user:password in them is the service's to take out and seal
        out["main_url"], out["sub_url"] = typed.get("main_url", "").strip(), typed.get("sub_url", "").strip()
        if d["credentials"] == "set":
            out["username"], out["password"] = typed.get("username", ""), typed.get("password", "")
        elif d["credentials"] == "clear":
            out["clear_credentials"] = True
        return out


class BuildStatusForm(forms.Form):
    """Move a channel's build status: forward with its date, back with a reason."""

    status = forms.ChoiceField(label=_("New build status"))
    on = forms.DateField(
        label=_("Date of the new stage"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Reason (required to go back)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    COLUMNS = {"build_status": "status"}

    def __init__(self, data=None, *, channel):
        super().__init__(data)
        self.fields["status"].choices = [
            (s.value, s.label) for s in BuildStatus if s.value != channel.build_status
        ]


class SiteEditForm(forms.Form):
    """A site's name, address and position (a move re-locates its channels)."""

    name = forms.CharField(label=_("Site name"), max_length=150)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    COLUMNS = {"site_name": "name", "site_location": "lon"}

    def __init__(self, data=None, *, site):
        super().__init__(
            data,
            initial={
                "name": site.name,
                "address": site.address,
                "lon": round(site.lon, 7),
                "lat": round(site.lat, 7),
            },
        )


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
