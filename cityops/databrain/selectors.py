"""Reads of the catalogue, each taking the acting user (``databrain.view``; a hidden resource is a
404 as everywhere)."""

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Value, When
from django.utils.translation import gettext as _

from cityops.core.errors import NotFound
from cityops.databrain import search
from cityops.databrain.models import Category, Load, Resource, ResourceVersion, SearchToken
from cityops.org.models import Department


@dataclass
class ResourceFilter:
    q: str = ""  # Chinese search through the token index
    category: str = ""  # a category code: the resources under it at any depth
    provider: str = ""  # a department code
    share_type: str = ""
    state: str = ""  # "" the listed resources, "withdrawn" the withdrawn ones, "all" both


def resource_list(*, user, filters: ResourceFilter | None = None):
    """Resources in the catalogue that ``user`` may view, narrowed by ``filters``; a search ranks
    the best matches first."""
    f = filters or ResourceFilter()
    qs = Resource.objects.restrict(user, "databrain.view").select_related("category", "provider")
    if f.state == "withdrawn":
        qs = qs.filter(withdrawn_at__isnull=False)
    elif f.state != "all":
        qs = qs.filter(withdrawn_at__isnull=True)
    if f.category:
        qs = qs.filter(category__code__startswith=f.category)
    if f.provider:
        qs = qs.filter(provider__code=f.provider)
    if f.share_type:
        qs = qs.filter(share_type=f.share_type)
    ranked = search.rank(SearchToken.objects.all(), f.q)
    if ranked is None:
        return qs.order_by("code")
    order = list(ranked.values_list("resource_id", flat=True)[:500])
    if not order:
        return qs.none()
    return qs.filter(pk__in=order).order_by(
        Case(*[When(pk=pk, then=Value(n)) for n, pk in enumerate(order)], output_field=IntegerField())
    )


def resource_get(*, user, code: str) -> Resource:
    res = (
        Resource.objects.restrict(user, "databrain.view")
        .select_related("category", "category__parent", "provider")
        .prefetch_related("fields", "related")
        .filter(code=code)
        .first()
    )
    if res is None:
        raise NotFound(_("No resource %(code)s.") % {"code": code})
    return res


def category_tree(*, user) -> list[dict]:
    """The classification as nested nodes, each with the number of listed resources under it."""
    counts = dict(
        Resource.objects.restrict(user, "databrain.view")
        .filter(withdrawn_at__isnull=True)
        .values_list("category__code")
        .annotate(n=Count("id"))
    )
    nodes = {
        c.pk: {"category": c, "children": [], "count": 0}
        for c in Category.objects.restrict(user, "databrain.view")
    }
    roots = []
    for node in nodes.values():
        c = node["category"]
        (nodes[c.parent_id]["children"] if c.parent_id in nodes else roots).append(node)

    def total(node):
        node["count"] = counts.get(node["category"].code, 0) + sum(total(ch) for ch in node["children"])
        return node["count"]

    for root in roots:
        total(root)
    return roots


def provider_counts(*, user) -> list[tuple[Department, int]]:
    """Departments that provide listed resources, with how many each provides."""
    counts = dict(
        Resource.objects.restrict(user, "databrain.view")
        .filter(withdrawn_at__isnull=True)
        .values_list("provider_id")
        .annotate(n=Count("id"))
    )
    return [(d, counts[d.pk]) for d in Department.objects.filter(pk__in=counts).order_by("code")]


def resource_versions(resource: Resource):
    return ResourceVersion.objects.filter(resource=resource).order_by("-number")


def load_list(resource: Resource):
    return Load.objects.filter(resource=resource).defer("data").order_by("-created_at", "-id")
