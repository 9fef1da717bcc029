"""Evaluate a $filter tree in Python on model instances (readings decoded from compressed blocks).

It mirrors cityops.iot.sta.sqlfilter: SQL's three-valued logic (a comparison with null is unknown,
and only a true row passes), UTC date parts, 0-based indexof/substring, case-sensitive matching.
"""

import math
from datetime import UTC, datetime

from django.utils import timezone
from shapely.geometry.base import BaseGeometry

from cityops.iot.sta import geo
from cityops.iot.sta.entities import TYPES, EntityType
from cityops.iot.sta.errors import bad_request
from cityops.iot.sta.filter import ARITHMETIC, COMPARISONS, BinOp, Call, Lit, Neg, Not, Path
from cityops.iot.sta.literals import MAX_TIME, MIN_TIME, PARTS, compare


class PyFilter:
    """A predicate over instances of ``etype``: ``matches(obj)``."""

    def __init__(self, etype: EntityType, tree):
        self.etype = etype
        self.tree = tree
        self.now = timezone.now()

    def matches(self, obj) -> bool:
        return self.truth(self.tree, obj) is True

    def truth(self, node, obj):
        if isinstance(node, BinOp) and node.op in ("and", "or"):
            left, right = self.truth(node.left, obj), self.truth(node.right, obj)
            if node.op == "and":
                return False if False in (left, right) else (None if None in (left, right) else True)
            return True if True in (left, right) else (None if None in (left, right) else False)
        if isinstance(node, Not):
            inner = self.truth(node.operand, obj)
            return None if inner is None else not inner
        if isinstance(node, BinOp) and node.op in COMPARISONS:
            return compare(node.op, self.value(node.left, obj), self.value(node.right, obj))
        if isinstance(node, Call):
            return self.value(node, obj)
        if isinstance(node, Lit) and isinstance(node.value, bool):
            return node.value
        raise bad_request("$filter must be a condition (a comparison or a boolean function).")

    def value(self, node, obj):
        if isinstance(node, Lit):
            return node.value
        if isinstance(node, Path):
            return self._path(node.segments, obj)
        if isinstance(node, Neg):
            inner = self.value(node.operand, obj)
            return None if inner is None else -inner
        if isinstance(node, BinOp) and node.op in ARITHMETIC:
            return _arith(node.op, self.value(node.left, obj), self.value(node.right, obj))
        if isinstance(node, BinOp | Not):
            return self.truth(node, obj)
        if isinstance(node, Call):
            return self._call(node, obj)
        raise bad_request("Unsupported $filter expression.")

    def _path(self, segments, obj):
        etype, i = self.etype, 0
        while i < len(segments) and segments[i] in etype.navs:
            nav = etype.navs[segments[i]]
            if nav.many or nav.get is None:
                raise bad_request(f"$filter cannot follow {etype.name}/{segments[i]} here.")
            obj, etype, i = nav.get(obj), TYPES[nav.target], i + 1
            if obj is None:
                return None
        if i == len(segments) or segments[i] not in etype.props:
            raise bad_request(f"$filter path {'/'.join(segments)} is not a property.")
        prop, keys = etype.props[segments[i]], segments[i + 1 :]
        if keys and keys[0] in prop.sub:
            prop, keys = prop.sub[keys[0]], keys[1:]
        value = prop.get(obj)
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def _call(self, call: Call, obj):
        name = call.name
        args = [self.value(a, obj) for a in call.args]
        if name in geo.PREDICATES:
            if len(args) != 2 or not all(isinstance(a, BaseGeometry) for a in args):
                raise bad_request(f"{name}() compares a geometry property with a geography'…' literal.")
            return geo.evaluate(name, *args)
        if name == "now":
            return self.now
        if name in ("mindatetime", "maxdatetime") and not args:
            return MIN_TIME if name == "mindatetime" else MAX_TIME
        if any(a is None for a in args):
            return None
        return _function(name, args)


def _arith(op, a, b):
    if a is None or b is None:
        return None
    if op in ("div", "mod") and b == 0:
        return None
    if op == "div":
        return int(a / b) if isinstance(a, int) and isinstance(b, int) else a / b
    if op == "mod":
        return math.fmod(a, b) if isinstance(a, float) or isinstance(b, float) else int(math.fmod(a, b))
    return {"add": a + b, "sub": a - b, "mul": a * b}[op]


def _round(x):
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def _substring(text, start, length=None):
    start = max(int(start), 0)
    return text[start:] if length is None else text[start : start + int(length)]


def _utc(value):
    return value.astimezone(UTC) if isinstance(value, datetime) else value


STRING = {
    "length": len,
    "tolower": str.lower,
    "toupper": str.upper,
    "trim": str.strip,
    "concat": lambda a, b: f"{a}{b}",
    "indexof": lambda a, b: a.find(b),
    "substring": _substring,
    "substringof": lambda part, text: part in text,
    "contains": lambda text, part: part in text,
    "startswith": str.startswith,
    "endswith": str.endswith,
}
NUMERIC = {"round": _round, "floor": math.floor, "ceiling": math.ceil}


def _function(name, args):
    if name in STRING:
        return STRING[name](*args)
    if name in NUMERIC:
        return NUMERIC[name](*args)
    if name in PARTS:
        return getattr(_utc(args[0]), name)
    if name == "date":
        return _utc(args[0]).date()
    if name == "time":
        return _utc(args[0]).time().replace(tzinfo=None)
    if name in ("mindatetime", "maxdatetime"):
        return args[0]
    if name == "geo.distance":
        return args[0].distance(args[1])
    if name == "geo.length":
        return 0.0
    raise bad_request(f"Unknown function {name}() in $filter.")
