"""The storage tiers over time: raw readings into hourly blocks, rollups of closed periods, retention
(docs/iot.md, "Storage tiers"). Every step is idempotent and commits in small transactions, so a run
can be stopped at any point and the next one carries on."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction

from cityops.iot import blocks
from cityops.iot.choices import Grain
from cityops.iot.models import TIME_BITS, TIME_MASK, Datastream, DeviceType, Reading, ReadingBlock, Rollup
from cityops.iot.readings import (
    HOUR_MS,
    bucket_end,
    bucket_floor,
    floor_hour,
    group,
    points,
    summarise,
    to_ms,
    to_time,
)

logger = logging.getLogger(__name__)
BATCH_HOURS = 24  # hours of one datastream moved per transaction
ROLL_DAYS = 7  # days of one datastream rolled up per transaction
DELETE_CHUNK = 5000
DAY_MS = 86_400_000


@dataclass
class CompactionStats:
    readings_moved: int = 0
    blocks_written: int = 0
    rollups_written: int = 0
    deleted: dict[str, int] = field(default_factory=dict)


def compact_all(*, now: datetime | None = None) -> CompactionStats:
    """Compact, roll up and apply retention for every device type."""
    now = now or datetime.now(UTC)
    stats = CompactionStats()
    horizon = bucket_floor(to_ms(now - timedelta(seconds=settings.CITYOPS_IOT_ROLLUP_DELAY_SECONDS)), 60)
    for device_type in DeviceType.objects.order_by("id"):
        cutoff = floor_hour(to_ms(now - timedelta(days=device_type.raw_days)))
        stream_ids = Datastream.objects.filter(device__device_type=device_type).order_by("id")
        for ds in stream_ids.values_list("id", flat=True):
            moved, written = compact_datastream(ds=ds, cutoff_ms=cutoff)
            stats.readings_moved += moved
            stats.blocks_written += written
            stats.rollups_written += roll_datastream(ds=ds, horizon_ms=horizon)
        for name, count in apply_retention(device_type=device_type, now=now).items():
            stats.deleted[name] = stats.deleted.get(name, 0) + count
    return stats


def compact_datastream(*, ds: int, cutoff_ms: int) -> tuple[int, int]:
    """Move a stream's raw readings before ``cutoff_ms`` (hour-aligned) into hourly blocks."""
    base = ds << TIME_BITS
    moved = written = 0
    while True:
        first = (
            Reading.objects.filter(id__gte=base, id__lt=base + cutoff_ms)
            .order_by("id")
            .values_list("id", flat=True)
            .first()
        )
        if first is None:
            return moved, written
        start = floor_hour(first & TIME_MASK)
        end = min(start + BATCH_HOURS * HOUR_MS, cutoff_ms)
        with transaction.atomic():
            # The stream's row lock keeps two compaction runs from writing the same block at once.
            Datastream.objects.select_for_update().filter(id=ds).values_list("id", flat=True).first()
            n, w = _move(ds, base, start, end)
        moved, written = moved + n, written + w


def _move(ds: int, base: int, start: int, end: int) -> tuple[int, int]:
    rows = list(
        Reading.objects.filter(id__gte=base + start, id__lt=base + end)
        .order_by("id")
        .values_list("id", "value")
    )
    hours: dict[int, list[tuple[int, float]]] = {}
    for obs_id, value in rows:
        ms = obs_id & TIME_MASK
        hours.setdefault(floor_hour(ms), []).append((ms, value))
    for hour, fresh in hours.items():
        _merge_block(ds, hour, fresh)
    # Deleting exactly the rows read: a late reading committed meanwhile stays raw for the next run.
    ids = [r[0] for r in rows]
    for i in range(0, len(ids), DELETE_CHUNK):
        Reading.objects.filter(id__in=ids[i : i + DELETE_CHUNK]).delete()
    return len(rows), len(hours)


def _merge_block(ds: int, hour: int, fresh: list[tuple[int, float]]) -> None:
    """Write an hour's block, merging readings into the block already there (its values win a tie)."""
    block = ReadingBlock.objects.filter(datastream_id=ds, start=to_time(hour)).first()
    merged = dict(fresh)
    if block is not None:
        times, values = blocks.decode(bytes(block.data))
        merged.update(zip(times, values, strict=True))
    times = sorted(merged)
    data = blocks.encode(times, [merged[t] for t in times])
    if block is None:
        ReadingBlock.objects.create(datastream_id=ds, start=to_time(hour), count=len(times), data=data)
    else:
        ReadingBlock.objects.filter(pk=block.pk).update(count=len(times), data=data)


def roll_datastream(*, ds: int, horizon_ms: int) -> int:
    """Roll up a stream's closed minutes, hours and days before ``horizon_ms``, re-rolling from its
    earliest late reading; a week per transaction. The number of rollup rows written."""
    written = 0
    while True:
        with transaction.atomic():
            row = (
                Datastream.objects.select_for_update()
                .filter(id=ds)
                .values_list("rolled_until", "rollup_dirty_from", "first_time")
                .first()
            )
            if row is None or row[2] is None:
                return written
            rolled, dirty, first = row
            frm = min(to_ms(rolled), to_ms(dirty)) if dirty and rolled else to_ms(rolled or first)
            if frm >= horizon_ms and dirty is None:
                return written
            frm = min(frm, horizon_ms)
            until = min(horizon_ms, bucket_floor(frm, Grain.DAY) + ROLL_DAYS * DAY_MS)
            written += _roll(ds, frm, until)
            Datastream.objects.filter(id=ds).update(rolled_until=to_time(until), rollup_dirty_from=None)
        if until >= horizon_ms:
            return written


def _roll(ds: int, frm: int, until: int) -> int:
    """Recompute every bucket of each grain that starts at or after ``frm``'s bucket and ends by ``until``."""
    day0 = bucket_floor(frm, Grain.DAY)
    pts = list(points(ds, day0, until))
    rows = []
    for grain in Grain:
        first = bucket_floor(frm, grain)
        Rollup.objects.filter(
            datastream_id=ds, grain=grain, start__gte=to_time(first), start__lt=to_time(until)
        ).delete()
        for begin, values in group((p for p in pts if p[0] >= first), grain).items():
            if bucket_end(begin, grain) <= until:
                count, low, high, total = summarise(values)
                rows.append(
                    Rollup(
                        datastream_id=ds,
                        grain=grain,
                        start=to_time(begin),
                        count=count,
                        min=low,
                        max=high,
                        sum=total,
                    )
                )
    Rollup.objects.bulk_create(rows)
    return len(rows)


def apply_retention(*, device_type: DeviceType, now: datetime) -> dict[str, int]:
    """Delete blocks and rollups older than the device type keeps them (0 days: for ever)."""
    streams = Datastream.objects.filter(device__device_type=device_type).values("id")
    deleted = {}
    if device_type.block_days:
        # A block goes when its whole hour is past the retention.
        before = now - timedelta(days=device_type.block_days, hours=1)
        deleted["blocks"] = ReadingBlock.objects.filter(datastream_id__in=streams, start__lt=before).delete()[
            0
        ]
    for grain, days in (
        (Grain.MINUTE, device_type.minute_days),
        (Grain.HOUR, device_type.hour_days),
        (Grain.DAY, device_type.day_days),
    ):
        if days:
            before = now - timedelta(days=days, seconds=int(grain))
            qs = Rollup.objects.filter(datastream_id__in=streams, grain=grain, start__lt=before)
            deleted[f"rollups_{grain.name.lower()}"] = qs.delete()[0]
    return deleted
