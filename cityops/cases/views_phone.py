"""The inspector's phone pages: report a case, my tasks (verify, re-check), patrol."""

import importlib.util

from django.db.models import Q
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from cityops.cases import selectors
from cityops.cases.api import photos_of
from cityops.cases.choices import Channel
from cityops.cases.choices import Status as S
from cityops.cases.forms import PatrolReportForm
from cityops.cases.intake import IntakeIn, Reporter, case_intake
from cityops.cases.models import PatrolItem
from cityops.cases.views import explain, is_htmx, staff_page
from cityops.cases.views_case import card_context
from cityops.core.errors import DomainError

ITEM_CHOICES = 20
TASK_STATUSES = [S.VERIFYING, S.DISPOSED]
REPORT_FIELDS = ("item", "description", "address", "photos", "location", "contact_name", "phone")


def item_choices(qs, q: str, selected: str) -> list:
    """Up to ITEM_CHOICES items matching ``q`` by name, category or code; the chosen one first."""
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(category__name__icontains=q) | Q(code__iexact=q))
    items = list(qs.select_related("category").order_by("code")[:ITEM_CHOICES])
    if selected and all(i.code != selected for i in items):
        chosen = qs.model.objects.filter(code=selected).select_related("category").first()
        if chosen is not None:
            items.insert(0, chosen)
    return items


def patrol_items():
    return PatrolItem.objects.filter(active=True)


@staff_page("cases.intake")
def items(request):
    """The item picker's choices for a search (htmx)."""
    q, selected = request.GET.get("q", ""), request.GET.get("item", "")
    return render(
        request,
        "cases/partials/item_choices.html",
        {"items": item_choices(patrol_items(), q, selected), "selected": selected, "q": q},
    )


def report_errors(request, message: str, fields: dict, status: int = 422):
    """The summary and every field's error slot (out of band), for an htmx report form."""
    slots = {name: fields.get(name, []) for name in REPORT_FIELDS}
    for name, messages in fields.items():
        if name not in slots:
            slots["location" if name in ("lon", "lat") else "form"] = messages
    resp = render(
        request,
        "cases/partials/report_errors.html",
        {"message": message, "slots": slots, "general": slots.pop("form", [])},
        status=status,
    )
    resp["HX-Retarget"] = "#report-errors"
    resp["HX-Reswap"] = "innerHTML"
    return resp


def form_errors(form) -> dict:
    errors = {}
    for name, messages in form.errors.items():
        key = "location" if name in ("lon", "lat") else ("form" if name == "__all__" else name)
        errors.setdefault(key, []).extend(messages)
    return errors


@staff_page("cases.intake")
def report(request):
    """Report a case from the phone: item, description, photos and the GPS position (or a tap)."""
    context = {"form": PatrolReportForm(), "result": None, "tab": "report"}
    if request.method == "POST":
        form = PatrolReportForm(request.POST, request.FILES)
        message, fields, result = _report(request, form)
        if result is not None:
            context["result"] = result
            template = "cases/partials/report_result.html" if is_htmx(request) else "cases/phone/report.html"
            return render(request, template, context, status=200 if result.duplicate else 201)
        if is_htmx(request):
            return report_errors(request, message, fields)
        context.update(form=form, message=message, errors=fields)
        context["items"] = item_choices(patrol_items(), "", request.POST.get("item", ""))
        return render(request, "cases/phone/report.html", context, status=422)
    context["items"] = item_choices(patrol_items(), "", "")
    return render(request, "cases/phone/report.html", context)


def _report(request, form):
    if not form.is_valid():
        return _("Please correct the marked fields."), form_errors(form), None
    d = form.cleaned_data
    try:
        data = IntakeIn(
            channel=Channel.PATROL,
            item_code=d["item"],
            lon=d["lon"],
            lat=d["lat"],
            description=d["description"],
            address=d["address"],
            reporter=Reporter(user=request.user),
            photos=photos_of(request.FILES.getlist("photos")),
            on_the_spot=d["on_the_spot"],
        )
        return "", {}, case_intake(data, by=request.user)
    except DomainError as exc:
        message, fields = explain(exc)
        return message, fields, None


@staff_page()
def tasks(request):
    """Cases assigned to me to verify on site or to re-check, with their actions."""
    f = selectors.CaseFilter(status=TASK_STATUSES, assigned_to_me=True)
    cases = selectors.case_list(user=request.user, filters=f).prefetch_related("attachments")
    cards = [card_context(request, case) for case in cases]
    return render(request, "cases/phone/tasks.html", {"cards": cards, "tab": "tasks"})


PATROL_API = "/api/v1/patrols/sessions"


def patrol_api_ready() -> bool:
    """Whether the patrols API is installed and mounted (the page is only a placeholder without it)."""
    if importlib.util.find_spec("cityops.cases.api_patrols") is None:
        return False
    try:
        resolve(PATROL_API)
    except Resolver404:
        return False
    return True


@staff_page("cases.intake")
def patrol(request):
    """Check in and out of a patrol; the page posts the GPS track every 30 seconds meanwhile."""
    context = {"tab": "patrol", "ready": patrol_api_ready(), "api": PATROL_API, "session": None}
    if context["ready"]:
        from cityops.cases import patrol_selectors

        f = patrol_selectors.SessionFilter(mine=True, open=True)
        context["session"] = patrol_selectors.session_list(user=request.user, filters=f).first()
    return render(request, "cases/phone/patrol.html", context)
