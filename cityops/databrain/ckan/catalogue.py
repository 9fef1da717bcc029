"""The catalogue in CKAN's shapes: a resource (信息资源) is a CKAN package (dataset) with one CKAN
resource, its record table; its provider department is the organization; the top level of its
classification (类) is its group; the names of the levels below it and its update cycle are its tags.
Ids are stable UUID-shaped strings made from the row's number, so ``id`` and ``name`` both find it."""

import re
from datetime import UTC

from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from cityops.databrain.choices import ShareType, UpdateCycle
from cityops.databrain.ckan.errors import NotFoundError
from cityops.databrain.models import Category, Resource
from cityops.org.models import Department

KINDS = {"package": "8", "resource": "9", "organization": "a", "group": "b"}
ID = re.compile(r"^d47a0000-0000-4000-([89ab])000-([0-9a-f]{12})$")


def make_id(kind: str, pk: int) -> str:
    return f"d47a0000-0000-4000-{KINDS[kind]}000-{pk:012x}"


def parse_id(kind: str, ident: str) -> int | None:
    m = ID.match(ident.lower())
    return int(m.group(2), 16) if m and m.group(1) == KINDS[kind] else None


def stamp(dt) -> str | None:
    """A time as CKAN writes it: ISO 8601 in UTC without an offset."""
    return dt.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") if dt else None


class Catalogue:
    """Dictization of resources for one caller and one request (categories and tables read once)."""

    def __init__(self, caller, request):
        self.caller = caller
        self.request = request
        self.categories = {c.pk: c for c in Category.objects.all()}
        self._tables = None

    @property
    def tables(self) -> set[str]:
        """The record tables that exist (read once, and only by the actions that show them)."""
        if self._tables is None:
            self._tables = set(connection.introspection.table_names())
        return self._tables

    # ---- lookups ---------------------------------------------------------------------------------

    def resources(self, *, withdrawn: bool = False):
        return (
            self.caller.resources(withdrawn=withdrawn)
            .select_related("category", "provider")
            .prefetch_related("related", "fields")
            .order_by("code")
        )

    def package(self, ident: str) -> Resource:
        pk = parse_id("package", ident)
        return self._find(ident, pk, _("Dataset “%(id)s” was not found") % {"id": ident})

    def resource(self, ident: str) -> Resource:
        pk = parse_id("resource", ident)
        return self._find(ident, pk, _("Resource “%(id)s” was not found") % {"id": ident})

    def _find(self, ident: str, pk: int | None, message: str) -> Resource:
        qs = self.resources(withdrawn=True)
        found = qs.filter(pk=pk).first() if pk is not None else qs.filter(code__iexact=ident).first()
        if found is None:
            raise NotFoundError(message)
        return found

    def top(self, category: Category) -> Category:
        while category.parent_id is not None:
            category = self.categories[category.parent_id]
        return category

    def organization(self, ident: str) -> Department:
        pk = parse_id("organization", ident)
        qs = Department.objects.filter(pk__in=self.caller.resources().values("provider_id"))
        found = qs.filter(pk=pk).first() if pk is not None else qs.filter(code__iexact=ident).first()
        if found is None:
            raise NotFoundError(_("Organization “%(id)s” was not found") % {"id": ident})
        return found

    # ---- shapes ----------------------------------------------------------------------------------

    def org_dict(self, dept: Department, package_count: int | None = None) -> dict:
        return _group_shape(
            make_id("organization", dept.pk),
            dept.code.lower(),
            dept.name,
            dept.short_name,
            organization=True,
            created=dept.created_at,
            package_count=package_count,
        )

    def group_dict(self, cat: Category, package_count: int | None = None) -> dict:
        return _group_shape(
            make_id("group", cat.pk),
            cat.code,
            cat.name,
            "",
            organization=False,
            created=cat.created_at,
            package_count=package_count,
        )

    def tags(self, r: Resource) -> list[str]:
        names, cat = [], r.category
        while cat.parent_id is not None:
            names.append(cat.name)
            cat = self.categories[cat.parent_id]
        with translation.override("zh-hans"):  # data, not interface: the same for every caller
            names.append(str(UpdateCycle(r.update_cycle).label))
        return sorted(set(names))

    def resource_dict(self, r: Resource) -> dict:
        url = self.request.build_absolute_uri(reverse("ckan:action3", args=["datastore_search"]))
        return {
            "id": make_id("resource", r.pk),
            "package_id": make_id("package", r.pk),
            "name": r.name,
            "description": r.abstract,
            "format": "JSON",
            "mimetype": "application/json",
            "url": f"{url}?resource_id={make_id('resource', r.pk)}",
            "url_type": "datastore",
            "datastore_active": r.table_name in self.tables,
            "position": 0,
            "state": "deleted" if r.withdrawn_at else "active",
            "size": None,
            "hash": "",
            "created": stamp(r.created_at),
            "last_modified": stamp(r.loaded_at),
            "metadata_modified": stamp(r.updated_at),
        }

    def extras(self, r: Resource) -> list[dict]:
        values = {
            "code": r.code,
            "classification": r.category.code,
            "classification_name": r.category.name,
            "provider_code": r.provider.code,
            "resource_format": r.format,
            "share_type": r.share_type,
            "share_condition": r.share_condition,
            "share_method": r.share_method,
            "open_type": r.open_type,
            "open_condition": r.open_condition,
            "update_cycle": r.update_cycle,
            "published_on": r.published_on.isoformat() if r.published_on else "",
            "related_resources": ",".join(x.code for x in r.related.all()),
            "key_fields": ",".join(r.key_fields),
            "record_count": str(r.record_count),
            "flagged_count": str(r.flagged_count),
        }
        return [{"key": k, "value": v} for k, v in values.items()]

    def package_dict(self, r: Resource) -> dict:
        tags = self.tags(r)
        return {
            "id": make_id("package", r.pk),
            "name": r.code.lower(),
            "title": r.name,
            "notes": r.abstract,
            "type": "dataset",
            "state": "deleted" if r.withdrawn_at else "active",
            "private": r.share_type != ShareType.UNCONDITIONAL,
            "version": str(r.version),
            "url": "",
            "author": r.provider.name,
            "author_email": None,
            "maintainer": r.provider.name,
            "maintainer_email": None,
            "license_id": None,
            "license_title": None,
            "metadata_created": stamp(r.created_at),
            "metadata_modified": stamp(r.updated_at),
            "owner_org": make_id("organization", r.provider_id),
            "organization": self.org_dict(r.provider),
            "groups": [self.group_dict(self.top(r.category))],
            "tags": [{"name": t, "display_name": t, "state": "active", "vocabulary_id": None} for t in tags],
            "num_tags": len(tags),
            "resources": [self.resource_dict(r)],
            "num_resources": 1,
            "extras": self.extras(r),
        }


def _group_shape(ident, name, title, description, *, organization, created, package_count) -> dict:
    """An organization or a group as CKAN shows them (the two share one shape)."""
    out = {
        "id": ident,
        "name": name,
        "title": title,
        "display_name": title,
        "description": description,
        "type": "organization" if organization else "group",
        "is_organization": organization,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "created": stamp(created),
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out
