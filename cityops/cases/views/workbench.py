"""The dispatcher's workbench: queues by state, filters, paging, export and bulk actions."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cityops.cases import selectors
from cityops.cases.choices import Channel, DeadlineColour, EscalationLevel
from cityops.cases.choices import Status as S
from cityops.cases.forms import CaseFilterForm
from cityops.cases.services import ActionIn, case_transition
from cityops.cases.views.common import event_label, explain, present, staff_page
from cityops.cases.workflow import TRANSITIONS, who_may
from cityops.core.errors import DomainError
from cityops.core.export import Column, Sheet, download
from cityops.core.pages import is_htmx, pager, querystring

PAGE_SIZE = 50


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    statuses: tuple[str, ...] | None
    bulk: str = ""  # the action the tab offers for many cases at once
    newest_first: bool = False  # finished cases have no deadline to sort by: the latest reports first


TABS = (
    Tab("intake", gettext_lazy("To accept"), (S.REPORTED, S.VERIFIED, S.SELF_DISPOSED), bulk="register"),
    Tab("verifying", gettext_lazy("To verify"), (S.VERIFYING,)),
    Tab("dispatch", gettext_lazy("To dispatch"), (S.REGISTERED,), bulk="dispatch"),
    Tab("disposing", gettext_lazy("Being disposed"), (S.DISPATCHED, S.ACCEPTED)),
    Tab("recheck", gettext_lazy("To re-check"), (S.DISPOSED,)),
    Tab("hold", gettext_lazy("On hold"), (S.ON_HOLD,)),
    Tab("closed", gettext_lazy("Closed"), (S.CLOSED,), newest_first=True),
    Tab("cancelled", gettext_lazy("Cancelled"), (S.CANCELLED,), newest_first=True),
    Tab("all", gettext_lazy("All"), None, newest_first=True),
)
TAB_BY_KEY = {t.key: t for t in TABS}
BULK_LABELS = {"register": gettext_lazy("Register selected"), "dispatch": gettext_lazy("Dispatch selected")}


def _tab(params) -> Tab:
    return TAB_BY_KEY.get(params.get("tab", ""), TABS[0])


def filtered(user, params, statuses, form=None):
    """The user's cases for the filter form in ``params``, and the bound form."""
    form = form or CaseFilterForm(params, user=user)
    f, item_name = form.case_filter(list(statuses) if statuses else None)
    qs = selectors.case_list(user=user, filters=f)
    if item_name:
        qs = qs.filter(item__name__icontains=item_name)
    return qs, form


def _counts(user, params, form) -> dict[str, int]:
    qs, _form = filtered(user, params, None, form)
    by_status = dict(qs.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    counts = {}
    for tab in TABS:
        statuses = tab.statuses or tuple(by_status)
        counts[tab.key] = sum(by_status.get(s, 0) for s in statuses)
    return counts


# the bulk form's own fields are not filters either
NOT_FILTERS = frozenset({"page", "csrfmiddlewaretoken", "cases", "action", "back"})


def _querystring(params, **changes) -> str:
    return querystring(params, NOT_FILTERS, **changes)


def workbench_context(request, params, results=None) -> dict:
    tab = _tab(params)
    qs, form = filtered(request.user, params, tab.statuses)
    if tab.newest_first:
        qs = qs.order_by("-reported_at", "-id")
    counts = _counts(request.user, params, form)
    paginator = Paginator(qs, PAGE_SIZE)
    paginator.count = counts[tab.key]  # the tab counts already hold it: no second COUNT query
    page = paginator.get_page(params.get("page"))
    now = timezone.now()
    for case in page.object_list:
        present(case, now)
    bulk = tab.bulk if tab.bulk and who_may(TRANSITIONS[tab.bulk], request.user) is None else ""
    return {
        "form": form,
        "tab": tab,
        "tabs": [(t, counts[t.key], _querystring(params, tab=t.key)) for t in TABS],
        **pager(page, lambda **changes: _querystring(params, **changes)),
        "bulk": bulk,
        "bulk_label": BULK_LABELS.get(bulk, ""),
        "results": results,
        "colours": [c for c in DeadlineColour if c != DeadlineColour.NONE],
    }


@staff_page()
def workbench(request):
    context = workbench_context(request, request.GET)
    if is_htmx(request, "workbench-list"):
        return render(request, "cases/partials/workbench_list.html", context)
    return render(request, "cases/workbench.html", context)


@dataclass
class BulkResult:
    number: str
    ok: bool
    message: str


@staff_page()
@require_POST
def bulk(request):
    """One action on many cases, each through ``case_transition``; every case reports its result."""
    params = QueryDict(request.POST.get("back", ""))
    action = request.POST.get("action", "")
    results = []
    if action not in BULK_LABELS:
        results.append(BulkResult("", False, _("Choose an action.")))
    picked = [v for v in request.POST.getlist("cases") if v][:PAGE_SIZE]
    if action in BULK_LABELS and not picked:
        results.append(BulkResult("", False, _("Select one or more cases first.")))
    for value in picked if action in BULK_LABELS else []:
        number, _sep, version = value.partition(":")
        results.append(_bulk_one(request.user, number, action, version))
    context = workbench_context(request, params, results)
    if is_htmx(request):
        return render(request, "cases/partials/workbench_list.html", context)
    return render(request, "cases/workbench.html", context)


def _bulk_one(user, number: str, action: str, version: str) -> BulkResult:
    case = selectors.case_list(user=user).filter(number=number).first()
    if case is None:
        return BulkResult(number, False, _("There is no such case in your scope."))
    seen = int(version) if version.isdigit() else None
    data = ActionIn(action=action, version=seen)
    try:
        case_transition(case_id=case.pk, by=user, data=data)
    except DomainError as exc:
        message, fields = explain(exc, case=case, action=action, version=seen)
        if fields:
            message = " ".join(m for ms in fields.values() for m in ms)
        return BulkResult(number, False, message)
    return BulkResult(number, True, _("Done: %(action)s") % {"action": event_label(action)})


# ---- export ------------------------------------------------------------------------------------

EXPORT_CHUNK = 2000  # rows read per query (or per fetch of a server-side cursor)
# The export reads exactly these columns (no model instances, no joins beyond the names shown).
EXPORT_FIELDS = (
    "number",
    "item__code",
    "item__name",
    "channel",
    "status",
    "colour",
    "grid__name",
    "village__name",
    "area__name",
    "department__name",
    "workstation__name",
    "escalation",
    "supervision",
    "reports",
    "reported_at",
    "step_deadline",
    "due_at",
    "address",
    "description",
)


def _columns() -> list[Column]:
    when = {"width": 17, "format": "datetime"}
    return [
        Column(_("Case number"), 16),
        Column(_("Patrol item code"), 14),
        Column(_("Patrol item"), 22),
        Column(_("Channel"), 14),
        Column(_("Status"), 12),
        Column(_("Deadline"), 10),
        Column(_("Grid"), 12),
        Column(_("Village"), 14),
        Column(_("Area"), 12),
        Column(_("Department"), 18),
        Column(_("Workstation"), 18),
        Column(_("Escalation"), 16),
        Column(_("Supervision order"), 10),
        Column(_("Reports"), 8),
        Column(_("Reported at"), **when),
        Column(_("Step deadline"), **when),
        Column(_("Disposal deadline"), **when),
        Column(_("Address"), 30),
        Column(_("Description"), 50),
    ]


def _rows(qs):
    """The export's rows from one query of plain values: labels looked up in memory, dates as dates."""
    labels = {
        "channel": {k: str(v) for k, v in Channel.choices},
        "status": {k: str(v) for k, v in S.choices},
        "colour": {k: str(v) for k, v in DeadlineColour.choices},
        "escalation": {k: str(v) for k, v in EscalationLevel.choices},
    }
    channel, status, colour, escalation = (labels[k] for k in ("channel", "status", "colour", "escalation"))
    for row in qs.values_list(*EXPORT_FIELDS).iterator(chunk_size=EXPORT_CHUNK):
        row = list(row)
        row[3] = channel.get(row[3], row[3])
        row[4] = status.get(row[4], row[4])
        row[5] = colour.get(row[5], row[5])
        row[11] = escalation.get(row[11], row[11])
        yield row


@staff_page()
def export(request):
    """Every case of the current tab and filters, in the tab's order, as XLSX (default) or CSV,
    streamed; past a sheet's row limit the XLSX continues on a second sheet."""
    tab = _tab(request.GET)
    qs, _form = filtered(request.user, request.GET, tab.statuses)
    if tab.newest_first:
        qs = qs.order_by("-reported_at", "-id")
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    sheet = Sheet(str(tab.label), _columns(), _rows(qs), frozen_columns=1)
    return download(name=f"cases-{tab.key}", fmt=fmt, sheets=[sheet], stamp_format="%Y%m%d-%H%M")
