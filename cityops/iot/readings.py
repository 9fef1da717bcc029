"""Reading telemetry back from both tiers (raw rows and compressed hourly blocks) and the rollups,
so that no caller can tell whether compaction has run (docs/iot.md, "Storage tiers")."""

import heapq
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from cityops.iot import blocks
from cityops.iot.choices import Grain
from cityops.iot.models import (
    OBSERVATION_EPOCH,
    TIME_BITS,
    TIME_MASK,
    Datastream,
    Reading,
    ReadingBlock,
    Rollup,
)

HOUR_MS = 3_600_000
RAW_CHUNK = 5000
BLOCK_CHUNK = 48
END_MS = TIME_MASK + 1


def to_ms(when: datetime) -> int:
    """The first whole millisecond since 2020-01-01 UTC at or after ``when`` (bounds: start ≤ t < end)."""
    delta = when - OBSERVATION_EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return min(max(-(-micros // 1000), 0), END_MS)


def to_time(ms: int) -> datetime:
    return OBSERVATION_EPOCH + timedelta(milliseconds=ms)


def floor_hour(ms: int) -> int:
    return ms - ms % HOUR_MS


_day_offsets: dict[int, int] = {}


def bucket_floor(ms: int, grain: int) -> int:
    """The start of the minute, hour or local (TIME_ZONE) day that holds ``ms``."""
    if grain != Grain.DAY:
        return ms - ms % (grain * 1000)
    hour = ms // HOUR_MS
    offset = _day_offsets.get(hour)
    if offset is None:
        utcoffset = to_time(ms).astimezone(ZoneInfo(settings.TIME_ZONE)).utcoffset()
        offset = _day_offsets[hour] = int(utcoffset.total_seconds() * 1000)
    return ms - (ms + offset) % 86_400_000


def _ds_id(datastream) -> int:
    return datastream if isinstance(datastream, int) else datastream.pk


def raw_points(ds: int, lo: int, hi: int, *, descending: bool = False) -> Iterator[tuple[int, float]]:
    """Raw readings of a stream with lo ≤ ms < hi, in time order, fetched in keyset chunks."""
    base = ds << TIME_BITS
    while lo < hi:
        rows = list(
            Reading.objects.filter(id__gte=base + lo, id__lt=base + hi)
            .order_by("-id" if descending else "id")
            .values_list("id", "value")[:RAW_CHUNK]
        )
        for obs_id, value in rows:
            yield obs_id & TIME_MASK, value
        if len(rows) < RAW_CHUNK:
            return
        if descending:
            hi = rows[-1][0] & TIME_MASK
        else:
            lo = (rows[-1][0] & TIME_MASK) + 1


def block_points(ds: int, lo: int, hi: int, *, descending: bool = False) -> Iterator[tuple[int, float]]:
    """Compacted readings of a stream with lo ≤ ms < hi, in time order."""
    first, last = floor_hour(lo), hi
    while first < last:
        qs = ReadingBlock.objects.filter(datastream_id=ds, start__gte=to_time(first), start__lt=to_time(last))
        rows = list(
            qs.order_by("-start" if descending else "start").values_list("start", "data")[:BLOCK_CHUNK]
        )
        for _start, data in rows:
            times, values = blocks.decode(bytes(data))
            pairs = zip(times, values, strict=True)
            for ms, value in reversed(list(pairs)) if descending else pairs:
                if lo <= ms < hi:
                    yield ms, value
        if len(rows) < BLOCK_CHUNK:
            return
        edge = to_ms(rows[-1][0])
        first, last = (first, edge) if descending else (edge + HOUR_MS, last)


def points(ds: int, lo: int, hi: int, *, descending: bool = False) -> Iterator[tuple[int, float]]:
    """Both tiers merged in time order; where both hold a millisecond, the block's (first stored) wins."""
    tagged_blocks = ((ms, 0, v) for ms, v in block_points(ds, lo, hi, descending=descending))
    tagged_raw = ((ms, 1, v) for ms, v in raw_points(ds, lo, hi, descending=descending))
    key = (lambda t: (t[0], -t[1])) if descending else (lambda t: (t[0], t[1]))
    previous = None
    for ms, _tier, value in heapq.merge(tagged_blocks, tagged_raw, key=key, reverse=descending):
        if ms != previous:
            previous = ms
            yield ms, value


def series(datastream, start: datetime, end: datetime) -> list[tuple[datetime, float]]:
    """The readings of a datastream with start ≤ time < end, oldest first, from whichever tier holds them."""
    return [(to_time(ms), v) for ms, v in points(_ds_id(datastream), to_ms(start), to_ms(end))]


@dataclass(frozen=True, slots=True)
class Bucket:
    start: datetime
    count: int
    min: float
    max: float
    sum: float

    @property
    def mean(self) -> float:
        return self.sum / self.count


def summarise(values: list[float]) -> tuple[int, float, float, float]:
    """count, min, max and the exactly rounded sum (math.fsum: the same whatever the order or source)."""
    return len(values), min(values), max(values), math.fsum(values)


def group(pts, grain: int) -> dict[int, list[float]]:
    groups: dict[int, list[float]] = {}
    for ms, value in pts:
        groups.setdefault(bucket_floor(ms, grain), []).append(value)
    return groups


def rollups_trusted_until(ds: int) -> int:
    """Rollups of buckets ending at or before this millisecond are current (see compaction)."""
    rolled, dirty = Datastream.objects.filter(id=ds).values_list("rolled_until", "rollup_dirty_from").first()
    if rolled is None:
        return 0
    return min(to_ms(rolled), to_ms(dirty)) if dirty else to_ms(rolled)


def aggregate(datastream, start: datetime, end: datetime, grain: int) -> list[Bucket]:
    """Non-empty buckets of ``grain`` starting in [start, end): from rollups where current, else computed."""
    ds, grain = _ds_id(datastream), int(grain)
    lo, hi = bucket_floor(to_ms(start), grain), to_ms(end)
    trusted = rollups_trusted_until(ds)
    found: dict[int, Bucket] = {}
    for row in Rollup.objects.filter(
        datastream_id=ds, grain=grain, start__gte=to_time(lo), start__lt=to_time(hi)
    ):
        begin = to_ms(row.start)
        if bucket_end(begin, grain) <= trusted:
            found[begin] = Bucket(row.start, row.count, row.min, row.max, row.sum)
    gaps = _gaps(lo, hi, grain, found)
    for gap_lo, gap_hi in gaps:
        for begin, values in group(points(ds, gap_lo, gap_hi), grain).items():
            if begin not in found and lo <= begin < hi:
                count, low, high, total = summarise(values)
                found[begin] = Bucket(to_time(begin), count, low, high, total)
    return [found[k] for k in sorted(found)]


def bucket_end(begin: int, grain: int) -> int:
    return bucket_floor(begin + grain * 1000 + HOUR_MS, grain) if grain == Grain.DAY else begin + grain * 1000


def _gaps(lo: int, hi: int, grain: int, found: dict[int, Bucket]) -> list[tuple[int, int]]:
    """The stretches of [lo, hi) not covered by current rollups (whole buckets)."""
    gaps, cursor = [], lo
    for begin in sorted(found):
        if begin > cursor:
            gaps.append((cursor, begin))
        cursor = bucket_end(begin, grain)
    if cursor < hi:
        gaps.append((cursor, bucket_end(bucket_floor(hi - 1, grain), grain)))
    return gaps


def observations(
    datastream_ids,
    start: datetime | None = None,
    end: datetime | None = None,
    descending: bool = False,
    limit: int | None = None,
    after_id: int | None = None,
) -> Iterator[tuple[int, int, datetime, float]]:
    """(observation id, datastream id, time, value) of both tiers in id order: keyset paging by ``after_id``
    (the last id of the previous page; with ``descending`` the next page holds smaller ids)."""
    lo_all = to_ms(start) if start else 0
    hi_all = to_ms(end) if end else END_MS
    produced = 0
    for ds in sorted(set(datastream_ids), reverse=descending):
        lo, hi = lo_all, hi_all
        if after_id is not None:
            after_ds, after_ms = after_id >> TIME_BITS, after_id & TIME_MASK
            if (ds < after_ds) if not descending else (ds > after_ds):
                continue
            if ds == after_ds:
                lo, hi = (lo, min(hi, after_ms)) if descending else (max(lo, after_ms + 1), hi)
        base = ds << TIME_BITS
        for ms, value in points(ds, lo, hi, descending=descending):
            if limit is not None and produced >= limit:
                return
            produced += 1
            yield base | ms, ds, to_time(ms), value
