"""CKAN's search parameters translated to the data brain's own machinery.

- ``package_search``: ``q`` is the catalogue's Chinese search (jieba tokens, ranked); ``fq`` takes
  Solr-style ``field:value`` terms (``organization``, ``groups``, ``tags``, ``name``, ``res_format``,
  ``private`` and the extras ``share_type``, ``open_type``, ``update_cycle``), all of which must hold.
- ``datastore_search``: ``filters`` are equalities (a list of values: any of them), ``q`` words each
  of which some field must begin with (an index range per column, so it costs an index lookup, not a
  scan), ``sort`` a list of ``field [asc|desc]``, ``fields`` the columns returned.
"""

import re
import shlex

from django.utils.translation import gettext as _

from cityops.databrain import datastore
from cityops.databrain.ckan.errors import invalid
from cityops.databrain.datastore import Filter, Order, Words

FQ_FIELDS = {
    "organization",
    "groups",
    "tags",
    "name",
    "res_format",
    "private",
    "share_type",
    "open_type",
    "update_cycle",
}
PACKAGE_SORTS = {"name", "title_string", "metadata_modified", "metadata_created", "score"}
TERM = re.compile(r"^\+?(?P<field>[a-z_]+):(?P<value>.+)$")


def fq_terms(fq: str) -> list[tuple[str, str]]:
    """``organization:d-cg tags:"人口信息"`` → [("organization", "d-cg"), ("tags", "人口信息")]."""
    try:
        parts = shlex.split(fq)
    except ValueError:
        raise invalid("fq", _("unbalanced quotes")) from None
    terms = []
    for part in parts:
        if part.upper() == "AND":
            continue
        m = TERM.match(part)
        if m is None or m.group("field") not in FQ_FIELDS:
            raise invalid(
                "fq",
                _("%(term)r is not supported; use field:value with a field among %(fields)s")
                % {"term": part, "fields": ", ".join(sorted(FQ_FIELDS))},
            )
        terms.append((m.group("field"), m.group("value").strip('"')))
    return terms


def package_matches(pkg: dict, field: str, value: str) -> bool:
    value = value.lower()
    if field == "organization":
        return pkg["organization"]["name"] == value
    if field == "groups":
        return any(g["name"] == value for g in pkg["groups"])
    if field == "tags":
        return any(t["name"].lower() == value for t in pkg["tags"])
    if field == "name":
        return pkg["name"] == value
    if field == "res_format":
        return any(r["format"].lower() == value for r in pkg["resources"])
    if field == "private":
        return str(pkg["private"]).lower() == value
    return any(e["key"] == field and e["value"].lower() == value for e in pkg["extras"])


def package_sort(sort: str) -> list[tuple[str, bool]]:
    """``"metadata_modified desc, name asc"`` → [("metadata_modified", True), ("name", False)]."""
    out = []
    for part in sort.split(","):
        words = part.split()
        if not words:
            continue
        field, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
        if field not in PACKAGE_SORTS or direction not in ("asc", "desc") or len(words) > 2:
            raise invalid(
                "sort",
                _("%(part)r: sort by one of %(fields)s, asc or desc")
                % {"part": part.strip(), "fields": ", ".join(sorted(PACKAGE_SORTS))},
            )
        out.append((field, direction == "desc"))
    return out


# ---- datastore_search -----------------------------------------------------------------------------


def not_in_table(name: str) -> str:
    return _("field “%(name)s” not in table") % {"name": name}


def filters(given: dict | None, fields: list) -> list[Filter]:
    """CKAN's ``filters``: {field: value or [values]}; ``_id`` too."""
    names = {f.name for f in fields} | {"_id"}
    out = []
    for name, value in (given or {}).items():
        if name not in names:
            raise invalid("filters", not_in_table(name))
        values = value if isinstance(value, list) else [value]
        if not values or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in values
        ):
            raise invalid("filters", _("“%(name)s”: give a value or a list of values") % {"name": name})
        values = [str(v).strip() for v in values]
        if name == "_id" and not all(v.isdigit() for v in values):
            raise invalid("filters", _("“_id”: record numbers are integers"))
        if len(values) == 1 and name != "_id":
            out.append(Filter(name, "eq", values[0]))
        else:
            out.append(Filter(name, "in", tuple(values)))
    return out


def words(q, fields: list, searchable: list) -> list[Words]:
    """CKAN's ``q``: text (every word must begin some searchable field) or {field: text}."""
    if q in (None, ""):
        return []
    if isinstance(q, dict):
        by_name = {f.name: f for f in fields}
        chosen, texts = [], []
        for name, text in q.items():
            if name not in by_name:
                raise invalid("q", not_in_table(name))
            if by_name[name] not in searchable:
                raise invalid("q", _("“%(name)s” is masked for you and cannot be searched") % {"name": name})
            chosen.append(by_name[name])
            texts.append(str(text))
        # one Words per field: each field's own words
        return [Words((f,), tuple(t.split())) for f, t in zip(chosen, texts, strict=True)]
    if not isinstance(q, str):
        raise invalid("q", _("Must be a string or a JSON object of field: text"))
    return [Words(tuple(searchable), tuple(q.split()))]


def order(sort, fields: list) -> list[Order]:
    """CKAN's ``sort``: "field asc, field2 desc" or a list of such parts."""
    if sort in (None, ""):
        return []
    parts = sort.split(",") if isinstance(sort, str) else sort
    if not isinstance(parts, list):
        raise invalid("sort", _("Must be a string or a list"))
    by_name = {f.name: f for f in fields}
    out = []
    for part in parts:
        tokens = str(part).split()
        if not tokens:
            continue
        name = tokens[0].strip('"')
        direction = tokens[1].lower() if len(tokens) > 1 else "asc"
        if name != "_id" and name not in by_name:
            raise invalid("sort", not_in_table(name))
        if direction not in ("asc", "desc") or len(tokens) > 2:
            raise invalid("sort", _("%(part)r: give a field and asc or desc") % {"part": str(part).strip()})
        out.append(Order(None if name == "_id" else by_name[name], direction == "desc"))
    return out


def run(resource, fields, *, flt, word_sets, sort, offset, limit, with_total, stored_total):
    """The records and (when asked) the total; without filters or words the stored count is the total."""
    rows = datastore.search(
        resource, fields, filters=flt, words=word_sets, order=sort, offset=offset, limit=limit
    )
    total = None
    if with_total:
        narrowed = flt or any(w.words for w in word_sets)
        total = (
            datastore.search_count(resource, fields, filters=flt, words=word_sets)
            if narrowed
            else stored_total
        )
    return rows, total
