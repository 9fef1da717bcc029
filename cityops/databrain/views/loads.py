"""Loading a file into a resource (``databrain.change``): upload, a preview with the column mapping to
confirm, then the load's outcome — its counts, the quality report with examples, or every reason it
was refused. The load log of a resource is on its page."""

import contextlib

from django import forms
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from cityops.core.errors import NotFound, ValidationFailed
from cityops.databrain import loads, records
from cityops.databrain.choices import LoadStatus, Problem
from cityops.databrain.models import Load
from cityops.databrain.views.common import databrain_page, get_resource

UNMAPPED = "?"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (CSV, XLSX or JSON)"))
    header_rows = forms.IntegerField(
        label=gettext_lazy("Header rows"),
        min_value=1,
        max_value=5,
        initial=1,
        help_text=gettext_lazy("More than one when the titles span several rows (merged cells)"),
    )
    json_path = forms.CharField(
        label=gettext_lazy("JSON path"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "For JSON: the key holding the array of records, dotted (result.records); empty when the file is the array"
        ),
    )
    replace = forms.BooleanField(
        label=gettext_lazy("Replace every record"),
        required=False,
        help_text=gettext_lazy(
            "The file is the whole resource: records it does not hold are deleted (and deleted upstream too)"
        ),
    )


@databrain_page("databrain.change")
def load_new(request, code: str):
    """Upload a file; it is read and kept until its column mapping is confirmed."""
    resource = get_resource(request, code)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            load = loads.load_stage(
                resource_code=resource.code,
                data=upload.read(),
                filename=upload.name,
                header_rows=form.cleaned_data["header_rows"],
                json_path=form.cleaned_data["json_path"],
                replace=form.cleaned_data["replace"],
                by=request.user,
            )
        except ValidationFailed as exc:
            form.add_error(None, exc.detail)
        else:
            return redirect("databrain:load", load_id=load.pk)
    return render(request, "databrain/load_new.html", {"resource": resource, "form": form})


def _load(request, load_id: int) -> Load:
    load = Load.objects.select_related("resource").filter(pk=load_id).first()
    if load is None:
        raise Http404("no such load")
    get_resource(request, load.resource.code)  # the resource must be visible
    return load


def _report_rows(report: dict, resource, user) -> list[dict]:
    """The report's problems, most frequent first; example values of personal fields masked for
    those who may not see them."""
    personal = (
        {} if records.may_see_personal(user) else {f.name: f for f in resource.fields.all() if f.personal}
    )
    rows = []
    for p, n in sorted(report.get("by_problem", {}).items(), key=lambda kv: -kv[1]):
        examples = []
        for e in report.get("examples", {}).get(p, []):
            field = personal.get(e["field"])
            examples.append(
                {**e, "value": records.mask(field, e["value"]) if field and e["value"] else e["value"]}
            )
        rows.append({"problem": p, "label": Problem(p).label, "count": n, "examples": examples})
    return rows


@databrain_page()
def load_detail(request, load_id: int):
    """A staged load's preview and mapping (commit with POST), or a finished load's outcome."""
    load = _load(request, load_id)
    resource = load.resource
    context = {"load": load, "resource": resource, "status": LoadStatus(load.status)}
    if load.status == LoadStatus.STAGED:
        if not request.user.can("databrain.change"):
            raise Http404("no such load")
        headers, rows = loads.preview(load)
        if request.method == "POST":
            mapping = {}
            for n, header in enumerate(headers):
                value = request.POST.get(f"map-{n}", UNMAPPED)
                mapping[header] = None if value == UNMAPPED else value
            with contextlib.suppress(NotFound):  # committed meanwhile: show what it became
                loads.load_commit(load_id=load.pk, mapping=mapping, by=request.user)
            return redirect("databrain:load", load_id=load.pk)
        proposal = loads.propose_mapping(resource, headers)
        context.update(
            columns=[
                {
                    "n": n,
                    "header": h,
                    "chosen": UNMAPPED if proposal[h] is None else proposal[h],
                    "cells": [r[n] if n < len(r) else "" for r in rows],
                }
                for n, h in enumerate(headers)
            ],
            fields=list(resource.fields.all()),
            preview=[[r[n] if n < len(r) else "" for n in range(len(headers))] for r in rows],
            unmapped=UNMAPPED,
            preview_rows=len(rows),
        )
    elif load.status in (LoadStatus.QUEUED, LoadStatus.RUNNING):
        context.update(_progress(load))
    else:
        context.update(report_rows=_report_rows(load.report, resource, request.user))
    context["status_label"], context["status_colour"] = context["status"].label, context["status"].colour
    return render(request, "databrain/load_detail.html", context)


def _progress(load) -> dict:
    progress = loads.progress(load)
    percent = min(100, 100 * progress["read"] // progress["total"]) if progress["total"] else 0
    return {"progress": progress, "percent": percent}


@databrain_page()
def load_progress(request, load_id: int):
    """The progress bar of a background load, polled by htmx; the whole page again once it ended."""
    load = _load(request, load_id)
    if load.status not in (LoadStatus.QUEUED, LoadStatus.RUNNING):
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    status = LoadStatus(load.status)
    context = {"load": load, "status_label": status.label, "status_colour": status.colour, "oob": True}
    return render(request, "databrain/partials/load_progress.html", {**context, **_progress(load)})


def issue_summary(resource) -> list[dict]:
    """The problems of a resource's records now, by field and problem (each flagged value once)."""
    rows = (
        resource.issues.values("field", "problem").annotate(n=Count("id")).order_by("-n", "field", "problem")
    )
    return [{"field": r["field"], "label": Problem(r["problem"]).label, "count": r["n"]} for r in rows[:30]]
