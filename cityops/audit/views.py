"""The auditor's page over the audit trail: filters, keyset pages, exports, and the chain's
verification run by a worker with its progress (``audit.view``: the auditor and the administrator)."""

import json

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.audit import selectors
from cityops.audit.forms import TrailFilterForm
from cityops.audit.services import audit_record
from cityops.audit.verification import verification_request
from cityops.core.export import Column, Sheet, download
from cityops.core.inputs import MAX_ID
from cityops.core.pages import is_htmx, querystring, requires

PAGE_SIZE = 50
EXPORT_CHUNK = 2000


def _cursor(params, name: str) -> int | None:
    raw = params.get(name, "")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= MAX_ID else None


def _verify_context(user) -> dict:
    latest = selectors.verification_latest()
    return {"verification": latest, "verifications": selectors.verification_list(user=user, limit=5)}


@requires("audit.view")
def trail(request):
    form = TrailFilterForm(request.GET or None)
    filters = form.audit_filter() if request.GET else selectors.AuditFilter()
    page = None
    if filters is not None:
        page = selectors.trail_page(
            user=request.user,
            filters=filters,
            before=_cursor(request.GET, "before"),
            after=_cursor(request.GET, "after"),
            size=PAGE_SIZE,
        )
        for rec in page.records:
            rec.change = _change_text(rec)
    drop = {"before", "after", "csrfmiddlewaretoken"}
    context = {
        "form": form,
        "page": page,
        "querystring": querystring(request.GET, drop=drop),
        "older_qs": querystring(request.GET, drop=drop, before=page.older) if page and page.older else "",
        "newer_qs": querystring(request.GET, drop=drop, after=page.newer) if page and page.newer else "",
        "actions": selectors.distinct_values("action"),
        "object_types": selectors.distinct_values("object_type"),
        **_verify_context(request.user),
    }
    if is_htmx(request, "trail-list"):
        return render(request, "audit/partials/records.html", context)
    return render(request, "audit/trail.html", context)


def _change_text(rec) -> str:
    """The record's before and after as one short line (the export has them whole)."""
    parts = []
    for key in sorted(set(rec.before or {}) | set(rec.after or {})):
        old, new = (rec.before or {}).get(key), (rec.after or {}).get(key)
        value = _short(new) if rec.before is None else f"{_short(old)} → {_short(new)}"
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


def _short(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


@requires("audit.view")
def trail_export(request, fmt: str):
    """Every record the filters select (not just a page), streamed; the export itself is audited."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("Export as csv or xlsx.")
    form = TrailFilterForm(request.GET or None)
    filters = form.audit_filter() if request.GET else selectors.AuditFilter()
    if filters is None:
        return redirect(f"{reverse('audit:trail')}?{request.GET.urlencode()}")  # where the errors show
    audit_record(
        action="audit.export",
        actor=request.user,
        object_type="audit.auditrecord",
        after={"format": fmt, **{k: v for k, v in form.cleaned_data.items() if v}}
        if request.GET
        else {"format": fmt},
    )
    qs = selectors.audit_list(user=request.user, filters=filters)
    fields = ("seq", "at", "actor", "action", "object_type", "object_id", "object_repr", "ip", "request_id")
    rows = (
        [*row[:9], _json(row[9]), _json(row[10]), row[11]]
        for row in qs.values_list(*fields, "before", "after", "hash").iterator(chunk_size=EXPORT_CHUNK)
    )
    columns = [
        Column(_("Seq"), 10),
        Column(_("Time"), 20, "datetime_seconds"),
        Column(_("Actor"), 16),
        Column(_("Action"), 26),
        Column(_("Object type"), 22),
        Column(_("Object id"), 12),
        Column(_("Object"), 30),
        Column(_("Address"), 16),
        Column(_("Request id"), 20),
        Column(_("Before"), 40),
        Column(_("After"), 40),
        Column(_("Hash"), 20),
    ]
    return download(
        name="audit-trail",
        fmt=fmt,
        sheets=[Sheet(_("Audit trail"), columns, rows, frozen_columns=2)],
        stamp_format="%Y%m%d-%H%M",
    )


@requires("audit.view")
def verify(request):
    """The verification card: its progress while a worker walks the chain (htmx polls it)."""
    return render(request, "audit/partials/verify.html", _verify_context(request.user))


@require_POST
@requires("audit.view")
def verify_request(request):
    verification_request(by=request.user)
    if is_htmx(request):
        return render(request, "audit/partials/verify.html", _verify_context(request.user))
    return redirect("audit:trail")
