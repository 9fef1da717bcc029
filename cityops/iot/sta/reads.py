"""Reading entities and collections into SensorThings JSON, with $expand one query per level."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber

from cityops.iot.models import Datastream
from cityops.iot.sta import observations
from cityops.iot.sta.access import base_queryset, visible_datastreams
from cityops.iot.sta.entities import TYPES, EntityType
from cityops.iot.sta.filter import Path
from cityops.iot.sta.limits import Budget
from cityops.iot.sta.literals import INT64_MAX
from cityops.iot.sta.query import Options
from cityops.iot.sta.sqlfilter import SqlFilter, compile_filter


@dataclass
class Ctx:
    """The request as the serializers need it: the service root URL and the acting user."""

    root: str  # absolute, ends with '/'
    host: str  # scheme://host
    user: object
    budget: Budget = field(default_factory=Budget)  # entities the response may still hold

    def self_link(self, etype: EntityType, obj) -> str:
        return f"{self.root}{etype.plural}({obj.pk})"


def entity_json(ctx: Ctx, etype: EntityType, obj, opts: Options) -> dict:
    """One entity: annotations, properties ($select), navigation links (expanded ones filled later)."""
    select = opts.select
    link = ctx.self_link(etype, obj)
    out: dict = {}
    if select is None or "id" in select:
        out["@iot.id"] = obj.pk
        out["@iot.selfLink"] = link
    for name, prop in etype.props.items():
        if name == "id" or (select is not None and name not in select):
            continue
        value = prop.dump(prop.get(obj))
        out[name] = ctx.host + value if prop.absolute and value else value
    for name in etype.navs:
        if name not in opts.expand and (select is None or name in select):
            out[f"{name}@iot.navigationLink"] = f"{link}/{name}"
    return out


def order_exprs(etype: EntityType, opts: Options) -> list:
    compiler = SqlFilter(etype)
    exprs = []
    for path, desc in opts.order:
        expr = compiler.value(Path(path))
        exprs.append(expr.desc() if desc else expr.asc())
    return [*exprs, F("pk").asc()]  # a stable order for paging


def filtered(etype: EntityType, qs, opts: Options):
    if opts.filter is None:
        return qs
    q, many = compile_filter(etype, opts.filter)
    if many:  # a to-many path repeats rows: keep each once without DISTINCT over every column
        return qs.filter(pk__in=qs.filter(q).values("pk"))
    return qs.filter(q)


def next_link(url: str, params: dict, **changes) -> str:
    merged = {k: v for k, v in params.items() if k.lower() not in ("$skip", "$skiptoken")}
    merged.update({k: str(v) for k, v in changes.items()})
    query = urlencode(merged, safe="$/(),'")
    return f"{url}?{query}"


def collection(ctx: Ctx, etype: EntityType, qs, opts: Options, url: str, params: dict) -> dict:
    """A page of a (non-Observation) collection, with @iot.count and @iot.nextLink as asked."""
    qs = filtered(etype, qs, opts)
    out: dict = {}
    if opts.count:
        out["@iot.count"] = qs.count()
    limit = opts.limit
    rows = list(qs.order_by(*order_exprs(etype, opts))[opts.skip : opts.skip + limit + 1])
    if len(rows) > limit:
        rows = rows[:limit]
        out["@iot.nextLink"] = next_link(url, params, **{"$top": limit, "$skip": opts.skip + limit})
    ctx.budget.take(len(rows))
    out["value"] = [entity_json(ctx, etype, r, opts) for r in rows]
    expand(ctx, etype, rows, out["value"], opts)
    return out


def obs_query(ds_ids, opts: Options) -> observations.ObsQuery:
    return observations.ObsQuery(
        ds_ids, opts.filter, opts.order, opts.skip, opts.limit, opts.skiptoken, opts.count
    )


def observation_collection(ctx: Ctx, ds_ids, opts: Options, url: str, params: dict) -> dict:
    """A page of Observations from both storage tiers."""
    page = observations.select(obs_query(ds_ids, opts))
    etype = TYPES["Observation"]
    out: dict = {}
    if page.count is not None:
        out["@iot.count"] = page.count
    if page.more:
        if page.keyset:
            change = {"$top": opts.limit, "$skiptoken": page.rows[-1].id}
        else:
            change = {"$top": opts.limit, "$skip": opts.skip + opts.limit}
        out["@iot.nextLink"] = next_link(url, params, **change)
    ctx.budget.take(len(page.rows))
    if opts.result_format == "dataArray":
        out["value"] = data_array(ctx, page.rows, opts)
        return out
    out["value"] = [entity_json(ctx, etype, r, opts) for r in page.rows]
    expand(ctx, etype, page.rows, out["value"], opts)
    return out


COMPONENTS = {
    "id": lambda r: r.id,
    "phenomenonTime": lambda r: TYPES["Observation"].props["phenomenonTime"].dump(r.time),
    "resultTime": lambda r: TYPES["Observation"].props["resultTime"].dump(r.time),
    "result": lambda r: r.value,
}


def data_array(ctx: Ctx, rows, opts: Options) -> list[dict]:
    """The dataArray extension: one block per Datastream, rows in the requested order."""
    components = [
        c for c in (opts.select or ["id", "phenomenonTime", "resultTime", "result"]) if c in COMPONENTS
    ]
    groups: dict[int, list] = {}
    for row in rows:
        groups.setdefault(row.datastream_id, []).append([COMPONENTS[c](row) for c in components])
    return [
        {
            "Datastream@iot.navigationLink": f"{ctx.root}Datastreams({ds_id})",
            "components": components,
            "dataArray@iot.count": len(data),
            "dataArray": data,
        }
        for ds_id, data in groups.items()
    ]


def expand(ctx: Ctx, etype: EntityType, objs: list, dicts: list[dict], opts: Options) -> None:
    """Fill each expanded navigation property of ``objs`` (their JSON in ``dicts``), level by level."""
    for name, child_opts in opts.expand.items():
        nav = etype.navs[name]
        target = TYPES[nav.target]
        keys = [nav.value(o) for o in objs]
        if target.name == "Observation":
            pages = _expand_observations(ctx, etype, keys, child_opts)
        else:
            pages = _expand_rows(ctx, target, nav.lookup, keys, child_opts)
        # a child is encoded once per parent that holds it (the same Thing under each of its
        # Datastreams): count them all before encoding any
        ctx.budget.take(sum(len(pages[k][0]) for k in keys if k in pages))
        children, child_dicts = [], []
        for obj, key, out in zip(objs, keys, dicts, strict=True):
            rows, count, more = pages.get(key, ([], 0, False))
            encoded = [entity_json(ctx, target, r, child_opts) for r in rows]
            if nav.many:
                out[name] = encoded
                if child_opts.count:
                    out[f"{name}@iot.count"] = count
                if more:
                    link = f"{ctx.self_link(etype, obj)}/{name}"
                    out[f"{name}@iot.nextLink"] = next_link(
                        link, {}, **{"$top": child_opts.limit, "$skip": child_opts.skip + child_opts.limit}
                    )
            else:
                out[name] = encoded[0] if encoded else None
            children += rows
            child_dicts += encoded
        if child_opts.expand:
            expand(ctx, target, children, child_dicts, child_opts)


def _expand_rows(ctx: Ctx, target: EntityType, lookup: str, keys: list, opts: Options) -> dict:
    """A page of children per parent in one windowed query (ROW_NUMBER per parent key), plus one
    grouped count when ``$count`` asks; {parent key: (rows, count, more)}.

    The query fetches at most the budget that remains plus one row per parent (which only tells
    that a parent has more): a fuller answer is refused before it is read."""
    wanted = {k for k in keys if k is not None}
    qs = filtered(target, base_queryset(target, ctx.user), opts).filter(**{f"{lookup}__in": wanted})
    limit = opts.limit
    ranked = qs.annotate(
        sta_parent=F(lookup),
        sta_rank=Window(RowNumber(), partition_by=[F(lookup)], order_by=order_exprs(target, opts)),
    ).filter(sta_rank__gt=opts.skip, sta_rank__lte=min(opts.skip + limit + 1, INT64_MAX))
    cap = ctx.budget.remaining + len(wanted) + 1
    fetched = list(ranked.order_by("sta_parent", "sta_rank")[:cap])
    if len(fetched) == cap:
        ctx.budget.refuse(ctx.budget.used + cap - len(wanted))
    grouped: dict = {}
    for row in fetched:
        grouped.setdefault(row.sta_parent, []).append(row)
    counts = {}
    if opts.count:
        counts = dict(qs.order_by().values_list(lookup).annotate(n=Count("pk", distinct=True)))
    return {key: (rows[:limit], counts.get(key, 0), len(rows) > limit) for key, rows in grouped.items()} | {
        key: ([], counts[key], False) for key in counts if key not in grouped
    }


def _expand_observations(ctx: Ctx, parent: EntityType, keys: list, opts: Options) -> dict:
    visible = visible_datastreams(ctx.user)
    if parent.name == "Datastream":
        groups = {k: [k] for k in keys if visible is None or k in visible}
        partition = "datastream_id"
    else:  # a FeatureOfInterest: the device's datastreams
        groups = {}
        for ds_id, device_id in Datastream.objects.filter(device_id__in=keys).values_list("id", "device_id"):
            if visible is None or ds_id in visible:
                groups.setdefault(device_id, []).append(ds_id)
        partition = "datastream__device_id"
    cap = ctx.budget.remaining + len(groups) + 1
    pages = observations.select_grouped(groups, obs_query(None, opts), partition, cap)
    if pages is None:
        ctx.budget.refuse(ctx.budget.used + cap - len(groups))
    return {key: (page.rows, page.count, page.more) for key, page in pages.items()}
