"""Resource paths: ``Things(1)/Datastreams(2)/Observations``, ``…/name``, ``…/name/$value``, ``…/$ref``."""

import re
from dataclasses import dataclass

from cityops.iot.sta import observations
from cityops.iot.sta.access import base_queryset, visible_datastreams
from cityops.iot.sta.entities import BY_PLURAL, TYPES, EntityType
from cityops.iot.sta.errors import bad_request, not_found
from cityops.iot.sta.literals import entity_id

SEGMENT = re.compile(r"^(?P<name>[A-Za-z]+)(?:\((?P<id>[^)]*)\))?$")


@dataclass
class Target:
    """What a path names. ``kind``: collection, entity, property or value."""

    etype: EntityType
    kind: str
    obj: object = None
    queryset: object = None  # a collection of anything but Observations
    obs_ds: list[int] | None = None  # an Observation collection: its datastreams (None: all)
    prop: str = ""
    ref: bool = False
    parent: tuple | None = None  # (entity type, object, navigation name) of a navigated collection
    url: str = ""


def parse_id(raw: str) -> int:
    pk = entity_id(raw.strip().strip("'"))
    if pk is None:
        raise not_found(f"{raw!r} is not an id of this service (ids are 64-bit integers).")
    return pk


def resolve(path: str, user, root: str) -> Target:
    """The target of ``path`` for ``user``; a 404 for anything unknown or out of scope."""
    segments = [s for s in path.split("/") if s]
    ref = bool(segments) and segments[-1] == "$ref"
    if ref:
        segments = segments[:-1]
    first = SEGMENT.match(segments[0]) if segments else None
    if first is None or first["name"] not in BY_PLURAL:
        raise not_found(f"{segments[0] if segments else path!r} is not an entity set of this service.")
    etype = BY_PLURAL[first["name"]]
    target = _collection(etype, user, None)
    target.url = root + first["name"]
    if first["id"] is not None:
        target = _member(target, parse_id(first["id"]))
    for segment in segments[1:]:
        target = _step(target, segment, user)
    if ref and target.kind not in ("collection", "entity"):
        raise bad_request("$ref follows an entity or a collection.")
    target.ref = ref
    return target


def _collection(etype: EntityType, user, parent) -> Target:
    if etype.name == "Observation":
        return Target(etype, "collection", obs_ds=visible_datastreams(user), parent=parent)
    return Target(etype, "collection", queryset=base_queryset(etype, user), parent=parent)


def _member(target: Target, pk: int) -> Target:
    etype = target.etype
    if etype.name == "Observation":
        obj = observations.find(pk, target.obs_ds)
    else:
        obj = target.queryset.filter(pk=pk).first()
    if obj is None:
        raise not_found(f"{etype.name} {pk} does not exist or is not in your scope.")
    return Target(etype, "entity", obj=obj, url=f"{target.url}({pk})")


def _step(target: Target, segment: str, user) -> Target:
    if target.kind == "property":
        if segment != "$value":
            raise not_found(f"{segment!r} cannot follow a property.")
        return Target(target.etype, "value", obj=target.obj, prop=target.prop, url=target.url + "/$value")
    match = SEGMENT.match(segment)
    if match is None:
        raise not_found(f"{segment!r} is not a valid path segment.")
    name, raw_id = match["name"], match["id"]
    if target.kind == "collection":
        raise bad_request(f"{name} cannot follow a collection; address one entity first, e.g. (1).")
    etype, obj = target.etype, target.obj
    url = f"{target.url}/{name}"
    if name in etype.props and raw_id is None:
        return Target(etype, "property", obj=obj, prop=name, url=url)
    nav = etype.navs.get(name)
    if nav is None:
        raise not_found(f"{etype.name} has no property or navigation property {name!r}.")
    child = TYPES[nav.target]
    key = nav.value(obj)
    collection = _collection(child, user, (etype, obj, name))
    collection.url = url
    if child.name == "Observation":
        collection.obs_ds = _observation_streams(etype, obj, collection.obs_ds)
    else:
        collection.queryset = collection.queryset.filter(**{nav.lookup: key})
    if nav.many:
        return _member(collection, parse_id(raw_id)) if raw_id is not None else collection
    if raw_id is not None:
        raise not_found(f"{name} is a single entity; it takes no id.")
    found = collection.queryset.first()
    if found is None:
        raise not_found(f"{etype.name} {obj.pk} has no {name} in your scope.")
    return Target(child, "entity", obj=found, url=url)


def _observation_streams(etype: EntityType, obj, visible) -> list[int]:
    # a FeatureOfInterest is a device: its Observations are those of the device's datastreams
    ids = [obj.pk] if etype.name == "Datastream" else list(obj.datastreams.values_list("id", flat=True))
    if visible is None:
        return ids
    visible = set(visible)
    return [i for i in ids if i in visible]
