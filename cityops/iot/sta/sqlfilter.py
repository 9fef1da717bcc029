"""Compile a $filter tree (cityops.iot.sta.filter) into a Django ``Q`` over an entity type's model."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from types import NoneType

from django.db.models import CharField, ExpressionWrapper, F, FloatField, IntegerField, Q, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import (
    Cast,
    Ceil,
    Concat,
    Extract,
    Floor,
    Greatest,
    Least,
    Length,
    Lower,
    Mod,
    NullIf,
    Power,
    Right,
    Round,
    Sqrt,
    StrIndex,
    Substr,
    Trim,
    TruncDate,
    TruncTime,
    Upper,
)
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, IsNull, LessThan, LessThanOrEqual
from django.db.models.sql import Query
from django.utils import timezone
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from cityops.iot.sta import geo
from cityops.iot.sta.entities import TYPES, EntityType, Prop
from cityops.iot.sta.errors import bad_request
from cityops.iot.sta.filter import ARITHMETIC, COMPARISONS, BinOp, Call, Lit, Neg, Not, Path
from cityops.iot.sta.literals import MAX_TIME, MIN_TIME, PARTS, compare

LOOKUPS = {"eq": Exact, "gt": GreaterThan, "ge": GreaterThanOrEqual, "lt": LessThan, "le": LessThanOrEqual}
JSON_LOOKUPS = {"eq": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}
MIRROR = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}
ALWAYS, NEVER = Q(pk__isnull=False), Q(pk__in=[])
BOOLEAN_FUNCTIONS = {"substringof", "contains", "startswith", "endswith", *geo.PREDICATES}


@dataclass
class Ref:
    """A resolved property path: the property, the lookup prefix to its model, JSON keys below it."""

    prop: Prop
    prefix: str
    keys: tuple[str, ...]
    many: bool


def resolve(etype: EntityType, segments: tuple[str, ...]) -> Ref:
    """Follow navigation properties, then a property, then JSON keys; a 400 names what is unknown."""
    prefix, many, i = "", False, 0
    while i < len(segments):
        name = segments[i]
        nav = etype.navs.get(name)
        if nav is None:
            break
        if nav.prefix is None:
            raise bad_request(f"$filter cannot follow {etype.name}/{name}.")
        prefix, many, etype, i = prefix + nav.prefix, many or nav.many, TYPES[nav.target], i + 1
    if i == len(segments):
        raise bad_request(f"$filter path {'/'.join(segments)} names an entity, not a property.")
    prop = etype.props.get(segments[i])
    if prop is None:
        raise bad_request(f"{etype.name} has no property {segments[i]!r} (in $filter).")
    keys = segments[i + 1 :]
    if keys and keys[0] in prop.sub:
        prop, keys = prop.sub[keys[0]], keys[1:]
    if keys and not prop.json:
        raise bad_request(f"{'/'.join(segments)}: {segments[i]} has no member {keys[0]!r}.")
    return Ref(prop, prefix, keys, many)


class SqlFilter:
    """One compilation; ``many`` tells the caller a to-many join was used (rows may repeat)."""

    def __init__(self, etype: EntityType):
        self.etype = etype
        self.many = False

    def compile(self, node) -> Q:
        if isinstance(node, BinOp) and node.op in ("and", "or"):
            left, right = self.compile(node.left), self.compile(node.right)
            return left & right if node.op == "and" else left | right
        if isinstance(node, Not):
            return ~self.compile(node.operand)
        if isinstance(node, BinOp) and node.op in COMPARISONS:
            return self._compare(node.op, node.left, node.right)
        if isinstance(node, Call) and node.name in BOOLEAN_FUNCTIONS:
            return self._boolean_call(node)
        if isinstance(node, Lit) and isinstance(node.value, bool):
            return ALWAYS if node.value else NEVER
        raise bad_request("$filter must be a condition (a comparison or a boolean function).")

    # comparisons

    def _compare(self, op, left, right) -> Q:
        if isinstance(left, Lit) and not isinstance(right, Lit):
            op, left, right = MIRROR[op], right, left
        if isinstance(right, Lit) and isinstance(right.value, bool) and _is_condition(left):
            cond = self.compile(left)
            return cond if (op == "eq") == right.value else ~cond
        if isinstance(left, Lit) and isinstance(right, Lit):
            return ALWAYS if _python_compare(op, left.value, right.value) else NEVER
        ref = self._ref(left) if isinstance(left, Path) else None
        if ref is not None and ref.keys and isinstance(right, Lit):
            return self._compare_json(op, ref, left, right.value)
        lhs, lkind = self.typed(left)
        if isinstance(right, Lit) and right.value is None:
            if op not in ("eq", "ne"):
                raise bad_request("null can only be compared with eq or ne.")
            q = Q(IsNull(lhs, True))
            return q if op == "eq" else ~q
        rhs, rkind = self.typed(right)
        _comparable(lkind, rkind, left, right)
        if isinstance(right, Lit):
            rhs = right.value
        if op == "ne":
            return ~Q(Exact(lhs, rhs))
        return Q(LOOKUPS[op](lhs, rhs))

    def _compare_json(self, op, ref: Ref, path: Path, value) -> Q:
        if not isinstance(value, str | int | float | bool | NoneType):
            raise bad_request(
                f"{'/'.join(path.segments)} is a JSON member: compare it with a string, a number, "
                "true, false or null."
            )
        if ref.prop.db is None:  # a computed object without stored keys: nothing matches
            return NEVER
        # the ordinary lookup string lets Django encode the literal as JSON on each database
        path = "__".join((ref.prop.db(ref.prefix).name, *ref.keys))
        if value is None:
            q = Q(**{f"{path}__isnull": True})
        else:
            q = Q(**{f"{path}__{JSON_LOOKUPS['eq' if op == 'ne' else op]}": value})
        return ~q if op == "ne" else q

    def _json_base(self, ref: Ref):
        base = ref.prop.db(ref.prefix)
        for key in ref.keys[:-1]:
            base = KeyTransform(key, base)
        return base

    # values

    def _ref(self, path: Path) -> Ref:
        ref = resolve(self.etype, path.segments)
        self.many = self.many or ref.many
        return ref

    def value(self, node):
        """A Django expression for a value node."""
        return self.typed(node)[0]

    def typed(self, node) -> tuple[object, str]:
        """(Django expression, kind) of a value node. Kinds are checked here, before any SQL runs,
        so that no comparison, operator or function meets a type its database refuses."""
        if isinstance(node, Lit):
            if isinstance(node.value, BaseGeometry):
                raise bad_request("A geography literal can only be an argument of a geo function.")
            return Value(node.value), literal_kind(node.value)
        if isinstance(node, Path):
            return self._path_value(self._ref(node), node)
        if isinstance(node, Neg):
            inner = self._operand(node.operand, "-")
            return ExpressionWrapper(Value(0.0) - inner, output_field=FloatField()), NUMBER
        if isinstance(node, BinOp) and node.op in ARITHMETIC:
            return self._arith(node), NUMBER
        if isinstance(node, Call):
            return self._call(node)
        raise bad_request("A condition cannot be used as a value in $filter.")

    def _path_value(self, ref: Ref, node: Path):
        name = "/".join(node.segments)
        if ref.prop.geo is not None:
            raise bad_request(f"{name} is a geometry: use it in a geo function.")
        if ref.prop.db is None:
            raise bad_request(f"{name} cannot be used in $filter.")
        if ref.keys:
            return KeyTextTransform(ref.keys[-1], self._json_base(ref)), JSON
        if ref.prop.json:
            raise bad_request(f"{name} is an object: filter on one of its members, e.g. {name}/code.")
        expr = ref.prop.db(ref.prefix)
        return expr, field_kind(self.etype.model, expr)

    def _operand(self, node, op: str):
        expr, kind = self.typed(node)
        if kind not in (NUMBER, NULL):
            raise bad_request(f"{op} takes numbers; {describe(node)} is {KIND_NAMES[kind]}.")
        return expr

    def _arith(self, node: BinOp):
        lhs, rhs = self._operand(node.left, node.op), self._operand(node.right, node.op)
        if node.op in ("div", "mod"):
            rhs = NullIf(rhs, Value(0))  # x div 0 is null (unknown), as in pyfilter, not an error
            return (
                Mod(lhs, rhs) if node.op == "mod" else ExpressionWrapper(lhs / rhs, output_field=FloatField())
            )
        # in double precision: 64-bit integer arithmetic would overflow on PostgreSQL
        lhs, rhs = Cast(lhs, FloatField()), Cast(rhs, FloatField())
        combined = {"add": lhs + rhs, "sub": lhs - rhs, "mul": lhs * rhs}[node.op]
        return ExpressionWrapper(combined, output_field=FloatField())

    def _args(self, call: Call, *kinds: tuple[str, ...], optional: int = 0):
        """The expressions of the arguments, each of one of the ``kinds`` given for its position."""
        low, high = len(kinds) - optional, len(kinds)
        if not low <= len(call.args) <= high:
            want = str(low) if low == high else f"{low} to {high}"
            raise bad_request(f"{call.name}() takes {want} argument(s), not {len(call.args)}.")
        exprs = []
        for i, (node, allowed) in enumerate(zip(call.args, kinds, strict=False), start=1):
            expr, kind = self.typed(node)
            if kind not in allowed and kind != NULL:
                raise bad_request(
                    f"Argument {i} of {call.name}() must be {' or '.join(KIND_NAMES[k] for k in allowed)}; "
                    f"{describe(node)} is {KIND_NAMES[kind]}."
                )
            exprs.append(expr)
        return exprs

    def _call(self, call: Call) -> tuple[object, str]:
        name = call.name
        if name in TEXT_FUNCTIONS:
            function, result = TEXT_FUNCTIONS[name]
            return function(*self._args(call, TEXT)), result
        if name in ("round", "floor", "ceiling"):
            function = {"round": Round, "floor": Floor, "ceiling": Ceil}[name]
            return function(*self._args(call, (NUMBER,))), NUMBER
        if name == "concat":
            return Concat(*self._args(call, TEXT, TEXT), output_field=CharField()), STRING
        if name == "indexof":
            text, part = self._args(call, TEXT, TEXT)
            return StrIndex(text, part) - Value(1), NUMBER
        if name == "substring":
            text, *bounds = self._args(call, TEXT, (NUMBER,), (NUMBER,), optional=1)
            bounds = [_position(b) for b in bounds]
            return Substr(text, bounds[0] + Value(1), *bounds[1:]), STRING
        if name in PARTS:
            times = (DATETIME, DATE) if name in ("year", "month", "day") else (DATETIME, TIME)
            part = Extract(self._args(call, times)[0], name, tzinfo=UTC)
            return (Floor(part) if name == "second" else part), NUMBER  # PostgreSQL keeps the fraction
        if name in ("date", "time"):
            trunc = TruncDate if name == "date" else TruncTime
            return trunc(self._args(call, (DATETIME,))[0], tzinfo=UTC), (DATE if name == "date" else TIME)
        if name == "now":
            self._args(call)
            return Value(timezone.now()), DATETIME
        if name in ("mindatetime", "maxdatetime"):
            return self._min_max_time(call), DATETIME
        if name == "geo.distance":
            return self._distance(call), NUMBER
        if name == "geo.length":
            self._geo_args(call)
            return Value(0.0), NUMBER  # every geometry we hold is a point
        raise bad_request(f"Unknown function {name}() in $filter.")

    def _min_max_time(self, call: Call):
        if not call.args:
            return Value(MIN_TIME if call.name == "mindatetime" else MAX_TIME)
        # our times are instants: the interval bounds are the instant
        return self._args(call, (DATETIME,), optional=1)[0]

    # boolean functions

    def _boolean_call(self, call: Call) -> Q:
        if call.name in geo.PREDICATES:
            return self._geo_predicate(call)
        text, part = self._args(call, TEXT, TEXT)
        if call.name == "substringof":
            text, part = part, text
        if call.name in ("substringof", "contains"):
            # INSTR/STRPOS: case-sensitive on both databases (LIKE is not on SQLite)
            return Q(GreaterThan(StrIndex(text, part), 0))
        length = Length(part)
        start = Substr(text, 1, length) if call.name == "startswith" else Right(text, length)
        return Q(Exact(start, part))

    def _geo_args(self, call: Call) -> tuple[Ref, BaseGeometry, bool]:
        if len(call.args) != 2:
            raise bad_request(f"{call.name}() takes 2 arguments.")
        a, b = call.args
        point_first = isinstance(a, Path)
        path, literal = (a, b) if point_first else (b, a)
        if not isinstance(path, Path) or not (
            isinstance(literal, Lit) and isinstance(literal.value, BaseGeometry)
        ):
            raise bad_request(f"{call.name}() compares a geometry property with a geography'…' literal.")
        ref = self._ref(path)
        if ref.prop.geo is None:
            raise bad_request(f"{'/'.join(path.segments)} is not a geometry.")
        return ref, literal.value, point_first

    def _geo_predicate(self, call: Call) -> Q:
        ref, literal, point_first = self._geo_args(call)
        ids = geo.matching_devices(call.name, literal, point_first)
        return Q(**{f"{ref.prefix}{ref.prop.geo}__in": ids})

    def _distance(self, call: Call):
        ref, literal, _ = self._geo_args(call)
        if not isinstance(literal, Point):
            raise bad_request("geo.distance() is supported to a POINT literal only.")
        base = ref.prefix if ref.prop.geo == "id" else ref.prefix + ref.prop.geo.removesuffix("_id") + "__"
        dx = F(base + "lon") - Value(literal.x)
        dy = F(base + "lat") - Value(literal.y)
        return Sqrt(Power(dx, 2) + Power(dy, 2))


NUMBER, STRING, DATETIME, DATE, TIME, BOOLEAN, JSON, NULL = (
    "number",
    "string",
    "datetime",
    "date",
    "time",
    "boolean",
    "json",
    "null",
)
KIND_NAMES = {
    NUMBER: "a number",
    STRING: "a string",
    DATETIME: "a datetime",
    DATE: "a date",
    TIME: "a time",
    BOOLEAN: "a boolean",
    JSON: "a JSON member",
    NULL: "null",
}
TEXT = (STRING, JSON)  # a JSON member is read as text (KeyTextTransform)
TEXT_FUNCTIONS = {"length": (Length, NUMBER), "tolower": (Lower, STRING), "toupper": (Upper, STRING)}
TEXT_FUNCTIONS["trim"] = (Trim, STRING)
FIELD_KINDS = {
    "AutoField": NUMBER,
    "BigAutoField": NUMBER,
    "BigIntegerField": NUMBER,
    "IntegerField": NUMBER,
    "PositiveIntegerField": NUMBER,
    "PositiveSmallIntegerField": NUMBER,
    "PositiveBigIntegerField": NUMBER,
    "SmallIntegerField": NUMBER,
    "FloatField": NUMBER,
    "DecimalField": NUMBER,
    "CharField": STRING,
    "TextField": STRING,
    "SlugField": STRING,
    "DateTimeField": DATETIME,
    "DateField": DATE,
    "TimeField": TIME,
    "BooleanField": BOOLEAN,
}
SAME = ({NUMBER}, {STRING, JSON}, {DATETIME, DATE}, {TIME}, {BOOLEAN})
MAX_POSITION = 2**31 - 2  # PostgreSQL's substr() takes 32-bit positions; beyond the end is the end


def literal_kind(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int | float):
        return NUMBER
    if isinstance(value, datetime):
        return DATETIME
    if isinstance(value, date):
        return DATE
    if isinstance(value, time):
        return TIME
    return STRING


def field_kind(model, expr) -> str:
    """The kind of a property's expression, from the model field it resolves to."""
    resolved = expr.resolve_expression(Query(model), allow_joins=True)
    return FIELD_KINDS.get(resolved.output_field.get_internal_type(), STRING)


def describe(node) -> str:
    if isinstance(node, Path):
        return "/".join(node.segments)
    if isinstance(node, Lit):
        return repr(node.value) if isinstance(node.value, str) else str(node.value)
    if isinstance(node, Call):
        return f"{node.name}()"
    return "the expression"


def _comparable(lkind: str, rkind: str, left, right) -> None:
    if NULL in (lkind, rkind) or any(lkind in group and rkind in group for group in SAME):
        return
    raise bad_request(
        f"$filter cannot compare {describe(left)} ({KIND_NAMES[lkind]}) with {describe(right)} "
        f"({KIND_NAMES[rkind]})."
    )


def _position(expr):
    """A substring position or length as a 32-bit integer within [0, MAX_POSITION] (pyfilter: from
    the start at least, and never negative)."""
    return Cast(Least(Greatest(expr, Value(0)), Value(MAX_POSITION)), IntegerField())


def _is_condition(node) -> bool:
    if isinstance(node, BinOp):
        return node.op in COMPARISONS or node.op in ("and", "or")
    return isinstance(node, Not) or (isinstance(node, Call) and node.name in BOOLEAN_FUNCTIONS)


def _python_compare(op, a, b) -> bool:
    return compare(op, a, b) is True


def compile_filter(etype: EntityType, tree) -> tuple[Q, bool]:
    """(Q, whether a to-many path was followed) for ``tree`` on ``etype``."""
    compiler = SqlFilter(etype)
    return compiler.compile(tree), compiler.many
