"""The catalogue's pages: browse by classification and provider with a Chinese search, a resource's
page (metadata, information items, related resources, recent versions), its version history with the
differences of each version, and the catalogue as CSV or XLSX."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from cityops.core.export import Column, Sheet, download
from cityops.core.pages import is_htmx, pager, querystring
from cityops.databrain import selectors
from cityops.databrain.choices import (
    FieldType,
    LoadStatus,
    OpenType,
    ResourceFormat,
    Rule,
    ShareMethod,
    ShareType,
    UpdateCycle,
)
from cityops.databrain.forms import CatalogueFilterForm
from cityops.databrain.sharing.views import resource_sharing
from cityops.databrain.views.common import databrain_page, get_resource, present
from cityops.databrain.views.loads import issue_summary

PAGE_SIZE = 30


@databrain_page()
def catalogue(request):
    """Resources by classification and provider, searched in Chinese, paged."""
    form = CatalogueFilterForm(request.GET or None)
    filters = form.resource_filter()
    qs = selectors.resource_list(user=request.user, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for r in page.object_list:
        present(r)
    context = pager(page, lambda **changes: querystring(request.GET, **changes))
    context.update(
        form=form,
        filters=filters,
        tree=selectors.category_tree(user=request.user),
        providers=selectors.provider_counts(user=request.user),
        share_types=ShareType.choices,
        can_change=request.user.can("databrain.change"),
    )
    if is_htmx(request, "resource-list"):
        return render(request, "databrain/partials/resource_list.html", context)
    return render(request, "databrain/catalogue.html", context)


def catalogue_sheet(qs) -> Sheet:
    titles = [
        _("Classification code"),
        _("Classification"),
        _("Resource name"),
        _("Resource code"),
        _("Provider"),
        _("Provider code"),
        _("Abstract"),
        _("Format"),
        _("Information items"),
        _("Sharing type"),
        _("Sharing condition"),
        _("Sharing method"),
        _("Open to the public"),
        _("Update cycle"),
        _("Publish date"),
        _("Related resource codes"),
        _("Version"),
        _("Records"),
    ]

    def rows():
        for r in qs.prefetch_related("fields", "related"):
            yield [
                r.category.code,
                r.category.name,
                r.name,
                r.code,
                r.provider.name,
                r.provider.code,
                r.abstract,
                ResourceFormat(r.format).label,
                "；".join(
                    f"{f.title}({f.name}, {FieldType(f.type).label}{',' + str(f.length) if f.length else ''})"
                    for f in r.fields.all()
                ),
                ShareType(r.share_type).label,
                r.share_condition,
                ShareMethod(r.share_method).label,
                OpenType(r.open_type).label,
                UpdateCycle(r.update_cycle).label,
                r.published_on,
                ",".join(x.code for x in r.related.all()),
                r.version,
                r.record_count,
            ]

    return Sheet(_("Resource catalogue"), [Column(str(t)) for t in titles], rows(), frozen_columns=3)


@databrain_page()
def catalogue_export(request, fmt: str):
    """The catalogue of the page's filters, one row per resource in the national core metadata."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("unknown format")
    form = CatalogueFilterForm(request.GET or None)
    qs = selectors.resource_list(user=request.user, filters=form.resource_filter())
    return download(name="data-catalogue", fmt=fmt, sheets=[catalogue_sheet(qs)])


def field_rows(resource):
    return [
        {
            "field": f,
            "type_label": FieldType(f.type).label,
            "rule_label": Rule(f.rule).label if f.rule else "",
        }
        for f in resource.fields.all()
    ]


@databrain_page()
def resource_detail(request, code: str):
    """A resource's metadata, information items, related resources and latest versions."""
    resource = get_resource(request, code)
    versions = list(selectors.resource_versions(resource)[:5])
    context = {
        "resource": resource,
        "fields": field_rows(resource),
        "format_label": ResourceFormat(resource.format).label,
        "method_label": ShareMethod(resource.share_method).label,
        "cycle_label": UpdateCycle(resource.update_cycle).label,
        "related": [present(r) for r in resource.related.all()],
        "related_from": list(resource.related_from.all()),
        "versions": versions,
        "can_change": request.user.can("databrain.change"),
        "category_path": _category_path(resource.category),
        "loads": [(load, LoadStatus(load.status)) for load in selectors.load_list(resource)[:10]],
        "issues": issue_summary(resource),
        **resource_sharing(request.user, resource),
    }
    return render(request, "databrain/resource_detail.html", context)


def _category_path(category) -> list:
    path = []
    while category is not None:
        path.append(category)
        category = category.parent
    return list(reversed(path))


@databrain_page()
def resource_versions(request, code: str):
    """Every version of a resource's metadata, newest first, each with what it changed."""
    resource = get_resource(request, code)
    return render(
        request,
        "databrain/resource_versions.html",
        {"resource": resource, "versions": selectors.resource_versions(resource)},
    )
