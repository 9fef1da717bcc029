"""The applicant rates the service, with no sign-in: on the public page (/services/rate/, the online
channel) and at the self-service kiosk (/kiosk/rate/, large type, a number pad).

Three steps, all posted so that nothing typed enters an address or the browser's history: the tracking
number and mobile number (the progress lookup's rules, ``ratings.public``), the five levels — with what
went wrong for a bad one — carried by a signed token instead of the phone number, and the answer.
Pages are ``no-store``; the kiosk's idle reset empties them.
"""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from cityops.core.errors import DomainError
from cityops.core.middleware import client_ip
from cityops.egov.choices import RatingProblem, RatingSource
from cityops.egov.ratings import public
from cityops.egov.ratings.forms import LookupForm, RateForm, level_options

PAGES = {
    RatingSource.ONLINE: "egov/ratings/rate.html",
    RatingSource.KIOSK: "egov/ratings/kiosk_rate.html",
}


def _page(request, source: str, context: dict, status: int = 200):
    context = {
        "levels": level_options(),
        "problems": RatingProblem.choices,
        "idle_seconds": settings.CITYOPS_KIOSK_IDLE_SECONDS,
        **context,
    }
    response = render(request, PAGES[source], context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _lookup(request, source: str):
    form = LookupForm(request.POST)
    if not form.is_valid():
        return _page(request, source, {"lookup": form}, 422)
    try:
        app, rating = public.lookup(
            form.cleaned_data["number"], form.cleaned_data["phone"], client_ip(request)
        )
    except DomainError as exc:
        return _page(request, source, {"lookup": LookupForm(), "error": exc.detail}, exc.status)
    found = public.view(app, rating)
    context = {"found": found}
    if found["can_rate"]:
        context["rate"] = RateForm(initial={"token": public.token(rating)})
    return _page(request, source, context)


def _rate(request, source: str):
    form = RateForm(request.POST)
    try:
        rating = public.from_token(request.POST.get("token", ""))
    except DomainError as exc:
        return _page(request, source, {"lookup": LookupForm(), "error": exc.detail}, exc.status)
    app = rating.application
    if form.is_valid():
        try:
            rating = public.rate(rating, form.rating(), source)
        except DomainError as exc:
            for e in exc.errors:
                if e["field"] in form.fields:
                    form.add_error(e["field"], e["message"])
            if not exc.errors:
                form.add_error(None, exc.detail)
        else:
            return _page(request, source, {"found": public.view(app, rating), "thanks": True})
    found = public.view(app, rating)
    return _page(request, source, {"found": found, "rate": form}, 422)


@require_http_methods(["GET", "POST"])
def _flow(request, source: str):
    if request.method == "GET":
        return _page(request, source, {"lookup": LookupForm()})
    if "token" in request.POST:
        return _rate(request, source)
    return _lookup(request, source)


def online(request):
    """The public page: rate an application online."""
    return _flow(request, RatingSource.ONLINE)


def kiosk(request):
    """The kiosk's page: rate an application at the self-service kiosk."""
    return _flow(request, RatingSource.KIOSK)
