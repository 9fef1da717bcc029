"""Reads of the access reviews, for those who work on them (``accounts.review``)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cityops.accounts.choices import Decision, ItemKind
from cityops.accounts.models import AccessReview, ReviewItem
from cityops.accounts.roles import Role
from cityops.core.errors import NotFound
from cityops.org.models import Department


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


def role_label(code: str | None) -> str:
    """A role's name in the reader's language; an unknown code (a role since renamed) as it is."""
    return str(Role(code).label) if code in Role.values else (code or "")


def holdings(codes: list[str]) -> list[str]:
    """What a leaver still holds, as the review recorded it (``role:…``, ``staff``,
    ``departments:…``, ``tokens:N``), in words: roles and departments by name."""
    out = []
    for code in codes:
        kind, _sep, value = code.partition(":")
        if kind == "role":
            out.append(_("role %(role)s") % {"role": role_label(value)})
        elif kind == "staff":
            out.append(_("access to the administration site"))
        elif kind == "departments":
            wanted = value.split(",")
            names = dict(Department.objects.filter(code__in=wanted).values_list("code", "name"))
            out.append(_("departments %(names)s") % {"names": "、".join(names.get(c, c) for c in wanted)})
        elif kind == "tokens" and value.isdigit():
            n = int(value)
            out.append(ngettext("%(n)d live API token", "%(n)d live API tokens", n) % {"n": n})
        else:
            out.append(code)
    return out
