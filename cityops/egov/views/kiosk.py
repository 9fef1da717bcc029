"""The self-service kiosk's pages under /kiosk/: public, no sign-in, published guides only; applying
for an item handled at a kiosk, with a receipt to print; progress by tracking number and phone.

The search is posted, never put in the address, so nothing a resident typed stays in the browser's
history; the page script goes back to the start after ``CITYOPS_KIOSK_IDLE_SECONDS`` without a touch,
replacing the history entry and emptying every field.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from cityops.core.errors import DomainError, NotFound
from cityops.core.masking import mask_phone, mask_text
from cityops.core.pages import is_htmx
from cityops.egov import selectors
from cityops.egov.applications import intake
from cityops.egov.choices import Channel, Check
from cityops.egov.forms.applications import ApplicantForm
from cityops.egov.views.apply import lookup
from cityops.egov.views.common import guide_context, present

# What residents come for most, as buttons that fill the search.
TOPICS = [
    "生孩子",
    "开餐馆",
    "开店",
    "身份证",
    "社保",
    "医保",
    "公积金",
    "结婚",
    "低保",
    "居住证",
    "不动产",
    "残疾证",
]
MAX_QUERY = 50


def _kiosk(request, template: str, context: dict, status: int = 200):
    context.setdefault("idle_seconds", settings.CITYOPS_KIOSK_IDLE_SECONDS)
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"  # the back button never shows a page with a search in it
    return response


def start(request):
    """The start: a large search box, topics, departments, and the progress lookup."""
    return _kiosk(
        request, "egov/kiosk/start.html", {"topics": TOPICS, "departments": selectors.service_departments()}
    )


@require_http_methods(["POST"])
def results(request):
    """The items that answer what the resident typed, best first (htmx swaps them in)."""
    q = request.POST.get("q", "").strip()[:MAX_QUERY]
    items = selectors.public_search(q, limit=30) if q else []
    for item in items:
        present(item.published)
    context = {"q": q, "items": items, "topics": TOPICS}
    if is_htmx(request):
        return _kiosk(request, "egov/kiosk/partials/results.html", context)
    context["departments"] = selectors.service_departments()
    return _kiosk(request, "egov/kiosk/start.html", context)


def department(request, code: str):
    """A department's published items."""
    items = list(selectors.public_items().filter(department__code=code).order_by("code"))
    if not items:
        raise Http404("no such department")
    for item in items:
        present(item.published)
    return _kiosk(request, "egov/kiosk/department.html", {"department": items[0].department, "items": items})


def item(request, code: str):
    """An item's guide: what to bring in each situation, the time limit, fees, where; printable."""
    try:
        found = selectors.public_get(code)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    return _kiosk(request, "egov/kiosk/item.html", {"item": found, **guide_context(found.published)})


@require_http_methods(["GET", "POST"])
def apply(request, code: str):
    """Apply at the kiosk: the applicant's details and situation, then a receipt to print. The receipt
    is the answer to the post (no address holds the tracking number), and the idle reset replaces it."""
    try:
        found = selectors.public_get(code)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    if not found.published.kiosk:
        raise Http404("not handled at a kiosk")
    form = ApplicantForm(request.POST or None, version=found.published)
    errors, detail = [], ""
    if request.method == "POST" and form.is_valid():
        try:
            made, _created = intake.apply(
                data=form.draft_in(found.code),
                channel=Channel.KIOSK,
                by=None,
                submission_key=form.cleaned_data["submission_key"],
            )
        except DomainError as exc:
            detail, errors = exc.detail, form.add_service_errors(exc.errors)
        else:
            return _kiosk(request, "egov/kiosk/receipt.html", _receipt(made))
    context = {"item": found, "form": form, "errors": errors, "detail": detail}
    context.update(guide_context(found.published))
    return _kiosk(request, "egov/kiosk/apply.html", context)


def _receipt(app) -> dict:
    """What the printed receipt shows: the number, the item, when, what next; the applicant's name and
    phone masked (the slip may be left behind)."""
    return {
        "app": app,
        "guide": present(app.version),
        "masked_name": mask_text(app.applicant_name),
        "masked_phone": mask_phone(app.phone),
        "materials": [m for m in app.materials.order_by("position") if m.finding != Check.FETCHED],
        "fetched": [m for m in app.materials.order_by("position") if m.finding == Check.FETCHED],
    }


@require_http_methods(["GET", "POST"])
def track(request):
    """Progress by tracking number and mobile number, posted (nothing in the address)."""
    context, status = lookup(request)
    template = "egov/kiosk/partials/track_result.html" if is_htmx(request) else "egov/kiosk/track.html"
    return _kiosk(request, template, context, status)
