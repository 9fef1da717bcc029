"""Cataloguing a resource and editing its metadata (``databrain.change``): the core metadata and the
information items on one page; a change saves a new version. Withdrawing a resource."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.core.errors import ValidationFailed
from cityops.databrain import services
from cityops.databrain.forms import FieldFormSet, ResourceForm, initial_of, resource_input
from cityops.databrain.views.common import databrain_page, get_resource


def _save(request, form, formset, write):
    """The service's answer: the resource, or None with its problems on the form."""
    if not (form.is_valid() and formset.is_valid()):
        return None
    try:
        return write(resource_input(form, formset))
    except ValidationFailed as exc:
        for e in exc.errors:
            form.add_error(None, f"{e['field']}: {e['message']}")
        return None


@databrain_page("databrain.change")
def resource_new(request):
    """Catalogue a new resource."""
    form = ResourceForm(request.POST or None)
    formset = FieldFormSet(request.POST or None, prefix="fields")
    if request.method == "POST":
        resource = _save(
            request, form, formset, lambda data: services.resource_create(data=data, by=request.user)
        )
        if resource is not None:
            messages.success(request, _("Resource %(code)s catalogued.") % {"code": resource.code})
            return redirect("databrain:resource", code=resource.code)
    return render(
        request, "databrain/resource_edit.html", {"form": form, "formset": formset, "resource": None}
    )


@databrain_page("databrain.change")
def resource_edit(request, code: str):
    """Edit a resource's metadata and information items; saving a change makes a new version."""
    resource = get_resource(request, code)
    if request.method == "POST":
        form = ResourceForm(request.POST, exclude_code=code)
        formset = FieldFormSet(request.POST, prefix="fields")
        saved = _save(
            request,
            form,
            formset,
            lambda data: services.resource_update(code=code, data=data, by=request.user),
        )
        if saved is not None:
            messages.success(request, _("Saved; the metadata is now version %(n)s.") % {"n": saved.version})
            return redirect("databrain:resource", code=saved.code)
    else:
        initial, fields = initial_of(services.resource_in(resource))
        form = ResourceForm(initial=initial, exclude_code=code)
        formset = FieldFormSet(initial=fields, prefix="fields")
    return render(
        request, "databrain/resource_edit.html", {"form": form, "formset": formset, "resource": resource}
    )


@require_POST
@databrain_page("databrain.change")
def resource_withdraw(request, code: str):
    """Withdraw a resource from the catalogue with a reason (its records are deleted)."""
    resource = get_resource(request, code)
    try:
        services.resource_withdraw(code=resource.code, reason=request.POST.get("reason", ""), by=request.user)
    except ValidationFailed as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("%(code)s was withdrawn; its records are deleted.") % {"code": code})
    return redirect("databrain:resource", code=resource.code)


@require_POST
@databrain_page("databrain.change")
def resource_reinstate(request, code: str):
    """Put a withdrawn resource back in the catalogue with a reason (its records are not restored)."""
    resource = get_resource(request, code)
    try:
        services.resource_reinstate(
            code=resource.code, reason=request.POST.get("reason", ""), by=request.user
        )
    except ValidationFailed as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, _("%(code)s is back in the catalogue; load its records again.") % {"code": code}
        )
    return redirect("databrain:resource", code=resource.code)
