"""CKAN's search parameters translated to the data brain's own machinery.

- ``package_search``: one query of the caller's resources: ``q`` is the catalogue's Chinese search
  (jieba tokens, ranked by their weights); ``fq`` takes Solr-style ``field:value`` terms
  (``organization``, ``groups``, ``tags``, ``name``, ``res_format``, ``private`` and the extras
  ``share_type``, ``open_type``, ``update_cycle``), all of which must hold, each a condition of the
  query; ``sort`` an ORDER BY; ``rows``/``start`` its LIMIT/OFFSET; facets GROUP BY queries.
- ``datastore_search``: ``filters`` are equalities (a list of values: any of them), ``q`` words each
  of which some field must hold (inside a free-text field's value, through the word table, or at the
  beginning of any field's value: index lookups, never a scan), ``sort`` a list of ``field [asc|desc]``,
  ``fields`` the columns returned.
"""

import re
import shlex

from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _

from cityops.databrain import datastore_search
from cityops.databrain import search as catalogue_search
from cityops.databrain.choices import ShareType, UpdateCycle
from cityops.databrain.ckan.errors import invalid
from cityops.databrain.datastore import Filter
from cityops.databrain.datastore_search import Order, Words
from cityops.databrain.models import SearchToken

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


CATEGORY_DEPTH = 4  # 类, 项, 目, 细目
NOTHING = Q(pk__in=[])


def _up(level: int) -> str:
    """The lookup of the resource's category ``level`` steps up its classification."""
    return "category" + "__parent" * level


def _cycle_tags() -> dict[str, str]:
    """Update cycle → its tag (the Chinese label, as ``Catalogue.tags`` gives it)."""
    with translation.override("zh-hans"):
        return {c.value: str(c.label) for c in UpdateCycle}


def package_condition(field: str, value: str) -> Q:
    """The condition an ``fq`` term puts on the caller's resources (as ``Catalogue.package_dict``
    shapes them: the organization is the provider's code in lower case, the group the top of the
    classification, the tags the levels below it and the update cycle)."""
    value = value.lower()
    if field == "organization":
        return Q(provider__code__iexact=value)
    if field == "groups":
        return _any(
            Q(**{f"{_up(n)}__parent__isnull": True, f"{_up(n)}__code": value}) for n in range(CATEGORY_DEPTH)
        )
    if field == "tags":
        levels = (
            Q(**{f"{_up(n)}__parent__isnull": False, f"{_up(n)}__name__iexact": value})
            for n in range(CATEGORY_DEPTH)
        )
        cycles = [c for c, tag in _cycle_tags().items() if tag.lower() == value]
        return _any([*levels, Q(update_cycle__in=cycles) if cycles else NOTHING])
    if field == "name":
        return Q(code__iexact=value)
    if field == "res_format":
        return Q() if value == "json" else NOTHING
    if field == "private":
        public = Q(share_type=ShareType.UNCONDITIONAL)
        return {"true": ~public, "false": public}.get(value, NOTHING)
    return Q(**{f"{field}__iexact": value})  # the extras share_type, open_type, update_cycle


def _any(conditions) -> Q:
    out = NOTHING
    for c in conditions:
        out |= c
    return out


SORT_COLUMNS = {
    "name": "code",
    "title_string": "name",
    "metadata_modified": "updated_at",
    "metadata_created": "created_at",
}


def packages(resources, *, text: str, terms: list[tuple[str, str]], include_private: bool, sort):
    """The caller's resources (a queryset) found by the words of ``text`` and every ``fq`` term, in
    ``sort`` order (then by code), with their ``score``: the summed weights of the words (None when
    there is no word to search by)."""
    qs = resources
    if not include_private:
        qs = qs.filter(share_type=ShareType.UNCONDITIONAL)
    for field, value in terms:
        qs = qs.filter(package_condition(field, value))
    wanted = catalogue_search.query_words(text) if text else []
    if wanted:
        tokens = SearchToken.objects.filter(token__in=wanted)
        every = tokens.values("resource_id").annotate(n=Count("token")).filter(n=len(wanted))
        qs = qs.filter(pk__in=every.values("resource_id"))
        score = tokens.filter(resource=OuterRef("pk")).values("resource_id").annotate(s=Sum("weight"))
        qs = qs.annotate(score=Subquery(score.values("s")[:1]))
    else:
        qs = qs.annotate(score=Value(None, output_field=SearchToken._meta.get_field("weight")))
    order = []
    for field, desc in sort:
        if field == "score":
            order.append(F("score").desc(nulls_last=True) if desc else F("score").asc(nulls_last=True))
        else:
            order.append(f"{'-' if desc else ''}{SORT_COLUMNS[field]}")
    return qs.order_by(*order, "code")


FACETS = {
    "organization",
    "groups",
    "tags",
    "res_format",
    "share_type",
    "open_type",
    "update_cycle",
    "private",
}


def facets(qs, names: list[str], limit: int, catalogue) -> tuple[dict, dict]:
    """CKAN's ``facets`` ({field: {value: count}}) and ``search_facets`` ({field: {"title", "items"}})
    of the found resources, each counted by a GROUP BY; a field without values here has none."""
    qs = qs.order_by()
    out, shown = {}, {}
    for name in names:
        titles: dict[str, str] = {}
        counts: dict[str, int] = {}
        if name == "organization":
            rows = qs.values(v=Lower("provider__code"), t=F("provider__name")).annotate(n=Count("id"))
        elif name == "groups":
            top = Case(
                *(
                    When(**{f"{_up(n)}__parent__isnull": True}, then=F(f"{_up(n)}__code"))
                    for n in range(CATEGORY_DEPTH)
                )
            )
            title = Case(
                *(
                    When(**{f"{_up(n)}__parent__isnull": True}, then=F(f"{_up(n)}__name"))
                    for n in range(CATEGORY_DEPTH)
                )
            )
            rows = qs.values(v=top, t=title).annotate(n=Count("id"))
        elif name == "tags":
            rows = []
            for n in range(CATEGORY_DEPTH):
                level = qs.filter(**{f"{_up(n)}__parent__isnull": False})
                rows += list(
                    level.values(v=F(f"{_up(n)}__name"), t=F(f"{_up(n)}__name")).annotate(n=Count("id"))
                )
            cycles = _cycle_tags()
            rows += [
                {"v": cycles[r["update_cycle"]], "t": cycles[r["update_cycle"]], "n": r["n"]}
                for r in qs.values("update_cycle").annotate(n=Count("id"))
            ]
        elif name == "res_format":
            total = qs.count()
            rows = [{"v": "JSON", "t": "JSON", "n": total}] if total else []
        elif name == "private":
            private = Case(
                When(share_type=ShareType.UNCONDITIONAL, then=Value("false")), default=Value("true")
            )
            rows = qs.values(v=private, t=private).annotate(n=Count("id"))
        elif name in FACETS:
            rows = qs.values(v=F(name), t=F(name)).annotate(n=Count("id"))
        else:
            rows = []
        for r in rows:
            counts[r["v"]] = counts.get(r["v"], 0) + r["n"]
            titles[r["v"]] = r["t"]
        best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        out[name] = dict(best)
        shown[name] = {
            "title": name,
            "items": [{"name": v, "display_name": titles[v], "count": n} for v, n in best],
        }
    return out, shown


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
    """The records and (when asked) the total; without filters or words the stored count is the total.
    Words in record order are answered from the set of record numbers they find, read once."""
    if any(w.words for w in word_sets) and all(o.field is None for o in sort):
        ids = datastore_search.search_ids(
            resource, fields, filters=flt, words=word_sets, desc=bool(sort) and sort[0].desc
        )
        rows = datastore_search.rows_by_id(resource, fields, ids[offset : offset + limit])
        return rows, len(ids) if with_total else None
    rows = datastore_search.search(
        resource, fields, filters=flt, words=word_sets, order=sort, offset=offset, limit=limit
    )
    total = None
    if with_total:
        narrowed = flt or any(w.words for w in word_sets)
        total = (
            datastore_search.search_count(resource, fields, filters=flt, words=word_sets)
            if narrowed
            else stored_total
        )
    return rows, total
