"""The register's pages: the list of information systems with filters and export, a system with its
contacts, assessments and incidents, and the forms that add, change and assess (``security.register``)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cityops.core.errors import DomainError
from cityops.core.export import Sheet, columns, download
from cityops.core.pages import pager, querystring
from cityops.security.choices import AssessmentResult, ContactRole, Exposure, ProtectionLevel, SystemStatus
from cityops.security.forms import AssessmentForm, SystemFilterForm, SystemForm
from cityops.security.incidents.selectors import incident_list
from cityops.security.register import selectors, services
from cityops.security.views.common import (
    PAGE_SIZE,
    REGISTER,
    VIEW,
    apply_errors,
    or_404,
    page_context,
    present_incident,
    present_system,
    security_page,
)


@security_page(VIEW)
def system_list(request):
    """The register with filters (level, exposure, personal data, due state, owner, status)."""
    form = SystemFilterForm(request.GET or None)
    qs = selectors.system_list(user=request.user, filters=form.system_filter())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = page_context(request)
    context.update(pager(page, lambda **changes: querystring(request.GET, **changes)))
    context.update(
        form=form,
        rows=[present_system(s) for s in page.object_list],
        counts=selectors.due_counts(user=request.user),
        export_qs=querystring(request.GET, page=""),
    )
    return render(request, "security/systems.html", context)


def _system_rows(qs):
    levels, exposures, statuses, results = (
        dict(ProtectionLevel.choices),
        dict(Exposure.choices),
        dict(SystemStatus.choices),
        dict(AssessmentResult.choices),
    )
    roles = dict(ContactRole.choices)
    for s in qs.prefetch_related("contacts").iterator(chunk_size=500):
        contacts = "; ".join(
            f"{roles.get(c.role, c.role)} {c.name} {c.phone}".strip() for c in s.contacts.all()
        )
        yield [
            s.code,
            s.name,
            s.owner.name,
            levels.get(s.level, s.level),
            s.filing_number,
            statuses.get(s.status, s.status),
            exposures.get(s.exposure, s.exposure),
            _("yes") if s.personal_data else _("no"),
            s.data_note,
            s.last_assessed_on,
            results.get(s.last_result, s.last_result),
            s.last_assessor,
            s.next_due_on,
            contacts,
        ]


@security_page(VIEW)
def system_export(request, fmt):
    """The register as filtered, as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        return redirect("security:systems")
    form = SystemFilterForm(request.GET or None)
    qs = selectors.system_list(user=request.user, filters=form.system_filter())
    header = [
        _("System code"),
        _("System name"),
        _("Owner department"),
        _("Protection level"),
        _("Filing number"),
        _("Status"),
        _("Exposure"),
        _("Holds personal data"),
        _("Data held"),
        _("Last assessed"),
        _("Last result"),
        _("Assessment body"),
        _("Next assessment due"),
        _("Contacts"),
    ]
    sheet = Sheet(_("Information systems"), columns(header), _system_rows(qs), frozen_columns=2)
    return download(name="security-systems", fmt=fmt, sheets=[sheet])


@security_page(VIEW)
def system_detail(request, code):
    system = present_system(or_404(selectors.system_get, user=request.user, code=code))
    contacts = list(system.contacts.all())
    roles = dict(ContactRole.choices)
    for c in contacts:
        c.role_label = roles.get(c.role, c.role)
    context = page_context(request)
    context.update(
        system=system,
        contacts=contacts,
        result_label=dict(AssessmentResult.choices).get(system.last_result, ""),
        result_colour=AssessmentResult(system.last_result).colour if system.last_result else "",
        incidents=[present_incident(i) for i in incident_list(user=request.user).filter(systems=system)[:50]],
        can_change=request.user.can(REGISTER),
        assessment_form=AssessmentForm(initial={"version": system.version}),
    )
    return render(request, "security/system.html", context)


@security_page(REGISTER)
def system_new(request):
    form = SystemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            system = services.system_create(by=request.user, data=form.system_in())
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("System %(code)s added to the register.") % {"code": system.code})
            return redirect("security:system", code=system.code)
    context = page_context(request)
    context.update(form=form, creating=True)
    return render(request, "security/system_form.html", context, status=422 if form.errors else 200)


@security_page(REGISTER)
def system_edit(request, code):
    system = or_404(selectors.system_get, user=request.user, code=code)
    form = SystemForm(request.POST or None, initial=SystemForm.initial_of(system), editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.system_update(
                by=request.user, code=code, data=form.system_in(code), version=form.cleaned_data["version"]
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("System %(code)s changed.") % {"code": code})
            return redirect("security:system", code=code)
    context = page_context(request)
    context.update(form=form, system=system, creating=False)
    return render(request, "security/system_form.html", context, status=422 if form.errors else 200)


@security_page(REGISTER)
def system_assessment(request, code):
    """Record an assessment (POST from the system's page)."""
    system = or_404(selectors.system_get, user=request.user, code=code)
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.assessment_record(
                by=request.user,
                code=code,
                assessed_on=d["assessed_on"],
                result=d["result"],
                assessor=d["assessor"],
                next_due_on=d["next_due_on"],
                version=d["version"],
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Assessment recorded."))
            return redirect("security:system", code=code)
    context = page_context(request)
    context.update(system=present_system(system), form=form)
    return render(request, "security/assessment_form.html", context, status=422 if form.errors else 200)
