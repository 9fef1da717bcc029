"""The catalogue's staff pages: the list with filters and exports, an item's guide with its versions,
editing a draft, publishing it, and the workbook import."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.core.errors import DomainError, ValidationFailed
from cityops.core.export import Column, Sheet, download
from cityops.core.pages import is_htmx, pager, querystring, requires
from cityops.databrain.models import Resource
from cityops.egov import selectors, services, workbook
from cityops.egov.choices import ItemType, MaterialForm, MaterialSource, VersionState
from cityops.egov.forms.catalogue import CHANNEL_CHOICES, STATE_CHOICES, GuideForm, ImportForm, ItemFilterForm
from cityops.egov.forms.parts import Parts, error_place, row_errors
from cityops.egov.views.common import get_item, guide_context, present
from cityops.org.models import Department

PAGE_SIZE = 30


def _departments():
    return Department.objects.filter(gives_services=True).order_by("code")


@requires("egov.view")
def item_list(request):
    """The catalogue, filtered by department, type, channel and state, searched in residents' words."""
    form = ItemFilterForm(request.GET or None)
    filters = form.item_filter()
    page = Paginator(selectors.item_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for item in page.object_list:
        item.shown = present(item.head)
    context = pager(page, lambda **changes: querystring(request.GET, **changes))
    context.update(
        form=form,
        filters=filters,
        departments=_departments(),
        item_types=ItemType.choices,
        channels=CHANNEL_CHOICES,
        states=STATE_CHOICES,
        can_manage=request.user.can("egov.manage"),
    )
    if is_htmx(request, "item-list"):
        return render(request, "egov/partials/item_list.html", context)
    return render(request, "egov/item_list.html", context)


def list_sheet(qs) -> Sheet:
    titles = [
        _("Item code"),
        _("Item name"),
        _("Competent department"),
        _("Item type"),
        _("Kind of time limit"),
        _("Legal time limit (working days)"),
        _("Promised time limit (working days)"),
        _("Online"),
        _("At a window"),
        _("At a kiosk"),
        _("Visits needed"),
        _("Charged"),
        _("State"),
        _("Version"),
    ]

    def rows():
        for item in qs.iterator(chunk_size=500):
            v = item.head
            yield [
                item.code,
                v.name,
                item.department.name,
                ItemType(v.item_type).label,
                v.get_limit_kind_display(),
                v.legal_days,
                v.promised_days,
                _("yes") if v.online else _("no"),
                _("yes") if v.window else _("no"),
                _("yes") if v.kiosk else _("no"),
                v.visits,
                _("yes") if v.fee else _("no"),
                VersionState(v.state).label,
                v.number,
            ]

    return Sheet(_("Service items"), [Column(str(t)) for t in titles], rows(), frozen_columns=2)


@requires("egov.view")
def item_export(request, fmt: str):
    """The list of the page's filters as CSV or XLSX, one row per item (its newest guide)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("unknown format")
    qs = selectors.item_list(user=request.user, filters=ItemFilterForm(request.GET or None).item_filter())
    return download(name="service-items", fmt=fmt, sheets=[list_sheet(qs)])


@requires("egov.view")
def workbook_export(request):
    """The filtered items' guides in the import workbook (items, situations, materials)."""
    qs = selectors.item_list(user=request.user, filters=ItemFilterForm(request.GET or None).item_filter())
    items = qs.select_related("department", "draft", "published")
    return download(name="service-catalogue", fmt="xlsx", sheets=workbook.export_sheets(items))


@requires("egov.view")
def item_detail(request, code: str):
    """An item's newest guide (the draft when one waits) beside its published one, and its versions."""
    item = get_item(request, code)
    shown = item.draft if item.draft and request.GET.get("show") != "published" else item.published
    context = {
        "item": item,
        "versions": [present(v) for v in selectors.item_versions(item)],
        "can_manage": request.user.can("egov.manage"),
        "showing_draft": shown is item.draft and item.draft is not None,
        **guide_context(shown),
    }
    return render(request, "egov/item_detail.html", context)


@requires("egov.manage")
def item_edit(request, code: str):
    """Edit the item's guide, its situations and materials with it, as a draft (the published guide
    stays as it is until the draft is published). A button of the rows (add, move, remove) posts
    ``op`` and gets the rows back changed, saving nothing."""
    item = get_item(request, code)
    version = item.head
    form = GuideForm.of(version, request.POST or None)
    # a form posted without the rows (not this page's) keeps the guide's situations and materials
    posted = request.method == "POST" and "parts" in request.POST
    parts = Parts.posted(request.POST) if posted else Parts.of(services.guide_of(version))
    errors = []
    if request.method == "POST" and request.POST.get("op"):
        parts.apply(request.POST["op"])
        if is_htmx(request, "guide-parts"):
            return render(request, "egov/partials/guide_parts.html", _edit_context(item, form, parts, []))
    elif request.method == "POST" and form.is_valid():
        errors = _save(request, item, form, parts)
        if not errors:
            messages.success(request, _("The draft is saved; publish it to show it to the public."))
            return redirect("egov:item", code=item.code)
    return render(request, "egov/item_edit.html", _edit_context(item, form, parts, errors))


def _save(request, item, form, parts: Parts) -> list[dict]:
    """Save the draft, or the problems of the guide and its rows (all of them, nothing saved)."""
    situations, materials, page_errors = parts.inputs()
    guide = form.guide(situations, materials)
    try:
        if page_errors:
            found = page_errors + services.guide_errors(guide, services.data_resources([guide]))
            raise ValidationFailed(
                _("The guide has %(count)s problems; nothing was saved.") % {"count": len(found)},
                errors=[{"field": f, "message": m} for f, m in found],
            )
        services.item_save_draft(
            code=item.code,
            department=request.POST.get("department") or item.department.code,
            guide=guide,
            by=request.user,
        )
    except DomainError as exc:
        errors = exc.errors or [{"field": "", "message": exc.detail}]
        for e in errors:
            if e["field"] in form.fields:
                form.add_error(e["field"], e["message"])
        return errors
    return []


def _edit_context(item, form, parts: Parts, errors: list[dict]) -> dict:
    by_row = row_errors(errors)
    for kind in ("situations", "materials"):
        for n, row in enumerate(getattr(parts, kind)):
            row.errors = by_row[kind].get(n, [])
    return {
        "item": item,
        "form": form,
        "errors": [{**e, "place": error_place(e["field"])} for e in errors],
        "parts": parts,
        "material_forms": MaterialForm.choices,
        "material_sources": MaterialSource.choices,
        "resources": Resource.objects.order_by("code").only("code", "name"),
        "departments": _departments(),
        "guide": present(item.head),
    }


@require_POST
@requires("egov.manage")
def item_publish(request, code: str):
    try:
        version = services.item_publish(code=code, by=request.user)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.detail) from None
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Version %(n)s is published.") % {"n": version.number})
    return redirect("egov:item", code=code)


@require_POST
@requires("egov.manage")
def item_discard(request, code: str):
    try:
        services.item_discard_draft(code=code, by=request.user)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.detail) from None
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The draft is discarded."))
    return redirect("egov:item", code=code)


@requires("egov.manage")
def catalogue_import(request):
    """Upload a catalogue workbook: every problem listed with sheet, row and column, or all of it written."""
    form = ImportForm(request.POST or None, request.FILES or None)
    errors, detail, result = [], "", None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            items = workbook.parse_workbook(upload.read(), upload.name)
            result = services.catalogue_import(
                items=items, publish=form.cleaned_data["publish"], by=request.user
            )
        except DomainError as exc:
            detail, errors = exc.detail, exc.errors
    return render(
        request, "egov/import.html", {"form": form, "errors": errors, "detail": detail, "result": result}
    )
