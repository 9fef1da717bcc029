"""The forms of 好差评's pages: the applicant's lookup and rating, the window device's result, the
follow-up's steps, and the filters of the lists and figures."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.core.inputs import DayField
from cityops.egov.choices import (
    BAD_LEVEL,
    AppealDecision,
    ContactMethod,
    Disposition,
    FollowUpState,
    RatingLevel,
    RatingProblem,
    RatingSource,
    RatingState,
)
from cityops.egov.ratings.kpis import DIMENSIONS
from cityops.egov.ratings.services import MAX_COMMENT, RatingIn

LEVELS = sorted(RatingLevel.choices, reverse=True)


def level_options() -> list[dict]:
    """The five levels as the rating pages draw them: label, colour, stars, and whether bad."""
    return [
        {
            "value": lv.value,
            "label": lv.label,
            "colour": lv.colour,
            "bad": lv.value <= BAD_LEVEL,
            "stars": range(lv.value),
        }
        for lv in sorted(RatingLevel, reverse=True)
    ]


ALL = _("All")


def _blank(choices, label=ALL):
    return [("", label), *choices]


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Tracking number"), max_length=20)
    phone = forms.CharField(label=_("Mobile phone number"), max_length=20)


class LevelFields(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Your rating"), choices=LEVELS, coerce=int, widget=forms.RadioSelect
    )
    problems = forms.MultipleChoiceField(
        label=_("What went wrong"),
        choices=RatingProblem.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=_("Anything to add"),
        max_length=MAX_COMMENT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def rating(self) -> RatingIn:
        d = self.cleaned_data
        return RatingIn(level=d["level"], problems=list(d["problems"]), comment=d["comment"])


class RateForm(LevelFields):
    token = forms.CharField(widget=forms.HiddenInput, max_length=400)


class WindowForm(LevelFields):
    number = forms.CharField(label=_("Tracking number"), max_length=20)
    level = forms.TypedChoiceField(
        label=_("The device's rating"), choices=LEVELS, coerce=int, widget=forms.RadioSelect
    )


class FollowUpActForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("contact", "rectify", "appeal", "decide")])
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    method = forms.ChoiceField(label=_("How"), choices=_blank(ContactMethod.choices, "—"), required=False)
    disposition = forms.ChoiceField(
        label=_("Answer"), choices=_blank(Disposition.choices, "—"), required=False
    )
    decision = forms.ChoiceField(
        label=_("Decision"), choices=_blank(AppealDecision.choices, "—"), required=False
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)


class FiguresForm(forms.Form):
    by = forms.ChoiceField(label=_("Grouped by"), choices=list(DIMENSIONS.items()), required=False)
    start = DayField(label=_("From"), required=False)
    end = DayField(label=_("To"), required=False)
    department = forms.CharField(label=_("Department"), required=False, max_length=32)
    area = forms.CharField(label=_("Area"), required=False, max_length=32)
    village = forms.CharField(label=_("Village"), required=False, max_length=32)


class RatingFilterForm(forms.Form):
    start = DayField(label=_("Concluded from"), required=False)
    end = DayField(label=_("to"), required=False)
    department = forms.CharField(label=_("Department"), required=False, max_length=32)
    state = forms.ChoiceField(label=_("State"), choices=_blank(RatingState.choices), required=False)
    source = forms.ChoiceField(label=_("Rated through"), choices=_blank(RatingSource.choices), required=False)
    level = forms.TypedChoiceField(
        label=_("Rating"), choices=_blank(LEVELS), coerce=int, empty_value=None, required=False
    )
    bad = forms.BooleanField(label=_("Bad ratings only"), required=False)
    number = forms.CharField(label=_("Tracking number"), required=False, max_length=20)


class FollowUpFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        choices=[("active", _("Not closed")), *FollowUpState.choices, ("", _("All"))],
        required=False,
    )
    department = forms.CharField(label=_("Department"), required=False, max_length=32)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
