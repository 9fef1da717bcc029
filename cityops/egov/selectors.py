"""Reads of the item catalogue. Staff reads take the acting user (``egov.view``; a department-bound
user sees their departments' items; a hidden item is a 404). The public reads — the kiosk and the
anonymous API — see published guides only and no drafts."""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from cityops.core.errors import NotFound
from cityops.egov import search
from cityops.egov.models import ItemVersion, ServiceItem
from cityops.org.models import Department

CHANNELS = ("online", "window", "kiosk")


@dataclass
class ItemFilter:
    q: str = ""  # the resident's words (published guides), or part of a code or name
    department: str = ""  # a department code
    item_type: str = ""
    channel: str = ""  # one of CHANNELS
    state: str = ""  # "draft": items with a draft waiting; "unpublished": never published


def _head(lookup: str, value) -> Q:
    """Items whose newest guide (the draft, else the published one) has ``lookup`` = ``value``."""
    return Q(draft__isnull=False, **{f"draft__{lookup}": value}) | Q(
        draft__isnull=True, **{f"published__{lookup}": value}
    )


def _ordered(qs: QuerySet, ids: list[int]) -> QuerySet:
    if not ids:
        return qs.none()
    return qs.filter(pk__in=ids).order_by(
        Case(*[When(pk=pk, then=Value(n)) for n, pk in enumerate(ids)], output_field=IntegerField())
    )


def item_list(*, user, filters: ItemFilter | None = None) -> QuerySet:
    """Items ``user`` may view, narrowed by ``filters``; a search ranks the best answers first."""
    f = filters or ItemFilter()
    qs = ServiceItem.objects.restrict(user, "egov.view").select_related("department", "published", "draft")
    if f.department:
        qs = qs.filter(department__code=f.department)
    if f.item_type:
        qs = qs.filter(_head("item_type", f.item_type))
    if f.channel in CHANNELS:
        qs = qs.filter(_head(f.channel, True))
    if f.state == "draft":
        qs = qs.filter(draft__isnull=False)
    elif f.state == "unpublished":
        qs = qs.filter(published__isnull=True)
    q = f.q.strip()
    if not q:
        return qs.order_by("code")
    ids = search.search(q, limit=200)
    if ids:
        return _ordered(qs, ids)
    # drafts are not in the public index: a code or a name being written is still found
    return qs.filter(Q(code__icontains=q) | _head("name__icontains", q)).order_by("code")


def item_get(*, user, code: str) -> ServiceItem:
    item = (
        ServiceItem.objects.restrict(user, "egov.view")
        .select_related("department", "published", "draft")
        .filter(code=code)
        .first()
    )
    if item is None:
        raise NotFound(_("No service item %(code)s.") % {"code": code})
    return item


def item_versions(item: ServiceItem) -> QuerySet:
    return ItemVersion.objects.filter(item=item).order_by("-number")


def version_parts(version: ItemVersion) -> dict:
    """A guide's situations and its materials: those asked always, and those of each situation."""
    situations = list(version.situations.all())
    materials = list(version.materials.select_related("resource"))
    return {
        "situations": [(s, [m for m in materials if m.situation_id == s.pk]) for s in situations],
        "common": [m for m in materials if m.situation_id is None],
        "materials": materials,
    }


def public_items() -> QuerySet:
    """Items with a published guide, as the public reads them."""
    return ServiceItem.objects.filter(published__isnull=False).select_related("department", "published")


def public_search(q: str, *, limit: int = 50) -> list[ServiceItem]:
    """The published items that answer the resident's words, best first."""
    ids = search.search(q, limit=limit)
    rank = {pk: n for n, pk in enumerate(ids)}
    return sorted(public_items().filter(pk__in=ids), key=lambda item: rank[item.pk])


def public_get(code: str) -> ServiceItem:
    item = public_items().filter(code=code).first()
    if item is None:
        raise NotFound(_("No service item %(code)s.") % {"code": code})
    return item


def service_departments() -> list[tuple[Department, int]]:
    """Departments with published items, and how many each has."""
    from django.db.models import Count

    rows = (
        Department.objects.filter(service_items__published__isnull=False)
        .annotate(n=Count("service_items"))
        .order_by("code")
    )
    return [(d, d.n) for d in rows]
