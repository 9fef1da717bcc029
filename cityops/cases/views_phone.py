"""The inspector's phone pages: report a case, my tasks (verify, re-check), patrol."""

import importlib.util

from django.shortcuts import render
from django.urls import Resolver404, resolve

from cityops.cases import selectors
from cityops.cases.choices import Channel
from cityops.cases.choices import Status as S
from cityops.cases.forms import PatrolReportForm
from cityops.cases.intake import IntakeIn, Reporter
from cityops.cases.models import PatrolItem
from cityops.cases.report_flow import ReportPage, intake_fields, item_choices
from cityops.cases.views import staff_page
from cityops.cases.views_case import card_context

TASK_STATUSES = [S.VERIFYING, S.DISPOSED]


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


def _patrol_intake(request, d: dict, photos) -> tuple[IntakeIn, object]:
    reporter = Reporter(user=request.user)
    data = IntakeIn(
        channel=Channel.PATROL,
        reporter=reporter,
        photos=photos,
        on_the_spot=d["on_the_spot"],
        **intake_fields(d),
    )
    return data, request.user


REPORT_PAGE = ReportPage(
    form_class=PatrolReportForm,
    items=patrol_items,
    template="cases/phone/report.html",
    to_intake=_patrol_intake,
    context={"tab": "report"},
)


@staff_page("cases.intake")
def report(request):
    """Report a case from the phone: item, description, photos and the GPS position (or a tap)."""
    if request.method == "POST":
        return REPORT_PAGE.submit(request)
    return REPORT_PAGE.blank(request)


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
