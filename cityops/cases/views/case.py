"""One case: its detail page, the lifecycle actions the user may take now, and its photos."""

import secrets
from dataclasses import dataclass

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.cases import selectors
from cityops.cases.choices import Status
from cityops.cases.forms import RESULT_CHOICES, ActionForm
from cityops.cases.models import Attachment
from cityops.cases.photos import photos_of
from cityops.cases.services import MAX_EXTENSION_DAYS, ActionIn, case_transition
from cityops.cases.views.common import case_or_404, event_label, explain, present, staff_page
from cityops.cases.workflow import TRANSITIONS
from cityops.core.errors import DomainError
from cityops.core.masking import mask_phone
from cityops.core.pages import is_htmx
from cityops.org.models import Department

PRIMARY = (
    "register",
    "send_to_verify",
    "verify",
    "dispatch",
    "accept",
    "dispose",
    "recheck_pass",
    "approve_on_the_spot",
    "approve_extension",
    "resume",
)
DANGER = frozenset({"cancel", "return", "recheck_fail", "reject_on_the_spot", "reject_extension", "hold"})
PHOTOS_OPTIONAL = frozenset({"verify", "recheck_pass", "recheck_fail", "return", "comment"})
MODES = ("page", "panel", "task")


@dataclass
class ActionSpec:
    action: str
    label: str
    style: str
    note_required: bool
    fields: frozenset
    photos: str  # "", "optional" or "required"


def action_specs(case, user) -> list[ActionSpec]:
    """The forms for exactly the actions the user may take now, the main ones first."""
    allowed = selectors.case_actions(case, user)
    order = {a: i for i, a in enumerate(PRIMARY)}
    allowed.sort(key=lambda a: (order.get(a, 50), a == "comment", a in DANGER))
    specs = []
    for action in allowed:
        t = TRANSITIONS[action]
        fields = set(t.requires) - {"note", "photos"}
        if action == "dispatch":
            fields.add("department")
        if action == "supervise":
            fields.add("deadline")
        photos = "required" if "photos" in t.requires else ("optional" if action in PHOTOS_OPTIONAL else "")
        style = "primary" if action in order else ("danger" if action in DANGER else "")
        label = event_label(action)
        specs.append(ActionSpec(action, label, style, "note" in t.requires, frozenset(fields), photos))
    return specs


def _events(case, departments: dict):
    events = list(selectors.case_history(case))
    for e in events:
        e.label = event_label(e.action)
        moved = e.to_status and e.to_status != e.from_status
        e.to_label = Status(e.to_status).label if moved and e.to_status in Status.values else ""
        e.photos = list(e.attachments.all())
        code = (e.data or {}).get("department") or ""
        e.department_name = departments.get(code, code)
    return events


def card_context(request, case, *, mode="task", errors=None, message="", done="", open_action="") -> dict:
    """What a case card with its action forms shows (the phone's task list)."""
    present(case)
    specs = action_specs(case, request.user)
    in_a_form = any(spec.action == open_action for spec in specs)
    return {
        "case": case,
        # the forms open one at a time; a fresh group name per rendering, because the browser closes
        # an open <details> inserted while another of its group is still open (htmx inserts first)
        "form_group": f"actions-{case.number}-{secrets.token_hex(3)}",
        "orphan_message": "" if in_a_form else message,
        "mode": mode,
        "actions": specs,
        "open_action": open_action or (specs[0].action if specs and specs[0].style == "primary" else ""),
        "errors": errors or {},
        "message": message,
        "done": done,
        "photos": list(case.attachments.all()),
        "result_choices": RESULT_CHOICES,
        "max_days": MAX_EXTENSION_DAYS,
        "posted": {},
    }


def detail_context(request, case, *, mode="page", **kwargs) -> dict:
    """The card, and the history, the reports and the departments to dispatch to."""
    context = card_context(request, case, mode=mode, **kwargs)
    reports = list(case.report_set.all())
    for r in reports:
        r.phone_masked = mask_phone(r.phone) if r.phone else ""
    departments = list(Department.objects.filter(in_grid=True).order_by("code").values_list("code", "name"))
    context.update(events=_events(case, dict(departments)), reports=reports, departments=departments)
    return context


@staff_page()
def detail(request, number):
    case = case_or_404(request.user, number)
    if request.GET.get("panel") and is_htmx(request):
        return render(request, "cases/partials/detail_body.html", detail_context(request, case, mode="panel"))
    done = request.GET.get("done", "")
    done = _("Done: %(action)s") % {"action": event_label(done)} if done in TRANSITIONS else ""
    return render(request, "cases/detail.html", detail_context(request, case, done=done))


def _template(mode: str) -> str:
    return "cases/partials/task_card.html" if mode == "task" else "cases/partials/detail_body.html"


def _done_url(mode: str, number: str, action: str) -> str:
    if mode == "task":
        return reverse("cases:phone_tasks")
    return f"{reverse('cases:detail', args=[number])}?done={action}"


@staff_page()
@require_POST
def act(request, number):
    """Take one action from a form of the detail page (or the department and phone pages)."""
    case = case_or_404(request.user, number)
    mode = request.POST.get("mode") if request.POST.get("mode") in MODES else "page"
    form = ActionForm(request.POST, request.FILES)
    action = request.POST.get("action", "")
    status, message, errors = 200, "", {}
    if not form.is_valid():
        status, message = 422, _("Please correct the marked fields.")
        errors = {k: list(v) for k, v in form.errors.items()}
    else:
        d = form.cleaned_data
        try:
            data = ActionIn(
                action=d["action"],
                note=d["note"],
                result=d["result"],
                department=d["department"],
                days=d["days"],
                deadline=d["deadline"],
                version=d["version"],
                photos=photos_of(request.FILES.getlist("photos")),
            )
            case_transition(case_id=case.pk, by=request.user, data=data)
        except DomainError as exc:
            status = exc.status
            message, errors = explain(exc, case=case, action=action, version=form.cleaned_data.get("version"))
    if status == 200 and not is_htmx(request):
        return redirect(_done_url(mode, number, action))
    case = case_or_404(request.user, number)  # again: it changed, or someone else changed it
    done = _("Done: %(action)s") % {"action": event_label(action)} if status == 200 else ""
    build = card_context if mode == "task" and is_htmx(request) else detail_context
    context = build(request, case, mode=mode, errors=errors, message=message, done=done, open_action=action)
    context["posted"] = request.POST if status != 200 else {}
    template = _template(mode) if is_htmx(request) else "cases/detail.html"
    resp = render(request, template, context, status=status)
    if status == 200:
        resp["HX-Trigger"] = "case-changed"
    return resp


def _attachment(request, number, pk) -> Attachment:
    case = case_or_404(request.user, number)  # the scope check comes first: a hidden case is a 404
    att = Attachment.objects.filter(case=case, pk=pk).first()
    if att is None:
        raise Http404("There is no such photo of this case.")
    return att


@staff_page()
def photo(request, number, pk):
    """A photo of a case, served only to users who may see the case (never a public media URL)."""
    att = _attachment(request, number, pk)
    return _file(att.file, att.content_type)


@staff_page()
def thumbnail(request, number, pk):
    att = _attachment(request, number, pk)
    return _file(att.thumbnail, "image/jpeg")


def _file(field, content_type: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404("The photo file is missing.") from None
    resp = FileResponse(handle, content_type=content_type)
    resp["Cache-Control"] = "private, max-age=3600"
    resp["Content-Disposition"] = "inline"
    return resp
