"""The window clerk's workbench under /services/applications/: the queue (the clerk's departments, the
most urgent first), an application with its materials, actions and timeline, and the intake of an
application at the window."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from cityops.core.errors import DomainError, NotFound
from cityops.core.export import Column, Sheet, download
from cityops.core.masking import mask_id_number, mask_phone
from cityops.core.pages import is_htmx, pager, querystring, requires
from cityops.core.workcalendar import get_calendar
from cityops.egov import selectors as catalogue
from cityops.egov.applications import intake, selectors, workflow
from cityops.egov.applications.services import application_act
from cityops.egov.choices import Channel, Check, Delivery, Reason, SpecialKind, Status
from cityops.egov.forms.applications import ActionForm, ApplicantForm, QueueFilterForm
from cityops.egov.models import Application
from cityops.egov.views.common import guide_context, present, present_application
from cityops.org.models import Department

PAGE_SIZE = 30
# How an action's inputs are shown: each action's form asks only for what it requires.
ACTION_STYLE = {
    "accept": "primary",
    "approve": "primary",
    "decide_on_the_spot": "primary",
    "pay": "primary",
    "deliver": "primary",
    "not_accept": "danger",
    "deny": "danger",
    "withdraw": "danger",
}


# Actions whose form offers an optional note (those requiring one always ask for it).
OPTIONAL_NOTE = frozenset(
    {"accept", "approve", "decide_on_the_spot", "deliver", "end_special", "release", "request_supplement"}
    | {"start_review", "supply", "approve_extension"}
)


def _note(t) -> str:
    if "note" in t.requires or t.action == "withdraw":  # a clerk withdraws on the applicant's request
        return "required"
    return "optional" if t.action in OPTIONAL_NOTE else ""


def _default_view(user) -> str:
    return "todo" if user.can("egov.process") else "open"


@requires("egov.applications")
def queue(request):
    """The queue: filters, the counts of each working view, a page of applications."""
    form = QueueFilterForm(request.GET or None)
    filters = form.queue_filter(_default_view(request.user))
    now = timezone.now()
    counts = selectors.queue_counts(user=request.user, now=now)
    paginator = Paginator(
        selectors.queue_rows(selectors.application_queue(user=request.user, filters=filters, now=now)),
        PAGE_SIZE,
    )
    if filters.view in counts and not (filters.department or filters.item or filters.channel or filters.q):
        paginator.count = counts[filters.view]  # the tab's count is the list's: one read fewer
    page = paginator.get_page(request.GET.get("page"))
    for app in page.object_list:
        present_application(app, now)
    context = pager(page, lambda **changes: querystring(request.GET, **changes))
    context.update(
        filters=filters,
        views=[(key, label, counts.get(key)) for key, label in selectors.VIEWS.items()],
        departments=Department.objects.filter(gives_services=True).order_by("code"),
        channels=Channel.choices,
        can_process=request.user.can("egov.process"),
        drafts=selectors.clerk_drafts(user=request.user)[:10],
    )
    if is_htmx(request, "application-list"):
        return render(request, "egov/partials/application_list.html", context)
    return render(request, "egov/applications.html", context)


def queue_sheet(qs, now) -> Sheet:
    titles = [
        _("Tracking number"),
        pgettext("application", "Item"),
        _("Department"),
        pgettext("application", "Channel"),
        _("Status"),
        pgettext("application", "Received"),
        pgettext("application", "Due"),
        _("Taken by"),
    ]

    def rows():
        for app in qs.iterator(chunk_size=500):
            yield [
                app.number,
                app.version.name,
                app.department.name,
                Channel(app.channel).label,
                Status(app.status).label,
                app.received_at,
                app.due_at,
                app.assignee.username if app.assignee_id else "",
            ]

    formats = [None, None, None, None, None, "datetime", "datetime", None]
    columns = [Column(str(t), format=f) for t, f in zip(titles, formats, strict=True)]
    return Sheet(_("Applications"), columns, rows(), frozen_columns=1)


@requires("egov.applications")
def queue_export(request, fmt: str):
    """The queue's rows of the page's filters as CSV or XLSX (no applicant's personal data)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("unknown format")
    filters = QueueFilterForm(request.GET or None).queue_filter(_default_view(request.user))
    now = timezone.now()
    qs = selectors.application_queue(user=request.user, filters=filters, now=now)
    return download(name="applications", fmt=fmt, sheets=[queue_sheet(qs, now)])


def _get(request, number: str) -> Application:
    try:
        return selectors.application_get(user=request.user, number=number)
    except NotFound as exc:
        raise Http404(exc.detail) from None


@requires("egov.applications")
def detail(request, number: str):
    """An application: its clock, its materials and the clerk's findings, the actions the user may
    take now, the applicant (masked), and every step."""
    app = _get(request, number)
    now = timezone.now()
    present_application(app, now)
    actions = [t for t in workflow.allowed(app, request.user) if t.action != "check"]
    can_check = any(t.action == "check" for t in workflow.allowed(app, request.user))
    materials = selectors.materials(app)
    for m in materials:
        m.finding_label, m.finding_colour = Check(m.finding).label, Check(m.finding).colour
    events = selectors.timeline(app)
    for e in events:
        e.label = workflow.label(e.action)
        e.to_label = Status(e.to_status).label if e.to_status in Status.values else ""
    context = {
        "app": app,
        "actions": [(t, ACTION_STYLE.get(t.action, ""), _note(t)) for t in actions],
        "can_check": can_check,
        "materials": materials,
        "events": events,
        "reasons": Reason.choices,
        "special_kinds": SpecialKind.choices,
        "delivery_methods": [c for c in Delivery.choices if c[0] != Delivery.NONE],
        "findings": [
            (Check.OK, Check.OK.label),
            (Check.MISSING, Check.MISSING.label),
            (Check.DEFECTIVE, Check.DEFECTIVE.label),
        ],
        "situations": [s.name for s in app.situations.all()],
        "guide": present(app.version),
        "masked_id": mask_id_number(app.id_number),
        "masked_phone": mask_phone(app.phone),
        "delivery_label": Delivery(app.delivery).label if app.delivery in Delivery.values else "",
        "reason_label": Reason(app.reason_code).label if app.reason_code in Reason.values else "",
        "worked_days": _days(app.worked_minutes),
        "app_messages": list(app.messages.order_by("at", "id")),
    }
    return render(request, "egov/application_detail.html", context)


def _days(minutes) -> str:
    if minutes is None:
        return ""
    days = minutes / get_calendar().minutes_per_day
    return _("%(n).1f working days") % {"n": days}


@require_POST
@requires("egov.applications")
def act(request, number: str, action: str):
    """Take one action; back to the application with what happened, or why not."""
    app = _get(request, number)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("egov:application", number=number)
    try:
        application_act(
            application=app,
            action=action,
            by=request.user,
            data=form.action_in(),
            revision=form.cleaned_data["revision"],
        )
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.detail) from None
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": workflow.label(action)})
    return redirect("egov:application", number=number)


# ---- intake at the window ---------------------------------------------------------------------------


@requires("egov.process")
def new(request):
    """Begin an application at the window: find the item, then the applicant's details."""
    code = request.GET.get("item", "").strip()
    if not code:
        q = request.GET.get("q", "").strip()[:50]
        items = catalogue.public_search(q, limit=30) if q else []
        items = [i for i in items if i.published.window]
        for item in items:
            present(item.published)
        return render(request, "egov/application_new.html", {"q": q, "items": items})
    try:
        item = catalogue.public_get(code)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    return _intake(request, item, None)


@requires("egov.process")
def draft(request, pk: int):
    """A draft the clerk began: resume it, submit it or throw it away."""
    app = selectors.clerk_drafts(user=request.user).filter(pk=pk).first()
    if app is None:
        raise Http404("no such draft")
    if request.method == "POST" and request.POST.get("discard"):
        intake.draft_discard(application=app, by=request.user)
        messages.success(request, _("The draft is thrown away."))
        return redirect("egov:applications")
    return _intake(request, app.item, app)


def _intake(request, item, app):
    version = item.published
    initial = ApplicantForm.initial_of(app) if app else None
    form = ApplicantForm(request.POST or None, version=version, initial=initial)
    errors, detail = [], ""
    if request.method == "POST" and form.is_valid():
        data = form.draft_in(item.code)
        try:
            if request.POST.get("save"):
                saved = intake.draft_save(data=data, channel=Channel.WINDOW, by=request.user, application=app)
                messages.success(request, _("The draft is saved."))
                return redirect("egov:application_draft", pk=saved.pk)
            if app is not None:
                saved = intake.draft_save(data=data, channel=Channel.WINDOW, by=request.user, application=app)
                made, _created = intake.submit(application=saved, by=request.user)
            else:
                key = form.cleaned_data["submission_key"]
                made, _created = intake.apply(
                    data=data, channel=Channel.WINDOW, by=request.user, submission_key=key
                )
            if made.assignee_id is None:
                application_act(application=made, action="take", by=request.user)
        except DomainError as exc:
            if exc.status == 404:
                raise Http404(exc.detail) from None
            detail, errors = exc.detail, form.add_service_errors(exc.errors)
        else:
            messages.success(request, _("Application %(number)s is received.") % {"number": made.number})
            return redirect("egov:application", number=made.number)
    context = {"item": item, "form": form, "errors": errors, "detail": detail, "draft": app}
    context.update(guide_context(version))
    return render(request, "egov/application_intake.html", context)
