"""A resource's pull sources (``databrain.change``): the list with each one's schedule and last load,
the form (the token and database address are write-only: the page says whether they are set), and
"pull now", which runs the pull in the request and shows the load it made."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.core.errors import ValidationFailed
from cityops.databrain.choices import LoadStatus, Paging, PullFormat, PullKind
from cityops.databrain.models import PullSource
from cityops.databrain.pulls.schedule import describe
from cityops.databrain.pulls.services import KEEP, PullIn, pull_run, pull_source_save
from cityops.databrain.views.common import databrain_page, get_resource

UNITS = [
    ("minutes", gettext_lazy("minutes")),
    ("hours", gettext_lazy("hours")),
    ("daily", gettext_lazy("daily at")),
    ("", gettext_lazy("by hand only")),
]


class PullForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=PullKind.choices)
    url = forms.CharField(label=gettext_lazy("URL"), max_length=1000, required=False)
    headers = forms.CharField(
        label=gettext_lazy("Headers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One per line: Name: value (not secret)"),
    )
    token_header = forms.CharField(
        label=gettext_lazy("Token header"), max_length=100, required=False, initial="Authorization"
    )
    token = forms.CharField(
        label=gettext_lazy("Token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Stored sealed, never shown; leave empty to keep the one set"),
    )
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=PullFormat.choices)
    json_path = forms.CharField(label=gettext_lazy("JSON path"), max_length=200, required=False)
    paging = forms.ChoiceField(label=gettext_lazy("Paging"), choices=Paging.choices)
    page_param = forms.CharField(
        label=gettext_lazy("Page (or offset) parameter"), max_length=50, required=False
    )
    size_param = forms.CharField(
        label=gettext_lazy("Size (or limit) parameter"), max_length=50, required=False
    )
    page_size = forms.IntegerField(
        label=gettext_lazy("Page size"), min_value=1, max_value=10_000, initial=100
    )
    next_path = forms.CharField(label=gettext_lazy("Next link path"), max_length=200, required=False)
    max_pages = forms.IntegerField(
        label=gettext_lazy("At most pages"), min_value=1, max_value=10_000, initial=100
    )
    db_url = forms.CharField(
        label=gettext_lazy("Database address"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("postgres://user:password@host/db or sqlite:////path.db; sealed, never shown"),
    )
    query = forms.CharField(
        label=gettext_lazy("SELECT query"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    every = forms.IntegerField(label=gettext_lazy("Every"), min_value=1, required=False)
    unit = forms.ChoiceField(label=gettext_lazy("Schedule"), choices=UNITS, required=False)
    daily_at = forms.TimeField(
        label=gettext_lazy("Daily at"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    enabled = forms.BooleanField(label=gettext_lazy("Enabled"), required=False, initial=True)
    replace = forms.BooleanField(
        label=gettext_lazy("Replace every record"),
        required=False,
        help_text=gettext_lazy("The source gives the whole resource: records it no longer holds are deleted"),
    )

    def pull_in(self) -> PullIn:
        d = self.cleaned_data
        headers = {}
        for line in d["headers"].splitlines():
            if line.strip():
                name, _sep, value = line.partition(":")
                headers[name.strip()] = value.strip()
        every = d["every"] if d["unit"] in ("minutes", "hours") else None
        return PullIn(
            name=d["name"],
            kind=d["kind"],
            url=d["url"].strip(),
            headers=headers,
            token_header=d["token_header"],
            token=d["token"] or KEEP,
            format=d["format"],
            json_path=d["json_path"],
            paging=d["paging"],
            page_param=d["page_param"],
            size_param=d["size_param"],
            page_size=d["page_size"],
            next_path=d["next_path"],
            max_pages=d["max_pages"],
            db_url=d["db_url"] or KEEP,
            query=d["query"],
            every_minutes=every * 60 if every and d["unit"] == "hours" else every,
            daily_at=d["daily_at"] if d["unit"] == "daily" else None,
            enabled=d["enabled"],
            replace=d["replace"],
        )


def _initial(source: PullSource) -> dict:
    hours = bool(source.every_minutes and source.every_minutes % 60 == 0)
    unit = "hours" if hours else "minutes" if source.every_minutes else "daily" if source.daily_at else ""
    return {
        **{
            f: getattr(source, f)
            for f in (
                "name",
                "kind",
                "url",
                "token_header",
                "format",
                "json_path",
                "paging",
                "page_param",
                "size_param",
                "page_size",
                "next_path",
                "max_pages",
                "query",
                "daily_at",
                "enabled",
                "replace",
            )
        },
        "headers": "\n".join(f"{k}: {v}" for k, v in source.headers.items()),
        "every": source.every_minutes // 60 if hours else source.every_minutes,
        "unit": unit,
    }


@databrain_page("databrain.change")
def pull_list(request, code: str):
    """A resource's pull sources, each with its schedule, next run and last load."""
    resource = get_resource(request, code)
    sources = list(resource.pulls.select_related("last_load"))
    for s in sources:
        s.schedule = describe(every_minutes=s.every_minutes, daily_at=s.daily_at)
        if s.last_load:
            st = LoadStatus(s.last_load.status)
            s.last_label, s.last_colour = st.label, st.colour
    return render(request, "databrain/pulls.html", {"resource": resource, "sources": sources})


@databrain_page("databrain.change")
def pull_edit(request, code: str, pull_id: int | None = None):
    """Add or change a pull source."""
    resource = get_resource(request, code)
    source = None
    if pull_id is not None:
        source = resource.pulls.filter(pk=pull_id).first()
        if source is None:
            raise Http404("no such pull source")
    initial = _initial(source) if source else {"token_header": "Authorization", "unit": "hours", "every": 1}
    form = PullForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            pull_source_save(
                resource_code=resource.code, data=form.pull_in(), source_id=pull_id, by=request.user
            )
        except ValidationFailed as exc:
            for e in exc.errors or []:
                field = e.get("field") if e.get("field") in form.fields else None
                if field == "every_minutes":
                    field = "every"
                form.add_error(field, e["message"])
        else:
            return redirect("databrain:pulls", code=resource.code)
    return render(request, "databrain/pull_edit.html", {"resource": resource, "form": form, "source": source})


@databrain_page("databrain.change")
def pull_now(request, code: str, pull_id: int):
    """Run a pull at once and show the load it made (or say it is already running)."""
    resource = get_resource(request, code)
    if request.method != "POST" or not resource.pulls.filter(pk=pull_id).exists():
        raise Http404("no such pull source")
    load = pull_run(source_id=pull_id, by=request.user)
    if load is None:
        messages.warning(request, _("This source is being pulled right now; its load will be in the log."))
        return redirect("databrain:pulls", code=resource.code)
    return redirect("databrain:load", load_id=load.pk)
