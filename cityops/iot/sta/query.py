"""Query options ($filter, $expand, $select, $orderby, $top, $skip, $count, $resultFormat), parsed and
checked against the entity type they apply to, recursively for $expand."""

from dataclasses import dataclass, field

from cityops.iot.sta.entities import TYPES, EntityType
from cityops.iot.sta.errors import bad_request
from cityops.iot.sta.filter import parse
from cityops.iot.sta.limits import check_depth, max_top
from cityops.iot.sta.literals import INT64_MAX
from cityops.iot.sta.sqlfilter import resolve

KNOWN = {
    "$filter",
    "$expand",
    "$select",
    "$orderby",
    "$top",
    "$skip",
    "$count",
    "$resultformat",
    "$skiptoken",
}


@dataclass
class Options:
    etype: EntityType
    filter: object = None
    filter_text: str = ""
    expand: dict[str, "Options"] = field(default_factory=dict)
    select: list[str] | None = None
    order: list[tuple[tuple[str, ...], bool]] = field(default_factory=list)
    top: int | None = None
    skip: int = 0
    count: bool = False
    result_format: str = ""
    skiptoken: int | None = None

    @property
    def limit(self) -> int:
        return min(self.top if self.top is not None else max_top(), max_top())


def split(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside parentheses and 'quoted strings'."""
    parts, depth, quoted, current = [], 0, False, []
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if ch == sep and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if depth != 0 or quoted:
        raise bad_request(f"Unbalanced parentheses or quotes in {text!r}.")
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse_options(params: dict[str, str], etype: EntityType, level: int = 0) -> Options:
    """Options from query parameters (names case-insensitive); a 400 names the bad one. ``level``:
    how deep inside ``$expand`` these options are."""
    opts = Options(etype)
    for raw_name, value in params.items():
        name = raw_name.lower()
        if not name.startswith("$"):
            continue
        if name not in KNOWN:
            raise bad_request(f"Unknown query option {raw_name}.")
        _apply(opts, name, value, level)
    return opts


def _apply(opts: Options, name: str, value: str, level: int) -> None:
    if name == "$filter":
        opts.filter, opts.filter_text = parse(value), value
    elif name == "$top":
        opts.top = _count_value("$top", value)
    elif name == "$skip":
        opts.skip = _count_value("$skip", value)
    elif name == "$skiptoken":
        opts.skiptoken = _count_value("$skiptoken", value)
    elif name == "$count":
        if value not in ("true", "false"):
            raise bad_request("$count must be true or false.")
        opts.count = value == "true"
    elif name == "$select":
        opts.select = _select(opts.etype, value)
    elif name == "$orderby":
        opts.order = _orderby(opts.etype, value)
    elif name == "$expand":
        _expand(opts, value, level)
    elif name == "$resultformat":
        if value != "dataArray" or opts.etype.name != "Observation":
            raise bad_request("$resultFormat=dataArray is supported on Observations only.")
        opts.result_format = value


def _count_value(name: str, value: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise bad_request(f"{name} must be a non-negative integer, not {value[:40]!r}.")
    # compared before int(): Python refuses to convert over 4,300 digits, and SQL holds 64 bits
    if len(value.lstrip("0")) > len(str(INT64_MAX)) or int(value) > INT64_MAX:
        raise bad_request(f"{name} must be at most {INT64_MAX}, not {value[:40]}.")
    return int(value)


def _select(etype: EntityType, value: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    for n in names:
        if n not in etype.props and n not in etype.navs:
            raise bad_request(f"$select: {etype.name} has no property {n!r}.")
    return names


def _orderby(etype: EntityType, value: str) -> list[tuple[tuple[str, ...], bool]]:
    order = []
    for item in split(value, ","):
        words = item.split()
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise bad_request(f"$orderby: {item!r} is not '<property> [asc|desc]'.")
        path = tuple(words[0].split("/"))
        ref = resolve(etype, path)
        if ref.many:
            raise bad_request(f"$orderby cannot use the to-many path {words[0]}.")
        if ref.prop.db is None and not ref.keys:
            raise bad_request(f"$orderby: {words[0]} cannot be sorted on.")
        order.append((path, len(words) == 2 and words[1].lower() == "desc"))
    return order


def _expand(opts: Options, value: str, level: int) -> None:
    for item in split(value, ","):
        head, inner = item, ""
        if item.endswith(")") and "(" in item:
            head, inner = item[: item.index("(")], item[item.index("(") + 1 : -1]
        names = head.strip().split("/")
        # before anything below is parsed: a deep $expand is refused without being built
        check_depth(level + len(names), head.strip())
        target = opts
        for i, nav_name in enumerate(names):
            nav = target.etype.navs.get(nav_name)
            if nav is None:
                raise bad_request(f"$expand: {target.etype.name} has no navigation property {nav_name!r}.")
            child = target.expand.get(nav_name) or Options(TYPES[nav.target])
            if i == len(names) - 1 and inner:
                params = {}
                for part in split(inner, ";"):
                    key, _, val = part.partition("=")
                    params[key.strip()] = val
                child = _merge(child, parse_options(params, TYPES[nav.target], level + len(names)))
            target.expand[nav_name] = child
            target = child


def _merge(old: Options, new: Options) -> Options:
    for nav, child in old.expand.items():
        new.expand.setdefault(nav, child)
    return new
