"""The residents' pages under /apply/: their applications and drafts (signed in), an online application
saved and resumed, and the public tracking lookup (no sign-in)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.core.errors import DomainError, NotFound
from cityops.core.middleware import client_ip
from cityops.core.pages import pager, querystring
from cityops.egov import selectors as catalogue
from cityops.egov.applications import intake, public, selectors
from cityops.egov.applications.services import application_act
from cityops.egov.choices import OPEN_STATUSES, Channel, Status
from cityops.egov.forms.applications import ApplicantForm
from cityops.egov.views.common import guide_context, present_application

PAGE_SIZE = 20


def _resident(request) -> None:
    if not request.user.can("egov.apply"):
        raise PermissionDenied("Online applications are made by residents signed in as themselves.")


@login_required
def mine(request):
    """The resident's drafts and applications, the latest first."""
    _resident(request)
    page = Paginator(selectors.own_applications(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    for app in page.object_list:
        present_application(app, now)
    context = pager(page, lambda **c: querystring(request.GET, **c))
    q = request.GET.get("q", "").strip()[:50]
    found = [i for i in catalogue.public_search(q, limit=20) if i.published.online] if q else []
    context.update(q=q, found=found)
    return render(request, "egov/apply/mine.html", context)


@login_required
def start(request, code: str):
    """A new online application for a published item handled online."""
    _resident(request)
    try:
        item = catalogue.public_get(code)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    if not item.published.online:
        raise Http404("not handled online")
    initial = {"name": request.user.display_name, "phone": request.user.phone}
    return _form(request, item, None, initial)


@login_required
def application(request, pk: int):
    """A draft to resume, or a submitted application with its steps."""
    _resident(request)
    try:
        app = selectors.own_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    if app.status == Status.DRAFT:
        if request.method == "POST" and request.POST.get("discard"):
            intake.draft_discard(application=app, by=request.user)
            messages.success(request, _("The draft is thrown away."))
            return redirect("apply:mine")
        return _form(request, app.item, app, ApplicantForm.initial_of(app))
    now = timezone.now()
    present_application(app, now)
    context = {
        "app": app,
        "view": public.public_view(app, now),
        "materials": selectors.materials(app),
        "may_withdraw": app.status in OPEN_STATUSES,
    }
    return render(request, "egov/apply/application.html", context)


def _form(request, item, app, initial):
    version = item.published
    form = ApplicantForm(request.POST or None, version=version, initial=initial)
    errors, detail = [], ""
    if request.method == "POST" and form.is_valid():
        data = form.draft_in(item.code)
        try:
            saved = intake.draft_save(data=data, channel=Channel.ONLINE, by=request.user, application=app)
            if request.POST.get("save"):
                messages.success(request, _("The draft is saved; come back to it any time."))
                return redirect("apply:application", pk=saved.pk)
            made, _created = intake.submit(application=saved, by=request.user)
        except DomainError as exc:
            if exc.status == 404:
                raise Http404(exc.detail) from None
            detail, errors = exc.detail, form.add_service_errors(exc.errors)
        else:
            messages.success(
                request, _("Application %(number)s is submitted. Keep the number.") % {"number": made.number}
            )
            return redirect("apply:application", pk=made.pk)
    context = {"item": item, "form": form, "errors": errors, "detail": detail, "draft": app}
    context.update(guide_context(version))
    return render(request, "egov/apply/form.html", context)


@require_POST
@login_required
def withdraw(request, pk: int):
    _resident(request)
    try:
        app = selectors.own_get(user=request.user, pk=pk)
        application_act(application=app, action="withdraw", by=request.user)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The application is withdrawn."))
    return redirect("apply:application", pk=pk)


def track(request):
    """Where an application stands, by its tracking number and the applicant's mobile number."""
    context, status = lookup(request)
    return render(request, "egov/apply/track.html", context, status=status)


def lookup(request) -> tuple[dict, int]:
    """The lookup shared by the public page and the kiosk: a POST, rate limited by the client's
    address; a wrong phone and an unknown number get the same answer."""
    context = {"found": None, "message": "", "limit": public.lookups_per_hour()}
    if request.method != "POST":
        return context, 200
    number = request.POST.get("number", "").strip()[:40]
    phone = request.POST.get("phone", "").strip()[:40]
    if not number or not phone:
        context["message"] = _("Give the tracking number and the mobile number given with the application.")
        return context, 422
    result = public.track(number=number, phone=phone, client=client_ip(request))
    if result.refused:
        context["message"] = _("Too many look-ups from your network. Please try again in an hour.")
        return context, 429
    if result.view is None:
        context["message"] = _("No application matches this tracking number and mobile number.")
        return context, 404
    context["found"] = result.view
    return context, 200
