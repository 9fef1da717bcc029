"""Forms of the video pages: list filters turned into the selectors' filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.core.inputs import DayField
from cityops.geo.models import Village
from cityops.video.choices import AlertStatus, Scene
from cityops.video.models import AlertKind
from cityops.video.selectors import AlertFilter


def _any(label) -> list:
    return [("", label)]


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
