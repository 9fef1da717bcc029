"""The access review pages: the reviews, one review's items by kind with their decisions, and the
auditor's signature. Every change goes through ``accounts.reviews.services``."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.accounts.choices import DECISIONS, Decision, ItemKind, ReviewKind
from cityops.accounts.reviews import selectors, services
from cityops.core.errors import DomainError, NotFound
from cityops.core.pages import is_htmx, requires


def _review_or_404(request, pk: int):
    try:
        return selectors.review_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.detail) from None


@requires("accounts.review")
def reviews(request):
    return render(
        request, "accounts/reviews/list.html", {"reviews": selectors.review_list(user=request.user)}
    )


@require_POST
@requires("accounts.review")
def review_open(request):
    try:
        review = services.review_open(kind=ReviewKind.ON_DEMAND, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("accounts:reviews")
    messages.success(request, _("The access review %(period)s is open.") % {"period": review.period})
    return redirect("accounts:review", pk=review.pk)


def _item_row(item, error: str = "") -> dict:
    facts = item.facts or {}
    return {
        "item": item,
        "role": selectors.role_label(facts.get("role")),
        "holds": selectors.holdings(facts.get("holds") or []),
        "choices": [(d.value, d.label) for d in DECISIONS[ItemKind(item.kind)]],
        "error": error,
    }


@requires("accounts.review")
def review(request, pk: int):
    review = _review_or_404(request, pk)
    sections = selectors.review_sections(review)
    for section in sections:
        section["rows"] = [_item_row(i) for i in section["items"]]
    pending = sum(s["pending"] for s in sections)
    context = {"review": review, "sections": sections, "pending": pending, "Decision": Decision}
    return render(request, "accounts/reviews/detail.html", context)


@require_POST
@requires("accounts.review")
def item_decide(request, pk: int, item_pk: int):
    review = _review_or_404(request, pk)
    try:
        item = selectors.item_get(user=request.user, review=review, pk=item_pk)
    except NotFound as exc:
        raise Http404(exc.detail) from None
    error = ""
    try:
        item = services.item_decide(
            item=item,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
            by=request.user,
        )
    except DomainError as exc:
        error = exc.detail
    if is_htmx(request):
        response = render(
            request, "accounts/reviews/partials/item.html", {"row": _item_row(item, error), "review": review}
        )
        if not error:
            response["HX-Trigger"] = "review-changed"
        return response
    if error:
        messages.error(request, error)
    return redirect("accounts:review", pk=review.pk)


@require_POST
@requires("accounts.review")
def review_sign(request, pk: int):
    review = _review_or_404(request, pk)
    try:
        services.review_sign(review=review, by=request.user, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The access review %(period)s is signed.") % {"period": review.period})
    return redirect("accounts:review", pk=review.pk)
