"""The department handler's page, the case map and the inbox."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cityops.accounts.roles import Role
from cityops.cases import selectors
from cityops.cases.choices import OPEN_STATUSES, DeadlineColour
from cityops.cases.choices import Status as S
from cityops.cases.forms import CaseFilterForm
from cityops.cases.views.case import detail_context
from cityops.cases.views.common import case_or_404, event_label, present, staff_page
from cityops.cases.views.workbench import Tab, filtered
from cityops.core.inputs import MAX_ID, InputError, parse_whole
from cityops.core.pages import is_htmx

MAP_MAX_POINTS = 5000
DEPT_TABS = (
    Tab("new", gettext_lazy("To receive"), (S.DISPATCHED,)),
    Tab("working", gettext_lazy("Being disposed"), (S.ACCEPTED,)),
    Tab("recheck", gettext_lazy("Awaiting re-check"), (S.DISPOSED,)),
    Tab("hold", gettext_lazy("On hold"), (S.ON_HOLD,)),
    Tab("closed", gettext_lazy("Closed"), (S.CLOSED,)),
)
DEPT_LIST_SIZE = 100
INBOX_PAGE_SIZE = 50


# ---- the department page --------------------------------------------------------------------------


def _dept_list(request) -> dict:
    tab = next((t for t in DEPT_TABS if t.key == request.GET.get("tab")), DEPT_TABS[0])
    base = selectors.case_list(user=request.user)
    counts = dict(
        base.order_by()
        .filter(status__in=[s for t in DEPT_TABS for s in t.statuses])
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    qs = base.filter(status__in=tab.statuses)
    if tab.key == "closed":
        qs = qs.order_by("-closed_at")
    cases = [present(c) for c in qs[:DEPT_LIST_SIZE]]
    return {
        "tab": tab,
        "tabs": [(t, sum(counts.get(s, 0) for s in t.statuses)) for t in DEPT_TABS],
        "cases": cases,
        "selected": request.GET.get("case", ""),
        "limit": DEPT_LIST_SIZE,
    }


@staff_page()
def department(request):
    """A handler's cases by stage; the chosen case opens beside the list with its actions."""
    if request.user.role != Role.DEPARTMENT_HANDLER and not request.user.is_superuser:
        raise PermissionDenied("The department page is for department handlers.")
    context = _dept_list(request)
    if is_htmx(request, "dept-list"):
        return render(request, "cases/partials/dept_list.html", context)
    if context["selected"]:
        case = case_or_404(request.user, context["selected"])
        context.update(detail_context(request, case, mode="panel"))
    return render(request, "cases/department.html", context)


# ---- the case map -----------------------------------------------------------------------------------


@staff_page()
def case_map(request):
    form = CaseFilterForm(request.GET or None, user=request.user)
    colours = [c for c in DeadlineColour if c != DeadlineColour.NONE]
    colours_json = [{"value": c.value, "label": str(c.label), "colour": c.colour} for c in DeadlineColour]
    return render(request, "cases/map.html", {"form": form, "colours": colours, "colours_json": colours_json})


@staff_page()
def map_points(request):
    """Open cases in scope for the filters, most urgent first, as compact JSON for the map."""
    qs, _form = filtered(request.user, request.GET, sorted(OPEN_STATUSES))
    total = qs.count()
    rows = qs.values_list(
        "number", "lon", "lat", "colour", "status", "item__name", "grid__name", "step_deadline"
    )[:MAP_MAX_POINTS]
    points = []
    for number, lon, lat, colour, status, item, grid, deadline in rows:
        points.append(
            {
                "n": number,
                "lon": lon,
                "lat": lat,
                "c": colour,
                "s": str(S(status).label),
                "sc": S(status).colour,
                "i": item,
                "g": grid,
                "d": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M") if deadline else "",
            }
        )
    body = {"total": total, "shown": len(points), "points": points}
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")


# ---- the inbox -----------------------------------------------------------------------------------
# Everyone signed in has one: staff of every capability (a clerk's applications, a steward's sharing
# requests) and residents (the steps of their own applications).


@login_required
def inbox(request):
    """My notifications, newest first, 50 a page; each links its case."""
    unread_only = request.GET.get("unread") == "1"
    qs = selectors.inbox(user=request.user, unread_only=unread_only).select_related("case__item")
    page = Paginator(qs, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    for n in page.object_list:
        n.label = event_label(n.kind)
    unread = selectors.inbox(user=request.user, unread_only=True).count()
    query = "unread=1&" if unread_only else ""
    context = {
        "notes": page.object_list,
        "page": page,
        "unread": unread,
        "unread_only": unread_only,
        "query": query,
    }
    if is_htmx(request, "inbox-list"):
        return render(request, "cases/partials/inbox_list.html", context)
    return render(request, "cases/inbox.html", context)


@login_required
@require_POST
def inbox_read(request):
    """Mark one notification (``id``) or all of them read."""
    qs = selectors.inbox(user=request.user, unread_only=True)
    raw = request.POST.get("id", "")
    if raw:  # one notification; without an id, all of them
        try:
            qs = qs.filter(pk=parse_whole(raw, lo=1, hi=MAX_ID))
        except InputError:
            qs = qs.none()
    qs.update(read_at=timezone.now())
    if is_htmx(request):
        resp = inbox(request)
        resp["HX-Trigger"] = "inbox-changed"
        return resp
    return redirect("cases:inbox")


@login_required
def inbox_badge(request):
    unread = selectors.inbox(user=request.user, unread_only=True).count()
    return render(request, "cases/partials/inbox_badge.html", {"unread": unread})
