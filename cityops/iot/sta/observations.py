"""Observations from both storage tiers: raw ``Reading`` rows and compressed hourly ``ReadingBlock``s.

Raw rows are filtered, ordered, counted and paged in the database with the compiled ``Q``. Blocks
that may hold matches (narrowed by datastream and by the time bounds the filter states) are decoded
and the *same* filter tree is evaluated in Python; the two sorted streams are merged. So a query
answers the same before and after compaction. When no candidate block exists (the common case for
recent data) the whole query stays in the database.

Paging: ordered by id (the default; also phenomenonTime within one datastream, since the id packs
the time) a page continues after the last id ($skiptoken, a primary-key range scan); other orders
use $skip.
"""

import heapq
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cmp_to_key
from itertools import islice

from django.db.models import F, Q

from cityops.iot.models import (
    OBSERVATION_EPOCH,
    TIME_BITS,
    TIME_MASK,
    Datastream,
    Reading,
    ReadingBlock,
    observation_parts,
)
from cityops.iot.sta.entities import TYPES
from cityops.iot.sta.filter import BinOp, Lit, Path
from cityops.iot.sta.literals import INT64_MAX, MIN_TIME
from cityops.iot.sta.pyfilter import PyFilter
from cityops.iot.sta.sqlfilter import SqlFilter, compile_filter

OBSERVATION = TYPES["Observation"]
BLOCK_SPAN = timedelta(hours=1)
MAX_RANGES = 500  # beyond this many datastreams, filter by datastream_id instead of id ranges
TIME_PATHS = {("phenomenonTime",), ("resultTime",)}


@dataclass
class ObsQuery:
    ds_ids: list[int] | None  # None: every datastream
    tree: object = None
    order: list[tuple[tuple[str, ...], bool]] = field(default_factory=list)  # (path, descending)
    skip: int = 0
    top: int = 100
    after: int | None = None  # keyset: the last id of the previous page
    count: bool = False


@dataclass
class ObsPage:
    rows: list[Reading]
    count: int | None
    more: bool
    keyset: bool


def time_of(obs_id: int) -> datetime:
    return OBSERVATION_EPOCH + timedelta(milliseconds=obs_id & TIME_MASK)


def narrow(tree, ds_ids: list[int] | None) -> tuple[list[int] | None, datetime | None, datetime | None]:
    """Datastreams and time bounds that every match must satisfy (from top-level 'and' terms)."""
    start = end = None
    terms = _conjuncts(tree) if tree is not None else []
    for term in terms:
        if not (isinstance(term, BinOp) and isinstance(term.left, Path) and isinstance(term.right, Lit)):
            continue
        path, op, value = term.left.segments, term.op, term.right.value
        if path in TIME_PATHS and isinstance(value, datetime):
            if op in ("gt", "ge", "eq"):
                start = value if start is None else max(start, value)
            if op in ("lt", "le", "eq"):
                end = value if end is None else min(end, value)
        elif path == ("Datastream", "id") and op == "eq" and isinstance(value, int):
            ds_ids = [value] if ds_ids is None or value in ds_ids else []
    return ds_ids, start, end


def _conjuncts(node):
    if isinstance(node, BinOp) and node.op == "and":
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def raw_queryset(ds_ids, start, end):
    """Readings of ``ds_ids`` within [start, end], as primary-key ranges where that is possible."""
    qs = Reading.objects.all()
    if ds_ids is not None and len(ds_ids) <= MAX_RANGES:
        low = _ms(start) if start else 0
        high = _ms(end) if end else TIME_MASK
        ranges = Q(pk__in=[])
        for ds in sorted(set(ds_ids)):
            ranges |= Q(id__gte=(ds << TIME_BITS) | low, id__lte=(ds << TIME_BITS) | high)
        return qs.filter(ranges)
    if ds_ids is not None:
        qs = qs.filter(datastream_id__in=ds_ids)
    if start:
        qs = qs.filter(time__gte=start)
    if end:
        qs = qs.filter(time__lte=end)
    return qs


def _ms(when: datetime) -> int:
    ms = int((when - OBSERVATION_EPOCH).total_seconds() * 1000)
    return min(max(ms, 0), TIME_MASK)


def block_queryset(ds_ids, start, end):
    qs = ReadingBlock.objects.all()
    if ds_ids is not None:
        qs = qs.filter(datastream_id__in=ds_ids)
    if start and start > MIN_TIME + BLOCK_SPAN:  # before that, every block starts after it
        qs = qs.filter(start__gt=start - BLOCK_SPAN)
    if end:
        qs = qs.filter(start__lte=end)
    return qs


def decode(block: ReadingBlock) -> list[tuple[int, float]]:
    """(observation id, value) of each reading in a block, through the block codec."""
    from cityops.iot import blocks as codec

    times, values = codec.decode(bytes(block.data))
    base = block.datastream_id << TIME_BITS
    return [(base | ms, value) for ms, value in zip(times, values, strict=True)]


def _reading(obs_id: int, value: float, streams: dict) -> Reading:
    ds_id, _ = observation_parts(obs_id)
    row = Reading(id=obs_id, datastream_id=ds_id, time=time_of(obs_id), value=value)
    if ds_id in streams:
        row.datastream = streams[ds_id]
    return row


def streams_of(ids) -> dict[int, Datastream]:
    return Datastream.objects.select_related("device__device_type", "quantity").in_bulk(set(ids))


def id_order(order, ds_ids) -> str | None:
    """'asc'/'desc' when the requested order is the id order; None otherwise."""
    if not order:
        return "asc"
    if len(order) != 1:
        return None
    path, desc = order[0]
    single = ds_ids is not None and len(ds_ids) == 1
    if path == ("id",) or (single and path in TIME_PATHS):
        return "desc" if desc else "asc"
    return None


def _order_by(order, direction):
    if direction:
        return [F("id").desc() if direction == "desc" else F("id").asc()]
    compiler = SqlFilter(OBSERVATION)
    exprs = [compiler.value(Path(p)).desc() if d else compiler.value(Path(p)).asc() for p, d in order]
    return [*exprs, F("id").asc()]


def _sort_key(order, direction):
    if direction:
        return (lambda r: -r.id) if direction == "desc" else (lambda r: r.id)
    evaluator = PyFilter(OBSERVATION, None)

    def cmp(a, b):
        for path, desc in order:
            x, y = evaluator.value(Path(path), a), evaluator.value(Path(path), b)
            if x != y:
                less = x is None or (y is not None and x < y)
                return (1 if less else -1) if desc else (-1 if less else 1)
        return (a.id > b.id) - (a.id < b.id)

    return cmp_to_key(cmp)


def select(query: ObsQuery) -> ObsPage:
    """One page of Observations matching ``query`` from both tiers."""
    ds_ids, start, end = narrow(query.tree, query.ds_ids)
    q, _many = compile_filter(OBSERVATION, query.tree) if query.tree is not None else (Q(), False)
    raw = raw_queryset(ds_ids, start, end).filter(q)
    direction = id_order(query.order, ds_ids)
    keyset = direction is not None
    skip = 0 if keyset and query.after is not None else query.skip
    paged = raw
    if keyset and query.after is not None:
        paged = raw.filter(id__gt=query.after) if direction == "asc" else raw.filter(id__lt=query.after)
    blocks = block_queryset(ds_ids, start, end)
    want = skip + query.top + 1
    if not blocks.exists():
        rows = list(paged.order_by(*_order_by(query.order, direction))[skip:want])
        count = raw.count() if query.count else None
    else:
        matches, held = _block_matches(blocks, query.tree)
        if held:  # a late raw copy of a compacted millisecond: the block's reading wins
            raw, paged = raw.exclude(id__in=held), paged.exclude(id__in=held)
        count = raw.count() + len(matches) if query.count else None
        if keyset and query.after is not None:
            after = query.after
            matches = [r for r in matches if (r.id > after if direction == "asc" else r.id < after)]
        raw_rows = list(paged.order_by(*_order_by(query.order, direction))[:want])
        if not direction:
            _attach(raw_rows)
        key = _sort_key(query.order, direction)
        merged = heapq.merge(raw_rows, sorted(matches, key=key), key=key)
        rows = list(islice(merged, skip, want))
    more = len(rows) > query.top
    return ObsPage(rows[: query.top], count, more, keyset)


def _block_matches(blocks, tree) -> tuple[list[Reading], list[int]]:
    """Readings decoded from candidate blocks that satisfy the filter, and raw ids the blocks also hold."""
    blocks = list(blocks.order_by("datastream_id", "start"))
    streams = streams_of(b.datastream_id for b in blocks)
    predicate = PyFilter(OBSERVATION, tree) if tree is not None else None
    rows, decoded = [], []
    for block in blocks:
        for obs_id, value in decode(block):
            decoded.append(obs_id)
            row = _reading(obs_id, value, streams)
            if predicate is None or predicate.matches(row):
                rows.append(row)
    return rows, _raw_copies(blocks, set(decoded))


def _raw_copies(blocks, decoded: set[int]) -> list[int]:
    """Raw ids inside the blocks' hours that the blocks hold too (one query over id ranges)."""
    if not blocks:
        return []
    hours = Q(pk__in=[])
    for block in blocks:
        low = (block.datastream_id << TIME_BITS) | _ms(block.start)
        hours |= Q(id__gte=low, id__lt=low + int(BLOCK_SPAN.total_seconds() * 1000))
    return [i for i in Reading.objects.filter(hours).values_list("id", flat=True) if i in decoded]


def _attach(rows: list[Reading]) -> None:
    """Related datastreams for Python sorting by related paths (one query)."""
    streams = streams_of(r.datastream_id for r in rows)
    for row in rows:
        row.datastream = streams[row.datastream_id]


def find(obs_id: int, ds_ids: list[int] | None) -> Reading | None:
    """The observation ``obs_id`` in either tier, if its datastream is visible."""
    ds_id, _ = observation_parts(obs_id)
    if ds_ids is not None and ds_id not in ds_ids:
        return None
    row = Reading.objects.filter(id=obs_id).first()
    if row is not None:
        return row
    when = time_of(obs_id)
    for block in block_queryset([ds_id], when, when):
        for found, value in decode(block):
            if found == obs_id:
                return _reading(obs_id, value, streams_of([ds_id]))
    return None


def count_blocks(ds_ids) -> bool:
    return block_queryset(ds_ids, None, None).exists()


def select_grouped(
    groups: dict[int, list[int]], query: ObsQuery, partition: str, cap: int
) -> dict[int, ObsPage] | None:
    """A page per parent (``groups``: parent key → its datastream ids), for $expand; None when the
    pages together would reach ``cap`` rows (those read to tell "more" included), stopping there.

    Without candidate blocks this is one windowed query (ROW_NUMBER per parent) plus one grouped
    count; with blocks each parent is paged through ``select`` so the tiers merge the same way.
    """
    all_ds = sorted({ds for ids in groups.values() for ds in ids})
    ds_ids, start, end = narrow(query.tree, all_ds)
    if not groups or block_queryset(ds_ids, start, end).exists():
        return _select_each(groups, query, cap)
    from django.db.models import Count, Window
    from django.db.models.functions import RowNumber

    q, _many = compile_filter(OBSERVATION, query.tree) if query.tree is not None else (Q(), False)
    raw = raw_queryset(ds_ids, start, end).filter(q)
    order = _order_by(query.order, id_order(query.order, None))
    ranked = raw.annotate(
        sta_parent=F(partition), sta_rank=Window(RowNumber(), partition_by=[F(partition)], order_by=order)
    ).filter(sta_rank__gt=query.skip, sta_rank__lte=min(query.skip + query.top + 1, INT64_MAX))
    fetched = list(ranked.order_by("sta_parent", "sta_rank")[:cap])
    if len(fetched) == cap:
        return None
    rows: dict[int, list[Reading]] = {}
    for row in fetched:
        rows.setdefault(row.sta_parent, []).append(row)
    counts = {}
    if query.count:
        counts = dict(raw.values_list(partition).annotate(n=Count("id")).values_list(partition, "n"))
    pages = {}
    for key in groups:
        found = rows.get(key, [])
        count = counts.get(key, 0) if query.count else None
        pages[key] = ObsPage(found[: query.top], count, len(found) > query.top, False)
    return pages


def _select_each(groups: dict[int, list[int]], query: ObsQuery, cap: int) -> dict[int, ObsPage] | None:
    pages, read = {}, 0
    for key, ids in groups.items():
        pages[key] = select(_for_group(query, ids))
        read += len(pages[key].rows) + pages[key].more
        if read >= cap:
            return None
    return pages


def _for_group(query: ObsQuery, ds_ids: list[int]) -> ObsQuery:
    return ObsQuery(ds_ids, query.tree, query.order, query.skip, query.top, None, query.count)
