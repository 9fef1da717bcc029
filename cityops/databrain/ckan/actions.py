"""The actions of the CKAN subset, each ``action(ctx, params) -> result`` with CKAN's parameters and
result shape; ``ACTIONS`` maps their names. All are reads (CKAN's ``get`` actions)."""

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count
from django.utils.translation import gettext as _

from cityops.databrain import datastore
from cityops.databrain import records as records_mod
from cityops.databrain.choices import AccessChannel
from cityops.databrain.ckan import search
from cityops.databrain.ckan.catalogue import Catalogue, make_id
from cityops.databrain.ckan.errors import NotFoundError, invalid
from cityops.databrain.ckan.params import Params
from cityops.databrain.datastore import MAX_LIMIT
from cityops.databrain.models import Category
from cityops.databrain.sharing.keys import log_access
from cityops.org.models import Department

CKAN_VERSION = "2.10.0"  # the API level this subset answers as (its shapes and defaults)
ROWS_MAX = 1000
CKAN_TYPES = {"text": "text", "integer": "int", "number": "numeric", "date": "date"}


@dataclass
class Context:
    request: object
    caller: object
    catalogue: Catalogue


def _required(p: Params, *names: str) -> str:
    for name in names:
        if p.has(name):
            return p.text(name)
    raise invalid(names[0], _("Missing value"))


def _page(items: list, p: Params, default_limit: int | None = None) -> list:
    offset = p.integer("offset", 0)
    limit = p.integer("limit", default_limit if default_limit is not None else len(items))
    return items[offset : offset + limit]


def _sorted(items: list[dict], p: Params, default: str) -> list[dict]:
    parts = (p.text("sort") or default).split()
    key, direction = parts[0], (parts[1].lower() if len(parts) > 1 else "asc")
    if key not in ("name", "title", "package_count") or direction not in ("asc", "desc"):
        raise invalid("sort", _("sort by name, title or package_count, asc or desc"))
    return sorted(items, key=lambda d: (d.get(key, 0), d["name"]), reverse=direction == "desc")


def status_show(ctx: Context, p: Params):
    """The site's title, CKAN API level and extensions (``datastore``)."""
    return {
        "site_title": _("cityops data brain"),
        "site_description": _("The town's catalogue of government information resources and their records"),
        "site_url": ctx.request.build_absolute_uri("/").rstrip("/"),
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": "zh_Hans",
        "extensions": ["datastore"],
    }


def package_list(ctx: Context, p: Params):
    """Names of the datasets: the public ones, and the private ones you may see with include_private=true."""
    private = p.boolean("include_private", False)
    names = [r.code.lower() for r in ctx.catalogue.resources() if private or r.share_type == "unconditional"]
    return _page(names, p)


def package_show(ctx: Context, p: Params):
    """A dataset by ``id`` (its name, the resource code, or its id)."""
    return ctx.catalogue.package_dict(ctx.catalogue.package(_required(p, "id", "name_or_id")))


def package_search(ctx: Context, p: Params):
    """Datasets by ``q`` (Chinese search of the catalogue), ``fq`` (field:value terms), ``sort``,
    ``rows`` (default 10, at most 1000), ``start``, ``include_private``, ``include_deleted`` (withdrawn
    datasets too, for staff), and ``facet.field`` (a list:
    organization, groups, tags, res_format, private, share_type, open_type, update_cycle) with
    ``facet.limit`` (default 50)."""
    rows = p.integer("rows", 10, maximum=ROWS_MAX)
    start = p.integer("start", 0)
    sort = search.package_sort(p.text("sort") or "score desc, metadata_modified desc")
    terms, words = [], []
    for part in p.text("q").split():
        (terms if search.TERM.match(part) else words).append(part)
    terms = search.fq_terms(" ".join([*terms, p.text("fq")]))
    found = search.packages(
        ctx.catalogue.resources(withdrawn=p.boolean("include_deleted", False)),
        text=" ".join(w for w in words if w != "*:*"),
        terms=terms,
        include_private=p.boolean("include_private", False),
        sort=sort,
    )
    facet_fields = p.names("facet.field") or []
    facets, search_facets = search.facets(found, facet_fields, p.integer("facet.limit", 50), ctx.catalogue)
    return {
        "count": found.count(),
        "results": [ctx.catalogue.package_dict(r) for r in found[start : start + rows]],
        "sort": ", ".join(f"{f} {'desc' if d else 'asc'}" for f, d in sort),
        "facets": facets,
        "search_facets": search_facets,
    }


def resource_show(ctx: Context, p: Params):
    """A resource (a dataset's record table) by ``id`` (its id, or the dataset's name)."""
    return ctx.catalogue.resource_dict(ctx.catalogue.resource(_required(p, "id")))


def _org_counts(ctx: Context) -> dict[int, int]:
    return dict(ctx.caller.resources().values_list("provider_id").annotate(n=Count("id")).order_by())


def organization_list(ctx: Context, p: Params):
    """The provider departments of the datasets you may see: names, or dicts with all_fields=true."""
    counts = _org_counts(ctx)
    wanted = p.names("organizations")
    items = [
        ctx.catalogue.org_dict(d, counts[d.pk])
        for d in Department.objects.filter(pk__in=counts)
        if wanted is None or d.code.lower() in {w.lower() for w in wanted}
    ]
    items = _page(_sorted(items, p, "name asc"), p)
    return items if p.boolean("all_fields", False) else [d["name"] for d in items]


def organization_show(ctx: Context, p: Params):
    """A provider department by ``id`` (its name, the department code, or its id); its datasets with
    include_datasets=true."""
    dept = ctx.catalogue.organization(_required(p, "id"))
    mine = [r for r in ctx.catalogue.resources() if r.provider_id == dept.pk]
    out = ctx.catalogue.org_dict(dept, len(mine))
    out["packages"] = (
        [ctx.catalogue.package_dict(r) for r in mine] if p.boolean("include_datasets", False) else []
    )
    return out


def group_list(ctx: Context, p: Params):
    """The top level (类) of the classification: names, or dicts with all_fields=true."""
    counts: dict[int, int] = {}
    for r in ctx.caller.resources().select_related("category"):
        top = ctx.catalogue.top(r.category)
        counts[top.pk] = counts.get(top.pk, 0) + 1
    wanted = p.names("groups")
    items = [
        ctx.catalogue.group_dict(c, counts.get(c.pk, 0))
        for c in Category.objects.filter(parent__isnull=True)
        if wanted is None or c.code in wanted
    ]
    items = _page(_sorted(items, p, "name asc"), p)
    return items if p.boolean("all_fields", False) else [d["name"] for d in items]


def tag_list(ctx: Context, p: Params):
    """The tags of the datasets you may see (classification names, update cycles); ``query`` narrows."""
    if p.has("vocabulary_id"):
        return []
    query = p.text("query").lower()
    names = sorted(
        {t for r in ctx.catalogue.resources() for t in ctx.catalogue.tags(r) if query in t.lower()}
    )
    if p.boolean("all_fields", False):
        return [{"name": n, "display_name": n, "vocabulary_id": None} for n in names]
    return names


DATASTORE_PARAMS = {
    "resource_id",
    "id",
    "filters",
    "q",
    "full_text",
    "plain",
    "language",
    "distinct",
    "fields",
    "sort",
    "limit",
    "offset",
    "include_total",
    "total_estimation_threshold",
    "records_format",
    "callback",
    "_",
}


def _typed(field, value):
    if value in (None, ""):
        return None
    if field.type in ("integer", "number"):
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            return value  # a bad value is kept as it came
        return int(number) if field.type == "integer" and number.is_integer() else number
    return value


def datastore_search(ctx: Context, p: Params):
    """Records of a resource: ``filters`` {field: value or [values]}, ``q`` (words each of which some
    field begins with, or {field: text}), ``fields``, ``sort`` ("f asc, g desc"), ``limit`` (default
    100, at most 1000), ``offset``, ``include_total``. Personal fields masked unless you may see them."""
    unknown = sorted(k for k in p.data if k not in DATASTORE_PARAMS)
    if unknown:
        raise invalid(unknown[0], _("The input field %(name)s was not expected.") % {"name": unknown[0]})
    ident = _required(p, "resource_id", "id")
    resource = ctx.catalogue.resource(ident)
    if not datastore.table_exists(resource):
        raise NotFoundError(_("Resource “%(id)s” has no records in the datastore") % {"id": ident})
    if p.text("records_format", "objects") != "objects":
        raise invalid("records_format", _("only objects is supported"))
    if p.boolean("distinct", False):
        raise invalid("distinct", _("distinct is not supported"))
    fields = ctx.caller.fields(resource)
    unmasked = ctx.caller.unmasked(resource)
    masked = [f for f in fields if f.personal and f.name not in unmasked]
    chosen = p.names("fields")
    if chosen is not None:
        names = {f.name for f in fields} | {"_id"}
        missing = [n for n in chosen if n not in names]
        if missing:
            raise invalid("fields", search.not_in_table(missing[0]))
    limit = p.integer("limit", 100, maximum=MAX_LIMIT)
    offset = p.integer("offset", 0)
    q = p.data.get("q") if p.has("q") else p.data.get("full_text")
    rows, total = search.run(
        resource,
        fields,
        flt=search.filters(p.obj("filters"), fields),
        word_sets=search.words(q, fields, [f for f in fields if f not in masked]),
        sort=search.order(p.data.get("sort"), fields),
        offset=offset,
        limit=limit,
        with_total=p.boolean("include_total", True),
        stored_total=resource.record_count,
    )
    shown = ["_id", *(f.name for f in fields)] if chosen is None else chosen
    by_name = {f.name: f for f in fields}
    records = []
    for row in rows:
        for f in masked:
            if row.get(f.name):
                row[f.name] = records_mod.mask(f, row[f.name])
        records.append(
            {n: row[n] if n == "_id" or by_name[n] in masked else _typed(by_name[n], row[n]) for n in shown}
        )
    out_fields = [
        {"id": "_id", "type": "int"}
        if n == "_id"
        else {
            "id": n,
            "type": CKAN_TYPES[by_name[n].type],
            "info": {"label": by_name[n].title, "notes": by_name[n].description},
        }
        for n in shown
    ]
    result = {
        "resource_id": make_id("resource", resource.pk),
        "fields": out_fields,
        "records": records,
        "records_format": "objects",
        "limit": limit,
        "offset": offset,
        "include_total": total is not None,
        "_links": _links(ctx.request, p, offset, limit),
    }
    if total is not None:
        result.update(total=total, total_was_estimated=False)
    log_access(
        resource=resource,
        channel=AccessChannel.CKAN,
        fields=[n for n in shown if n != "_id"],
        rows=len(records),
        user=ctx.caller.user,
        key=ctx.caller.key,
    )
    for name in ("filters", "q", "sort"):
        if p.has(name):
            result[name] = p.data[name]
    return result


def _links(request, p: Params, offset: int, limit: int) -> dict:
    base = {
        k: (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
        for k, v in p.data.items()
        if k not in ("offset", "callback", "_")
    }
    start = f"{request.path}?{urlencode(base)}"
    return {"start": start, "next": f"{request.path}?{urlencode({**base, 'offset': offset + limit})}"}


def help_show(ctx: Context, p: Params):
    """What an action does and which parameters it takes."""
    name = _required(p, "name")
    if name not in ACTIONS:
        raise NotFoundError(_("Action “%(name)s” was not found") % {"name": name})
    return " ".join(ACTIONS[name].__doc__.split())


ACTIONS = {
    f.__name__: f
    for f in (
        status_show,
        package_list,
        package_show,
        package_search,
        resource_show,
        organization_list,
        organization_show,
        group_list,
        tag_list,
        datastore_search,
        help_show,
    )
}
