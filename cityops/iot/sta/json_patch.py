"""JSON-Patch (RFC 6902) in a PATCH sent as ``application/json-patch+json`` (STA 1.1 §10.3.2).

The operations apply, in order, to the entity's JSON as a GET answers it; the top-level members that
differ afterwards (or are gone) go to the update path PATCH and PUT share, so validation, scope and
all-or-nothing are theirs. A malformed document is a 400 naming ``operations[i]``; a ``test`` that
fails, or a path that the entity does not have, is a 409 (the patch does not fit the entity's
state, RFC 5789 §2.2). Hand-written (about a hundred lines): the ``jsonpatch`` package in the venv is
a test dependency (of frost-sta-client), not one of the application's.
"""

import copy

from cityops.iot.sta import reads
from cityops.iot.sta.errors import StaError, bad_request
from cityops.iot.sta.paths import Target
from cityops.iot.sta.query import Options
from cityops.iot.sta.replace import DEFAULTS, MANDATORY
from cityops.iot.sta.updates import apply_changes, body_changes, editable

MEDIA_TYPE = "application/json-patch+json"
OPS = {"add": "value", "replace": "value", "test": "value", "remove": None, "copy": "from", "move": "from"}


class _Conflict(Exception):
    """An operation that does not fit the document (a missing path, a failed test)."""


def patch(ctx, target: Target, operations) -> None:
    """Apply ``operations`` to the entity's representation and write what changed."""
    etype = target.etype
    obj = editable(ctx, target)
    checked = [_checked(i, op) for i, op in enumerate(_listed(operations))]
    current = reads.entity_json(ctx, etype, obj, Options(etype))
    document = copy.deepcopy(current)
    for index, (op, path, arg) in enumerate(checked):
        try:
            document = _apply(document, op, path, arg)
        except _Conflict as exc:
            raise StaError(
                409, f"JSON-Patch operations[{index}] ({op}): {exc} Nothing was changed."
            ) from None
    if not isinstance(document, dict):
        raise bad_request("The patched document must stay a JSON object.")
    apply_changes(ctx, etype, obj, _changes(etype.name, obj, current, document))


def _changes(type_name: str, obj, before: dict, after: dict) -> dict:
    """Top-level members that differ; a removed optional one goes back to its default."""
    after = {k: v for k, v in body_changes(obj, after).items() if "@iot." not in k}
    changes = {k: v for k, v in after.items() if k not in before or not _equal(before[k], v)}
    for key in before:
        if "@iot." in key or key in after:
            continue
        if key in MANDATORY[type_name]:
            raise bad_request(f"{type_name}.{key} is mandatory: a JSON-Patch cannot remove it.")
        changes[key] = copy.deepcopy(DEFAULTS.get(key))
    return changes


def _listed(operations) -> list:
    if not isinstance(operations, list):
        raise bad_request("A JSON-Patch document is a JSON array of operations.")
    return operations


def _checked(index: int, op) -> tuple[str, list[str], object]:
    """(op, path tokens, value or from-tokens) of one operation; a 400 naming it when malformed."""
    where = f"JSON-Patch operations[{index}]"
    if not isinstance(op, dict):
        raise bad_request(f"{where} is not a JSON object.")
    name = op.get("op")
    if name not in OPS:
        raise bad_request(f"{where}: op {name!r} is not one of {', '.join(OPS)}.")
    path = _pointer(op.get("path"), f"{where} ({name}): path")
    member = OPS[name]
    if member is None:
        return name, path, None
    if member not in op:
        raise bad_request(f"{where} ({name}): '{member}' is missing.")
    if member == "value":
        return name, path, op["value"]
    source = _pointer(op["from"], f"{where} ({name}): from")
    if name == "move" and path[: len(source)] == source and len(path) > len(source):
        raise bad_request(f"{where} (move): a value cannot move into one of its own children.")
    return name, path, source


def _pointer(text, what: str) -> list[str]:
    """The reference tokens of a JSON Pointer (RFC 6901)."""
    if not isinstance(text, str) or (text and not text.startswith("/")):
        raise bad_request(f"{what} must be a JSON Pointer such as /properties/owner.")
    tokens = text.split("/")[1:]
    for token in tokens:
        if "~" in token.replace("~0", "").replace("~1", ""):
            raise bad_request(f"{what} {text!r} has an invalid '~' escape.")
    return [t.replace("~1", "/").replace("~0", "~") for t in tokens]


def _apply(document, op: str, path: list[str], arg):
    if op == "test":
        found = _get(document, path)
        if not _equal(found, arg):
            raise _Conflict(f"test failed: {_show(path)} is {found!r}, not {arg!r}.")
        return document
    if op == "remove":
        return _remove(document, path)
    if op == "replace":
        _get(document, path)
        document = _remove(document, path)
        return _add(document, path, arg)
    if op == "add":
        return _add(document, path, arg)
    value = copy.deepcopy(_get(document, arg))
    if op == "move":
        document = _remove(document, arg)
    return _add(document, path, value)


def _get(document, path: list[str]):
    for depth, token in enumerate(path):
        if isinstance(document, dict) and token in document:
            document = document[token]
        elif isinstance(document, list) and _index(token, len(document) - 1) is not None:
            document = document[int(token)]
        else:
            raise _Conflict(f"{_show(path[: depth + 1])} does not exist.")
    return document


def _add(document, path: list[str], value):
    if not path:
        return value
    parent, last = _get(document, path[:-1]), path[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        position = len(parent) if last == "-" else _index(last, len(parent))
        if position is None:
            raise _Conflict(f"{_show(path)} is not a position in the array.")
        parent.insert(position, value)
    else:
        raise _Conflict(f"{_show(path[:-1])} is neither an object nor an array.")
    return document


def _remove(document, path: list[str]):
    if not path:
        raise _Conflict("the whole entity cannot be removed.")
    _get(document, path)
    parent, last = _get(document, path[:-1]), path[-1]
    if isinstance(parent, dict):
        del parent[last]
    else:
        del parent[int(last)]
    return document


def _index(token: str, highest: int) -> int | None:
    """An array index (no leading zeros) up to ``highest``, else None."""
    if not (token.isascii() and token.isdigit()) or (token != "0" and token.startswith("0")):
        return None
    if len(token) > len(str(highest)):  # before int(): it refuses over 4,300 digits
        return None
    return int(token) if int(token) <= highest else None


def _equal(a, b) -> bool:
    """JSON equality: numbers by value, but a boolean is never a number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def _show(path: list[str]) -> str:
    return "/" + "/".join(t.replace("~", "~0").replace("/", "~1") for t in path)
