"""Reads of the access reviews, for those who work on them (``accounts.review``)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q

from cityops.accounts.choices import Decision, ItemKind
from cityops.accounts.models import AccessReview, ReviewItem
from cityops.core.errors import NotFound


def _may(user) -> None:
    if not (user.is_authenticated and user.can("accounts.review")):
        raise PermissionDenied("Your role may not read the access reviews.")


def review_list(*, user):
    """Every review, newest first, with its items counted (all, still to decide)."""
    _may(user)
    return AccessReview.objects.annotate(
        n_items=Count("items"), n_pending=Count("items", filter=Q(items__decision=Decision.PENDING))
    ).order_by("-opened_at", "-id")


def review_get(*, user, pk: int) -> AccessReview:
    _may(user)
    review = AccessReview.objects.filter(pk=pk).first()
    if review is None:
        raise NotFound(f"There is no access review {pk}.")
    return review


def review_sections(review: AccessReview) -> list[dict]:
    """The review's items by kind, in the order the page shows them, each kind with its counts."""
    items = list(review.items.order_by("kind", "decision", "subject"))
    sections = []
    for kind in ItemKind:
        of_kind = [i for i in items if i.kind == kind]
        sections.append(
            {
                "kind": kind,
                "items": of_kind,
                "pending": sum(1 for i in of_kind if i.decision == Decision.PENDING),
            }
        )
    return sections


def item_get(*, user, review: AccessReview, pk: int) -> ReviewItem:
    _may(user)
    item = ReviewItem.objects.select_related("review").filter(pk=pk, review=review).first()
    if item is None:
        raise NotFound(f"There is no item {pk} in this review.")
    return item
