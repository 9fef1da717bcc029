"""The incident pages: the list (real and drills, with the real figures by grade), registering one,
the incident with its steps, report timers, affected systems and timeline, the response's actions
and the report (XLSX or PDF).

The actions are guarded by the services, not by the page: whoever posts to them — a role without
``security.respond``, a step out of order, a form drawn from an older version — is refused there,
with nothing changed and the refusal on the audit trail; a form too broken to reach the service is
audited as refused here. A refusal of the role is a 403, of a missing incident a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from cityops.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from cityops.core.export import Sheet, columns, download
from cityops.core.pages import pager, querystring
from cityops.security import categories
from cityops.security.choices import EntryKind, Grade, IncidentStatus, StepKind, TimerKind
from cityops.security.forms import (
    GradeForm,
    IncidentFilterForm,
    IncidentForm,
    NoteForm,
    OwnerForm,
    StepForm,
    SystemsForm,
)
from cityops.security.incidents import report, rules, selectors, services
from cityops.security.views.common import (
    PAGE_SIZE,
    RESPOND,
    VIEW,
    apply_errors,
    or_404,
    page_context,
    present_incident,
    security_page,
)


@security_page(VIEW)
def incident_list(request):
    form = IncidentFilterForm(request.GET or None)
    qs = selectors.incident_list(user=request.user, filters=form.incident_filter())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = []
    for i in page.object_list:
        present_incident(i)
        i.timer_rows = []
        for t in i.timers.all():
            t.state = rules.state(t, now)
            t.label = TimerKind(t.kind).label
            i.timer_rows.append(t)
        i.done_steps = sum(1 for s in i.steps.all() if s.done_at)
        rows.append(i)
    context = page_context(request)
    context.update(pager(page, lambda **changes: querystring(request.GET, **changes)))
    context.update(
        form=form,
        rows=rows,
        figures=selectors.incident_figures(user=request.user),
        can_respond=request.user.can(RESPOND),
        export_qs=querystring(request.GET, page=""),
    )
    return render(request, "security/incidents.html", context)


def _incident_rows(qs):
    grades, statuses = dict(Grade.choices), dict(IncidentStatus.choices)
    for i in qs.iterator(chunk_size=500):
        cat, sub = categories.names(i.category, i.subcategory)
        timers = {t.kind: t for t in i.timers.all()}
        first = timers.get(TimerKind.INITIAL)
        yield [
            i.number,
            i.title,
            _("yes") if i.drill else _("no"),
            cat,
            sub,
            grades.get(i.grade, i.grade),
            statuses.get(i.status, i.status),
            i.discovered_at,
            first.due_at if first else None,
            first.met_at if first else None,
            i.closed_at,
        ]


@security_page(VIEW)
def incident_export(request, fmt):
    if fmt not in ("csv", "xlsx"):
        return redirect("security:incidents")
    form = IncidentFilterForm(request.GET or None)
    qs = selectors.incident_list(user=request.user, filters=form.incident_filter())
    header = [
        _("Incident number"),
        _("Title"),
        _("Drill"),
        _("Category"),
        _("Subcategory"),
        pgettext("security", "Grade"),
        _("Status"),
        _("Discovered"),
        _("First report due"),
        _("First report made"),
        _("Closed"),
    ]
    sheet = Sheet(_("Security incidents"), columns(header), _incident_rows(qs), frozen_columns=2)
    return download(name="security-incidents", fmt=fmt, sheets=[sheet])


@login_required
def incident_new(request):
    """Register an incident; the service refuses (and audits) a role that may not."""
    if request.method != "POST" and not request.user.can(RESPOND):
        raise PermissionDenied(_("Your role may not handle security incidents."))
    form = IncidentForm(
        request.POST or None, initial={"discovered_at": timezone.localtime().replace(second=0, microsecond=0)}
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                incident = services.incident_register(by=request.user, **form.service_args())
            except Forbidden as exc:
                raise PermissionDenied(exc.detail) from None
            except DomainError as exc:
                apply_errors(form, exc, {"category": "kind", "subcategory": "kind"})
            else:
                messages.success(request, _("Incident %(number)s registered.") % {"number": incident.number})
                return redirect("security:incident", number=incident.number)
        else:
            _audit_broken(request, "", "register", form)
    context = page_context(request)
    context.update(form=form, limits=rules.limits_by_grade())
    return render(request, "security/incident_form.html", context, status=422 if form.errors else 200)


def _audit_broken(request, number: str, attempted: str, form) -> None:
    """A form that does not reach the service (a field missing or forged) is a refusal too."""
    if not request.user.can(RESPOND):
        services.refused(
            request.user, number, attempted, Forbidden(_("Your role may not handle security incidents."))
        )
        raise PermissionDenied(_("Your role may not handle security incidents."))
    fields = [{"field": name, "message": "; ".join(errors)} for name, errors in form.errors.items()]
    services.refused(
        request.user, number, attempted, ValidationFailed(_("The form was incomplete."), errors=fields)
    )


@security_page(VIEW)
def incident_detail(request, number):
    incident = present_incident(or_404(selectors.incident_get, user=request.user, number=number))
    steps = selectors.incident_steps(incident)
    for s in steps:
        s.label = StepKind(s.kind).label
    timers = selectors.incident_timers(incident)
    for t in timers:
        t.label = TimerKind(t.kind).label
    entries = selectors.incident_entries(incident)
    for e in entries:
        kind = EntryKind(e.kind)
        e.label, e.colour = kind.label, kind.colour
    can_respond = request.user.can(RESPOND) and incident.status == IncidentStatus.OPEN
    version = {"version": incident.version}
    now = timezone.localtime().replace(second=0, microsecond=0)
    context = page_context(request)
    context.update(
        incident=incident,
        steps=steps,
        timers=timers,
        entries=entries,
        systems=list(incident.systems.all()),
        can_respond=can_respond,
        grade_form=GradeForm(initial={"grade": incident.grade, **version}),
        owner_form=OwnerForm(initial=version),
        step_form=StepForm(initial={"done_at": now, **version}),
        systems_form=SystemsForm(initial={"systems": [s.code for s in incident.systems.all()], **version}),
        note_form=NoteForm(),
    )
    return render(request, "security/incident.html", context)


def _act(request, number: str, attempted: str, form, do, done: str):
    """Run one action of the response: a broken form or a refusal comes back as a message, and the
    refusal is on the audit trail; a role that may not act gets 403, a missing incident 404."""
    if not form.is_valid():
        _audit_broken(request, number, attempted, form)
        messages.error(
            request,
            _("The form was incomplete: %(errors)s")
            % {
                "errors": "; ".join(
                    f"{form.fields[k].label if k in form.fields else k}: {' '.join(v)}"
                    for k, v in form.errors.items()
                )
            },
        )
        return redirect("security:incident", number=number)
    try:
        do(form.cleaned_data)
    except Forbidden as exc:
        raise PermissionDenied(exc.detail) from None
    except NotFound as exc:
        raise Http404(exc.detail) from None
    except DomainError as exc:
        details = [e["message"] for e in exc.errors] or [exc.detail]
        messages.error(request, " ".join(details))
    else:
        messages.success(request, done)
    return redirect("security:incident", number=number)


@require_POST
@login_required
def incident_grade(request, number):
    return _act(
        request,
        number,
        "grade",
        GradeForm(request.POST),
        lambda d: services.incident_grade(
            by=request.user, number=number, grade=d["grade"], reason=d["reason"], version=d["version"]
        ),
        _("Grade changed."),
    )


@require_POST
@login_required
def step_owner(request, number, step):
    return _act(
        request,
        number,
        "owner",
        OwnerForm(request.POST),
        lambda d: services.step_owner(
            by=request.user, number=number, step=step, owner=d["owner"], version=d["version"]
        ),
        _("Owner named."),
    )


@require_POST
@login_required
def step_done(request, number, step):
    return _act(
        request,
        number,
        "step",
        StepForm(request.POST),
        lambda d: services.step_done(
            by=request.user,
            number=number,
            step=step,
            done_at=d["done_at"],
            owner=d["owner"],
            note=d["note"],
            version=d["version"],
        ),
        _("Step recorded."),
    )


@require_POST
@login_required
def incident_systems(request, number):
    return _act(
        request,
        number,
        "systems",
        SystemsForm(request.POST),
        lambda d: services.incident_systems(
            by=request.user, number=number, systems=[s.code for s in d["systems"]], version=d["version"]
        ),
        _("Affected systems saved."),
    )


@require_POST
@login_required
def incident_note(request, number):
    return _act(
        request,
        number,
        "note",
        NoteForm(request.POST),
        lambda d: services.incident_note(by=request.user, number=number, text=d["text"]),
        _("Note added."),
    )


@security_page(VIEW)
def incident_report(request, number, fmt):
    """The incident's report as a workbook or a PDF."""
    incident = or_404(selectors.incident_get, user=request.user, number=number)
    if fmt == "xlsx":
        body, kind = (
            report.workbook(incident),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif fmt == "pdf":
        body, kind = report.document(incident), "application/pdf"
    else:
        raise Http404(_("The report is made as xlsx or pdf."))
    response = HttpResponse(body, content_type=kind)
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{incident.number}-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
