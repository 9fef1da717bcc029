"""The service definition of each patrol item: a fixed set of attributes and how posted values are read.

Every service has the optional ``severity``; event items add the optional multi-valued ``hazards``,
component items the optional ``asset_code``; urgent items require ``danger_now``.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from cityops.cases.choices import ItemKind, Urgency
from cityops.cases.models import PatrolItem

SINGLE, MULTI, STRING = "singlevaluelist", "multivaluelist", "string"


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    description: str
    required: bool = False
    values: tuple[tuple[str, str], ...] = ()
    datatype_description: str = ""
    max_length: int = 200


SEVERITY = Attribute(
    "severity",
    SINGLE,
    _("How serious is the problem?"),
    values=(("minor", _("Minor")), ("serious", _("Serious")), ("dangerous", _("Dangerous to people"))),
)
HAZARDS = Attribute(
    "hazards",
    MULTI,
    _("What does it affect? Choose any."),
    values=(
        ("traffic", _("Blocks a road or pavement")),
        ("hygiene", _("Smell, dirt or pests")),
        ("children", _("Near a school or playground")),
        ("fire", _("Fire risk")),
    ),
)
ASSET_CODE = Attribute(
    "asset_code",
    STRING,
    _("The number on the component's plate, if you can see one."),
    datatype_description=_("up to 32 letters, digits and dashes"),
    max_length=32,
)
DANGER_NOW = Attribute(
    "danger_now",
    SINGLE,
    _("Is anyone in danger right now?"),
    required=True,
    values=(("yes", _("Yes")), ("no", _("No"))),
)

# attribute[code]=v, attribute[code][]=v and attribute[code][0]=v (as PHP clients send arrays)
KEY = re.compile(r"^attribute\[([^\[\]]+)\](?:\[\d*\])?$")


def attributes_for(item: PatrolItem) -> list[Attribute]:
    attrs = [SEVERITY, HAZARDS if item.kind == ItemKind.EVENT else ASSET_CODE]
    if item.urgency == Urgency.URGENT:
        attrs.append(DANGER_NOW)
    return attrs


def definition(item: PatrolItem) -> dict:
    """The service definition as the spec's service_definition element."""
    return {
        "service_code": item.code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description or None,
                "order": order,
                "description": a.description,
                "values": [{"key": key, "name": name} for key, name in a.values],
            }
            for order, a in enumerate(attributes_for(item), start=1)
        ],
    }


def _posted(data) -> dict[str, list[str]]:
    posted: dict[str, list[str]] = {}
    for key in data:
        match = KEY.match(key)
        if match:
            values = [v.strip() for v in data.getlist(key) if v.strip()]
            posted.setdefault(match.group(1), []).extend(values)
    return posted


def _check(a: Attribute, got: list[str]) -> str | None:
    keys = [k for k, _name in a.values]
    if a.datatype in (SINGLE, STRING) and len(got) > 1:
        return f"attribute[{a.code}] takes one value, not {len(got)}"
    if a.datatype == STRING:
        if len(got[0]) > a.max_length:
            return f"attribute[{a.code}] is longer than {a.max_length} characters"
        return None
    wrong = [v for v in got if v not in keys]
    if wrong:
        return f"attribute[{a.code}] {wrong[0]!r} is not one of {', '.join(keys)}"
    return None


def read_attributes(data, item: PatrolItem) -> tuple[dict, list[str]]:
    """The posted attribute values of ``item`` and a description of each problem."""
    posted = _posted(data)
    defs = {a.code: a for a in attributes_for(item)}
    errors = [
        f"attribute[{code}] is not an attribute of service_code {item.code}"
        for code in sorted(posted)
        if code not in defs
    ]
    values: dict = {}
    for a in defs.values():
        got = posted.get(a.code, [])
        if not got:
            if a.required:
                errors.append(f"attribute[{a.code}] is required for service_code {item.code}")
            continue
        problem = _check(a, got)
        if problem:
            errors.append(problem)
        else:
            values[a.code] = got if a.datatype == MULTI else got[0]
    return values, errors
