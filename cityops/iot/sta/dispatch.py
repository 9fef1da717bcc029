"""One SensorThings request, whether it came over HTTP (``views``) or inside a ``$batch``: the path is
resolved for the acting user, the method routed, and the outcome returned as an ``Answer``.

Errors are raised as ``StaError``; the caller turns them into a response (``views``) or into the
batch's answer for that request (``batch``).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DataError, transaction

from cityops.iot.sta import dataarray, json_patch, reads, replace, updates, writes
from cityops.iot.sta.errors import StaError, bad_request
from cityops.iot.sta.paths import Target, resolve
from cityops.iot.sta.query import parse_options

TEXT = "text/plain; charset=utf-8"


@dataclass
class Answer:
    """The outcome of one request: a status, headers, and a JSON body or a text (``$value``)."""

    status: int = 200
    body: object = None  # JSON; None for no body
    text: str | None = None
    headers: dict = field(default_factory=dict)


@dataclass
class Call:
    """One request: ``body()`` reads the JSON body only when the method takes one."""

    method: str
    path: str
    params: dict
    body: Callable[[], object]
    content_type: str = "application/json"


def handle(ctx: reads.Ctx, call: Call) -> Answer:
    """Route ``call`` (CreateObservations or a resource path) as the HTTP views do."""
    method = call.method.upper()
    if call.path == "CreateObservations":
        if method != "POST":
            raise StaError(405, "CreateObservations takes a POST.", {"Allow": "POST"})
        return Answer(201, body=dataarray.create_observations(ctx, call.body()))
    return _resource(ctx, call, method)


def _resource(ctx, call: Call, method: str) -> Answer:
    target = resolve(call.path, ctx.user, ctx.root)
    if method == "GET":
        return _read(ctx, target, call.params)
    if method == "POST":
        location = writes.create(ctx, target, call.body())
        return Answer(201, headers={"Location": location})
    if method not in ("PATCH", "PUT", "DELETE"):
        raise StaError(405, f"{method} is not supported.", {"Allow": "GET, POST, PATCH, PUT, DELETE"})
    if target.kind != "entity":
        raise StaError(405, f"{method} applies to one entity, e.g. Things(1).", {"Allow": "GET"})
    if method == "PUT":
        replace.put(ctx, target, call.body())
    elif method == "DELETE":
        updates.delete(ctx, target)
    elif call.content_type == json_patch.MEDIA_TYPE:
        json_patch.patch(ctx, target, call.body())
    else:
        updates.patch(ctx, target, call.body())
    return Answer(200)


def _read(ctx, target: Target, params: dict) -> Answer:
    """``_get``, where arithmetic in ``$filter`` that overflows on the stored values is a 400.

    Literals and kinds are checked when the filter is compiled; what is left is data-dependent
    (``result mul 1e300 mul 1e300`` overflows double precision on PostgreSQL; SQLite answers
    infinity). The savepoint keeps a batch's transaction usable after such a read."""
    try:
        with transaction.atomic():
            return _get(ctx, target, params)
    except DataError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise bad_request(f"$filter could not be evaluated on the stored values: {reason}.") from None


def _get(ctx, target: Target, params: dict) -> Answer:
    opts = parse_options(params, target.etype)
    if target.kind == "value":
        value = target.etype.props[target.prop]
        raw = value.dump(value.get(target.obj))
        text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
        return Answer(text="" if raw is None else text, headers={"Content-Type": TEXT})
    if target.kind == "property":
        prop = target.etype.props[target.prop]
        return Answer(body={target.prop: prop.dump(prop.get(target.obj))})
    if target.kind == "entity":
        if target.ref:
            return Answer(body={"@iot.selfLink": ctx.self_link(target.etype, target.obj)})
        ctx.budget.take(1)
        body = reads.entity_json(ctx, target.etype, target.obj, opts)
        reads.expand(ctx, target.etype, [target.obj], [body], opts)
        return Answer(body=body)
    if target.ref:
        opts.select = ["id"]
        opts.expand = {}
    if target.etype.name == "Observation":
        body = reads.observation_collection(ctx, target.obs_ds, opts, target.url, params)
    else:
        body = reads.collection(ctx, target.etype, target.queryset, opts, target.url, params)
    if target.ref:
        body["value"] = [{"@iot.selfLink": v["@iot.selfLink"]} for v in body["value"]]
    return Answer(body=body)
