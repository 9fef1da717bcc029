"""The $filter grammar (OData subset of SensorThings v1.1) and its parser into a small tree.

The tree is compiled twice: to a Django ``Q`` (cityops.iot.sta.sqlfilter) for rows in the database,
and to a Python predicate (cityops.iot.sta.pyfilter) for readings decoded from compressed blocks,
so an Observation query answers the same before and after compaction.
"""

import math
from dataclasses import dataclass
from datetime import date, time
from functools import lru_cache

from lark import Lark, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError
from shapely import wkt
from shapely.errors import ShapelyError

from cityops.iot.sta import literals
from cityops.iot.sta.errors import bad_request

GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr | or_expr OR and_expr -> logical
?and_expr: not_expr | and_expr AND not_expr -> logical
?not_expr: comparison | NOT not_expr -> negation
?comparison: additive | additive COMPOP additive -> binary
?additive: multiplicative | additive ADDOP multiplicative -> binary
?multiplicative: unary | multiplicative MULOP unary -> binary
?unary: primary | "-" primary -> minus
?primary: literal | call | path | "(" or_expr ")"
call: NAME "(" [or_expr ("," or_expr)*] ")"
path: NAME ("/" NAME)*
literal: STRING -> string
       | DATETIME -> datetime
       | DATE -> date
       | TIME -> time
       | NUMBER -> number
       | GEO -> geography
       | TRUE -> true
       | FALSE -> false
       | NULL -> null

OR.3: /or\b/
AND.3: /and\b/
NOT.3: /not\b/
COMPOP.3: /(eq|ne|gt|ge|lt|le)\b/
ADDOP.3: /(add|sub)\b/
MULOP.3: /(mul|div|mod)\b/
TRUE.3: /true\b/
FALSE.3: /false\b/
NULL.3: /null\b/
GEO.4: /(geography|geometry)'[^']*'/
DATETIME.4: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})/
DATE.3: /\d{4}-\d{2}-\d{2}/
TIME.3: /\d{2}:\d{2}:\d{2}(\.\d+)?/
NUMBER.2: /\d+(\.\d+)?([eE][+-]?\d+)?/
STRING: /'([^']|'')*'/
NAME: /[A-Za-z_@$][A-Za-z0-9_.@$]*/
%ignore /[ \t\r\n]+/
"""


@dataclass(frozen=True)
class Lit:
    value: object


@dataclass(frozen=True)
class Path:
    segments: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple


@dataclass(frozen=True)
class BinOp:
    """and/or, a comparison (eq … le) or arithmetic (add … mod)."""

    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Not:
    operand: object


@dataclass(frozen=True)
class Neg:
    operand: object


COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
ARITHMETIC = {"add", "sub", "mul", "div", "mod"}


@v_args(inline=True)
class _ToTree(Transformer):
    def logical(self, left, op, right):
        return BinOp(str(op), left, right)

    def binary(self, left, op, right):
        return BinOp(str(op), left, right)

    def negation(self, _op, operand):
        return Not(operand)

    def minus(self, operand):
        if isinstance(operand, Lit) and isinstance(operand.value, int | float):
            return Lit(-operand.value)
        return Neg(operand)

    def call(self, name, *args):
        return Call(str(name).lower(), tuple(a for a in args if a is not None))

    def path(self, *names):
        return Path(tuple(str(n) for n in names))

    def string(self, token):
        return Lit(str(token)[1:-1].replace("''", "'"))

    def number(self, token):
        text = str(token)
        return Lit(literals.finite(text) if any(c in text for c in ".eE") else literals.integer(text))

    def datetime(self, token):
        return Lit(literals.instant(str(token)))

    def date(self, token):
        return Lit(date.fromisoformat(str(token)))

    def time(self, token):
        return Lit(time.fromisoformat(str(token)))

    def geography(self, token):
        text = str(token)
        body = text[text.index("'") + 1 : -1]
        if ";" in body:  # an SRID prefix (SRID=4326;POINT(…)); we only hold WGS84
            body = body.split(";", 1)[1]
        try:
            shape = wkt.loads(body)
        except (ShapelyError, ValueError) as exc:
            raise ValueError(f"the geography literal {text!r} is not valid WKT") from exc
        if not all(math.isfinite(c) for c in shape.bounds):
            raise literals.OutOfRange(
                f"the geography literal {text[:40]!r} has coordinates that are not finite"
            )
        return Lit(shape)

    def true(self, _token):
        return Lit(True)

    def false(self, _token):
        return Lit(False)

    def null(self, _token):
        return Lit(None)


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", propagate_positions=False)


def parse(text: str):
    """The tree of a $filter expression; a 400 naming the position and token when it is invalid."""
    if not text or not text.strip():
        raise bad_request("$filter is empty.")
    try:
        return _ToTree().transform(_parser().parse(text))
    except UnexpectedToken as exc:
        at_end = exc.token.type == "$END"
        token = "end of input" if at_end else repr(str(exc.token))
        position = len(text) + 1 if at_end else exc.column
        raise bad_request(
            f"Invalid $filter at position {position}: unexpected {token}. Expected one of: "
            f"{', '.join(sorted(_friendly(exc.expected)))}."
        ) from None
    except UnexpectedCharacters as exc:
        raise bad_request(
            f"Invalid $filter at position {exc.column}: unexpected character {text[exc.pos_in_stream]!r}."
        ) from None
    except UnexpectedEOF:
        raise bad_request("Invalid $filter: the expression ends too early.") from None
    except UnexpectedInput as exc:  # pragma: no cover - other lark input errors
        raise bad_request(f"Invalid $filter at position {exc.column}.") from None
    except (VisitError, ValueError) as exc:
        cause = exc.orig_exc if isinstance(exc, VisitError) else exc
        raise bad_request(f"Invalid $filter: {cause}.") from None


_NAMES = {
    "RPAR": "')'",
    "LPAR": "'('",
    "COMMA": "','",
    "SLASH": "'/'",
    "COMPOP": "a comparison (eq ne gt ge lt le)",
    "ADDOP": "add/sub",
    "MULOP": "mul/div/mod",
    "NAME": "a property or function",
    "STRING": "a 'string'",
    "NUMBER": "a number",
    "$END": "end of input",
}


def _friendly(expected) -> set[str]:
    return {_NAMES.get(name, name.lower()) for name in expected}
