"""Reading a resource's records for a person or a client: the query's parameters checked against the
resource's fields, one keyset page, personal data masked for those who may not see it.

Parameters, the same on the records page and the API: ``<field>=value`` (equal), ``<field>__gte`` and
``<field>__lte`` (ranges on numbers and dates), ``flagged=1`` (only records the quality checks
flagged; ``0`` only clean ones), ``sort=<field>`` or ``sort=-<field>`` (descending), ``after`` (the
cursor of the page before), ``limit`` and ``fields`` (names, comma-separated). Anything else is
refused with its name.

Personal fields (the information items marked so) are masked unless the user may change the
catalogue (the data steward) or a consumer's grant names them in clear: a resident ID as 4401**********1234, a mobile as 138****5678, other
text to its first character.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from cityops.core.errors import ValidationFailed
from cityops.core.masking import mask_id_number, mask_phone, mask_text
from cityops.databrain import datastore
from cityops.databrain.choices import Rule
from cityops.databrain.datastore import Filter

RESERVED = {"sort", "after", "limit", "flagged", "fields", "page", "total"}
DEFAULT_LIMIT = 50


@dataclass
class RecordQuery:
    filters: list[Filter]
    sort: str = ""
    desc: bool = False
    after: str = ""
    limit: int = DEFAULT_LIMIT
    fields: list[str] | None = None


def _refuse(name: str, message: str):
    raise ValidationFailed(
        _("The records cannot be queried: %(field)s: %(message)s") % {"field": name, "message": message},
        errors=[{"field": name, "message": message}],
    )


def parse(params, fields, *, ignore=()) -> RecordQuery:
    """A query from request parameters (a QueryDict or a dict of strings); unknown names refused."""
    names = {f.name for f in fields}
    filters = []
    for key in params:
        value = params.get(key, "")
        if key in RESERVED or key in ignore or value in ("", None):
            continue
        name, _sep, op = key.partition("__")
        if name not in names:
            _refuse(key, _("no such field; the fields are %(names)s") % {"names": ", ".join(sorted(names))})
        if op and op not in ("gte", "lte"):
            _refuse(key, _("unknown comparison %(op)r (eq, gte, lte)") % {"op": op})
        filters.append(Filter(name, op or "eq", str(value).strip()))
    flagged = params.get("flagged", "")
    if flagged:
        if flagged not in ("0", "1"):
            _refuse("flagged", _("1 for flagged records only, 0 for clean ones"))
        filters.append(Filter("_flagged", "eq", flagged))
    sort = params.get("sort", "") or ""
    desc = sort.startswith("-")
    try:
        limit = int(params.get("limit") or DEFAULT_LIMIT)
    except ValueError:
        _refuse("limit", _("%(value)r is not a number") % {"value": params.get("limit")})
    selected = None
    if params.get("fields"):
        selected = [n.strip() for n in params.get("fields").split(",") if n.strip()]
        unknown = [n for n in selected if n not in names]
        if unknown:
            _refuse("fields", _("no such field %(name)r") % {"name": unknown[0]})
    return RecordQuery(filters, sort.lstrip("-"), desc, params.get("after", "") or "", limit, selected)


def _masker(field):
    if field.rule == Rule.RESIDENT_ID:
        return mask_id_number
    if field.rule == Rule.MOBILE:
        return mask_phone
    return mask_text


def mask(field, value: str) -> str:
    """A personal field's value as those who may not see it read it."""
    return _masker(field)(value)


def may_see_personal(user) -> bool:
    return user.can("databrain.change")


def record_page(*, user, resource, query: RecordQuery, unmasked=None) -> datastore.Page:
    """One page of the resource's records as ``user`` may see them; with ``unmasked`` (a consumer
    key's grant) exactly those personal fields are shown in clear."""
    fields = list(resource.fields.all())
    shown = [f for f in fields if query.fields is None or f.name in query.fields]
    result = datastore.page(
        resource,
        fields,
        filters=query.filters,
        sort=query.sort,
        desc=query.desc,
        after=query.after,
        limit=query.limit,
    )
    if unmasked is not None:
        masked = [f for f in shown if f.personal and f.name not in unmasked]
    else:
        masked = [] if may_see_personal(user) else [f for f in shown if f.personal]
    for row in result.rows:
        for f in masked:
            if row.get(f.name):
                row[f.name] = mask(f, row[f.name])
        for f in fields:
            if f not in shown:
                row.pop(f.name, None)
    result.fields = shown
    return result


def record_count(*, resource, query: RecordQuery) -> int:
    """How many records match; the catalogue's stored count when nothing narrows them."""
    if not query.filters:
        return resource.record_count
    return datastore.count(resource, list(resource.fields.all()), query.filters)
