"""Searching the records of a resource, as the CKAN DataStore's ``datastore_search`` does: filters
(one value or any of several), words — each found inside a free-text field's values through the
resource's word table (``datastore.words_table``) or at the beginning of any other field's value —
sort orders, an offset and a limit, and the exact count of the matches. Tables and writing are
``datastore``'s."""

from dataclasses import dataclass

from django.db import connection

from cityops.databrain.datastore import (
    Filter,
    _field_map,
    _where,
    indexed_fields,
    number,
    q,
    table_exists,
    words_table,
)
from cityops.databrain.search import fold, query_tokens

TOP = "\U0010ffff"  # above every character: ``v >= w AND v < w + TOP`` is "v begins with w"


@dataclass(frozen=True)
class Words:
    """Records where every word is found in one of ``fields``: inside the value of a free-text field
    (the word table), or at the beginning of the value of any other field (an index range: the
    record tables are byte-ordered, BINARY on SQLite and the C collation on PostgreSQL)."""

    fields: tuple
    words: tuple


@dataclass(frozen=True)
class Order:
    field: object  # a Field, or None for the record number
    desc: bool = False


def _values_holding(words: str, fid: int, word: str, tokens: list[tuple[str, bool]]) -> tuple[str, list]:
    """The distinct values of a field that hold ``word``: those with every token of it (each an
    index range of the word table's key), then, unless the one token is the word itself, those of
    them that hold it as written (a substring test on the few values left, not on records)."""
    parts, params = [], []
    for token, prefix in tokens:
        if prefix:
            parts.append(f"SELECT v FROM {q(words)} WHERE word >= %s AND word < %s AND f = %s")
            params += [token, token + TOP, fid]
        else:
            parts.append(f"SELECT v FROM {q(words)} WHERE word = %s AND f = %s")
            params += [token, fid]
    sql = " INTERSECT ".join(parts)
    if len(tokens) > 1 or tokens[0][0] != fold(word):
        find = "strpos" if connection.vendor == "postgresql" else "instr"
        sql = f"SELECT v FROM ({sql}) AS m WHERE {find}(lower(v), %s) > 0"
        params.append(fold(word))
    return sql, params


def _word_set(resource, words: list[Words]) -> tuple[str | None, list]:
    """A query of the numbers of the records every word finds: the intersection, over the words,
    of the union of each word's lookups in each field. "" without words, None when nothing can match."""
    table, word_table = q(resource.table_name), words_table(resource)
    indexed = None
    sets, params = [], []
    for group in words:
        for word in group.words:
            if not group.fields:
                return None, []
            if indexed is None:
                indexed = indexed_fields(resource)
            tokens = query_tokens(word)
            branches = []
            for field in group.fields:
                col = q(field.column)
                if tokens and field.pk in indexed:
                    sub, extra = _values_holding(word_table, field.pk, word, tokens)
                    if connection.vendor == "postgresql":
                        # each value's records through the field's index: PostgreSQL otherwise
                        # joins the values to the records by a hash join over a scan of the whole
                        # table (OFFSET 0 keeps the planner from flattening the lookup into it)
                        branches.append(
                            f"SELECT r.{q('_id')} FROM ({sub}) AS m CROSS JOIN LATERAL "
                            f"(SELECT {q('_id')} FROM {table} WHERE {col} = m.v OFFSET 0) AS r"
                        )
                    else:
                        branches.append(f"SELECT {q('_id')} FROM {table} WHERE {col} IN ({sub})")
                    params += extra
                else:
                    branches.append(f"SELECT {q('_id')} FROM {table} WHERE {col} >= %s AND {col} < %s")
                    params += [word, word + TOP]
            sets.append(f"SELECT {q('_id')} FROM ({' UNION ALL '.join(branches)}) AS w{len(sets)}")
    return " INTERSECT ".join(sets), params


def _words_clause(resource, words: list[Words]) -> tuple[list[str], list]:
    sql, params = _word_set(resource, words)
    if sql is None:
        return ["1 = 0"], []
    return ([f"{q('_id')} IN ({sql})"], params) if sql else ([], [])


def _search_where(resource, fields, filters: list[Filter], words: list[Words]) -> tuple[str, list]:
    where, params = _where(fields, [f for f in filters if f.op != "in"])
    clauses = [where.removeprefix(" WHERE ")] if where else []
    by_name = _field_map(fields)
    for flt in filters:
        if flt.op != "in":
            continue
        if flt.field == "_id":
            column, values = "_id", [int(v) for v in flt.value]
        else:
            field = by_name[flt.field]
            numbers = [number(v) for v in flt.value]
            typed = field.number_column and None not in numbers
            column, values = (field.number_column, numbers) if typed else (field.column, list(flt.value))
        clauses.append(f"{q(column)} IN ({', '.join(['%s'] * len(values))})")
        params += values
    more, extra = _words_clause(resource, words)
    clauses += more
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params + extra


def search(
    resource,
    fields,
    *,
    filters: list[Filter],
    words: list[Words],
    order: list[Order],
    offset: int,
    limit: int,
) -> list[dict]:
    """Records matching the filters (``in`` takes a tuple of values) and words, in ``order`` (then by
    record number), ``limit`` of them after ``offset``; values as stored (text)."""
    if not table_exists(resource) or limit == 0:
        return []
    where, params = _search_where(resource, fields, filters, words)
    terms = []
    for o in order:
        column = "_id" if o.field is None else (o.field.number_column or o.field.column)
        nulls = " NULLS LAST" if o.field is not None and o.field.number_column else ""
        terms.append(f"{q(column)} {'DESC' if o.desc else 'ASC'}{nulls}")
    if not any(o.field is None for o in order):
        terms.append(f"{q('_id')} ASC")
    names = [f.column for f in fields]
    select = ", ".join(q(c) for c in ("_id", *names))
    sql = (
        f"SELECT {select} FROM {q(resource.table_name)}{where} ORDER BY {', '.join(terms)} LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, limit, offset])
        raw = cur.fetchall()
    return [{"_id": rec[0], **{f.name: v for f, v in zip(fields, rec[1:], strict=True)}} for rec in raw]


def search_count(resource, fields, *, filters: list[Filter], words: list[Words]) -> int:
    """How many records ``search`` would find without its limit."""
    if not table_exists(resource):
        return 0
    where, params = _search_where(resource, fields, filters, words)
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {q(resource.table_name)}{where}", params)
        return int(cur.fetchone()[0])


def search_ids(
    resource, fields, *, filters: list[Filter], words: list[Words], desc: bool = False
) -> list[int]:
    """The numbers of every record ``search`` would find, in record order: when words narrow the
    records to a set, reading the set once gives both a page (``rows_by_id``) and the total, where a
    page and a count would each build it."""
    if not table_exists(resource):
        return []
    rid = q("_id")
    if filters:
        where, params = _search_where(resource, fields, filters, words)
        sql = f"SELECT {rid} FROM {q(resource.table_name)}{where}"
    else:  # the set the words find holds the numbers already: no record need be read
        found, params = _word_set(resource, words)
        if found is None:
            return []
        sql = f"SELECT DISTINCT {rid} FROM ({found}) AS found"
    with connection.cursor() as cur:
        cur.execute(f"{sql} ORDER BY {rid} {'DESC' if desc else 'ASC'}", params)
        return [r for (r,) in cur.fetchall()]


def rows_by_id(resource, fields, ids: list[int]) -> list[dict]:
    """The records numbered ``ids``, in that order; values as stored (text)."""
    if not ids:
        return []
    select = ", ".join(q(c) for c in ("_id", *(f.column for f in fields)))
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {select} FROM {q(resource.table_name)} WHERE {q('_id')} IN ({', '.join(['%s'] * len(ids))})",
            ids,
        )
        found = {rec[0]: rec for rec in cur.fetchall()}
    return [
        {"_id": i, **{f.name: v for f, v in zip(fields, found[i][1:], strict=True)}}
        for i in ids
        if i in found
    ]
