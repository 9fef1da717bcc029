"""A resource's records: filters per field, sort, keyset paging (the next page starts after the last
row seen, so the thousandth page costs what the first does), and a CSV/XLSX of the matches."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from cityops.core.errors import ValidationFailed
from cityops.core.export import Column, Sheet, download
from cityops.core.pages import is_htmx, querystring
from cityops.databrain import records
from cityops.databrain.choices import AccessChannel, FieldType
from cityops.databrain.sharing.keys import log_access
from cityops.databrain.views.common import databrain_page, get_resource

EXPORT_MAX = 200_000
EXPORT_PAGE = 1000


def filter_inputs(fields, params) -> list[dict]:
    """The filter inputs a field gets: a range for numbers and dates, an equality otherwise."""
    out = []
    for f in fields:
        ranged = FieldType(f.type).numeric or f.type == FieldType.DATE
        out.append(
            {
                "field": f,
                "ranged": ranged,
                "kind": "date" if f.type == FieldType.DATE else "text",
                "value": params.get(f.name, ""),
                "gte": params.get(f"{f.name}__gte", ""),
                "lte": params.get(f"{f.name}__lte", ""),
            }
        )
    return out


@databrain_page()
def record_list(request, code: str):
    """One page of the resource's records with the filters and sort of the query string."""
    resource = get_resource(request, code)
    fields = list(resource.fields.all())
    context = {"resource": resource, "fields": fields, "inputs": filter_inputs(fields, request.GET)}
    try:
        query = records.parse(request.GET, fields)
        page = records.record_page(user=request.user, resource=resource, query=query)
        log_access(
            resource=resource,
            channel=AccessChannel.PAGE,
            fields=[f.name for f in page.fields],
            rows=len(page.rows),
            user=request.user,
        )
        context.update(
            page=page,
            rows=[(row["_id"], row["_flags"], [row.get(f.name) for f in page.fields]) for row in page.rows],
            total=records.record_count(resource=resource, query=query),
            query=query,
            next_qs=querystring(request.GET, after=page.next_cursor) if page.next_cursor else "",
            first_qs=querystring(request.GET, after="") if query.after else "",
            querystring=querystring(request.GET, after=""),
            masked=not records.may_see_personal(request.user),
        )
    except ValidationFailed as exc:
        context.update(error=exc.detail, page=None)
    context["sort_options"] = [("", _("Record number"))] + [(f.name, f.title) for f in fields]
    if is_htmx(request, "record-list"):
        return render(request, "databrain/partials/record_list.html", context)
    return render(request, "databrain/records.html", context)


@databrain_page()
def record_export(request, code: str, fmt: str):
    """The matching records (at most 200,000) as CSV or XLSX, masked as on the page."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("unknown format")
    resource = get_resource(request, code)
    fields = list(resource.fields.all())
    try:
        query = records.parse(request.GET, fields)
    except ValidationFailed as exc:
        raise Http404(exc.detail) from None
    query.limit, query.after = EXPORT_PAGE, ""

    def rows():
        sent = 0
        while sent < EXPORT_MAX:
            page = records.record_page(user=request.user, resource=resource, query=query)
            for row in page.rows:
                yield [row["_id"], *[row.get(f.name, "") for f in page.fields], row["_flags"]]
            sent += len(page.rows)
            if not page.next_cursor:
                break
            query.after = page.next_cursor
        log_access(
            resource=resource, channel=AccessChannel.EXPORT, fields=names, rows=sent, user=request.user
        )

    shown = [f for f in fields if query.fields is None or f.name in query.fields]
    names = [f.name for f in shown]
    columns = [Column(_("Record")), *[Column(f"{f.title}({f.name})") for f in shown], Column(_("Problems"))]
    return download(
        name=f"data-{resource.code}", fmt=fmt, sheets=[Sheet(resource.name[:31], columns, rows())]
    )
