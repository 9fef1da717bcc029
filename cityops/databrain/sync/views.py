"""The sync status page under /data/sync/: each resource's place upstream, the log with its filters,
push now, and pause or resume a resource or the whole sync."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.core.errors import NotFound
from cityops.core.pages import pager, querystring, requires
from cityops.databrain.choices import BatchStatus, ShareType, SyncHealth
from cityops.databrain.sync import selectors, services

PAGE_SIZE = 50


@requires("databrain.change")
def sync_status(request):
    """Per resource: in sync, behind, failing, stopped or paused, with its lag; then the log."""
    now = timezone.now()
    rows = selectors.sync_overview(now=now)
    for r in rows:
        r.share_label = ShareType(r.share_type).label
        r.waiting_since = now - r.lag if r.lag is not None else None
    f = selectors.LogFilter(
        resource=request.GET.get("resource", "").strip(), status=request.GET.get("status", "")
    )
    page = Paginator(selectors.sync_log(f=f), PAGE_SIZE).get_page(request.GET.get("page"))
    for b in page:
        st = BatchStatus(b.status)
        b.status_label, b.status_colour = st.label, st.colour
    context = {
        "rows": rows,
        "totals": [(h, selectors.sync_totals(rows)[h.value]) for h in SyncHealth],
        "config": selectors.sync_configured(),
        "f": f,
        "statuses": BatchStatus.choices,
        "log": page,
        **pager(page, lambda **changes: querystring(request.GET, **changes)),
    }
    return render(request, "databrain/sync/status.html", context)


@require_POST
@requires("databrain.change")
def sync_action(request, action: str):
    """Pause, resume (a resource when the form names one, else everything) or push now."""
    code = request.POST.get("resource") or None
    try:
        if action == "pause":
            services.sync_pause(code=code, by=request.user)
            messages.success(request, _("Paused."))
        elif action == "resume":
            services.sync_resume(code=code, by=request.user)
            messages.success(request, _("Resumed."))
        elif action == "push":
            services.sync_push_now(by=request.user)
            messages.success(request, _("The pusher will run within a minute."))
        else:
            raise Http404("unknown action")
    except NotFound as exc:
        raise Http404(exc.detail) from None
    return redirect("databrain:sync")
