"""PUT (replace) of one entity, STA 1.1 §10.3, through PATCH's update path (``updates.apply_changes``).

A PUT carries the entity's whole representation: every mandatory property of the data model must be
present (a 400 names the missing ones), and an optional writable property that is left out goes back
to its default. Properties the API computes or cannot store (a Datastream's name, a Sensor's
metadata, an Observation's phenomenonTime …) may be sent back as they are read, so GET → edit → PUT
works; a different value is the same 400 as in a PATCH. Links (a Thing's ``Locations``) are written
as in a PATCH; a link left out stays as it is.
"""

from cityops.iot.sta import reads
from cityops.iot.sta.entities import EntityType, iso
from cityops.iot.sta.errors import bad_request
from cityops.iot.sta.literals import instant
from cityops.iot.sta.paths import Target
from cityops.iot.sta.query import Options
from cityops.iot.sta.updates import apply_changes, body_changes, editable, is_writable

# the mandatory properties of each entity type (OGC 18-088 §8.2); ids and links are not properties
MANDATORY = {
    "Thing": ("name", "description"),
    "Location": ("name", "description", "encodingType", "location"),
    "HistoricalLocation": ("time",),
    "Datastream": ("name", "description", "unitOfMeasurement", "observationType"),
    "Sensor": ("name", "description", "encodingType", "metadata"),
    "ObservedProperty": ("name", "definition", "description"),
    "Observation": ("phenomenonTime", "result"),
    "FeatureOfInterest": ("name", "description", "encodingType", "feature"),
}
# what an optional writable property becomes when a PUT leaves it out
DEFAULTS = {"properties": {}}


def put(ctx, target: Target, body) -> None:
    """Replace the entity's updatable properties with ``body``; all of it is written, or nothing."""
    etype = target.etype
    obj = editable(ctx, target)
    sent = {k: v for k, v in body_changes(obj, body).items() if "@iot." not in k}
    missing = [k for k in MANDATORY[etype.name] if k not in sent]
    if missing:
        raise bad_request(
            f"PUT replaces the whole {etype.name}: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} mandatory and missing."
        )
    current = reads.entity_json(ctx, etype, obj, Options(etype))
    changes = {k: v for k, v in sent.items() if k in etype.navs or not _same(etype, k, current, v)}
    for key, default in DEFAULTS.items():
        if key not in sent and is_writable(etype, key):
            changes[key] = default
    apply_changes(ctx, etype, obj, changes)


def _same(etype: EntityType, key: str, current: dict, value) -> bool:
    """Whether ``value`` is what the entity already holds (an instant in any offset counts)."""
    if key not in current:
        return False
    if current[key] == value:
        return True
    prop = etype.props.get(key)
    if prop is None or prop.dump is not iso or not isinstance(value, str):
        return False
    try:
        when = instant(value)
    except ValueError:
        return False
    return when.tzinfo is not None and iso(when) == current[key]
