"""The lossless codec of ``ReadingBlock.data``: a datastream's readings of one hour in a few bytes each.

Layout before zlib: a version byte, a value-coding byte, the count, the first time and then the gaps
between times as varints (times are integer milliseconds, strictly increasing within a block), then
the values. Values are coded one of two ways, whichever is exact:
- decimal (coding 1..7, scale 10**(coding-1)): when every value is an integer number of 1/scale units
  that round-trips to the identical float (sensors mostly report a fixed number of decimals), the
  differences between consecutive integers as zigzag varints: a steady sensor costs a byte or two;
- float (coding 0): each value's 64 bits XOR-ed with the previous value's and byte-shuffled (all
  first bytes, then all second bytes …), so that the identical high bytes of close values form the
  long runs zlib compresses well.
Every float except NaN round-trips bit for bit, including -0.0, infinities and subnormals.
"""

import math
import struct
import zlib

VERSION = 1
FLOAT = 0
MAX_DECIMALS = 6
_LIMIT = 1 << 62  # decimal integers beyond this are not worth it (and risk exactness)


def _varint(out: bytearray, n: int) -> None:
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _zigzag(n: int) -> int:
    return (n << 1) if n >= 0 else ((-n << 1) - 1)


def _unzigzag(n: int) -> int:
    return (n >> 1) if not n & 1 else -((n + 1) >> 1)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _same(a: float, b: float) -> bool:
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def _decimal_scale(values: list[float]) -> tuple[int, list[int]] | None:
    """The smallest number of decimals that represents every value exactly, with the integers."""
    for decimals in range(MAX_DECIMALS + 1):
        scale = 10**decimals
        ints = []
        for v in values:
            if not math.isfinite(v) or abs(v) * scale >= _LIMIT:
                return None
            n = round(v * scale)
            if not _same(n / scale, v):
                break
            ints.append(n)
        else:
            return decimals, ints
    return None


def encode(times_ms: list[int], values: list[float]) -> bytes:
    """Compress readings (times strictly increasing) into a block's bytes."""
    if len(times_ms) != len(values):
        raise ValueError("times and values differ in length")
    if any(b <= a for a, b in zip(times_ms, times_ms[1:], strict=False)):
        raise ValueError("times must be strictly increasing")
    if any(math.isnan(v) for v in values):
        raise ValueError("NaN is not a reading")
    out = bytearray([VERSION])
    decimal = _decimal_scale(values) if values else None
    out.append(FLOAT if decimal is None else decimal[0] + 1)
    _varint(out, len(values))
    if times_ms:
        _varint(out, _zigzag(times_ms[0]))
        for a, b in zip(times_ms, times_ms[1:], strict=False):
            _varint(out, b - a)
    if decimal is not None:
        previous = 0
        for n in decimal[1]:
            _varint(out, _zigzag(n - previous))
            previous = n
    elif values:
        out += _float_bytes(values)
    return zlib.compress(bytes(out), 9)


def _float_bytes(values: list[float]) -> bytes:
    words = struct.unpack(f"<{len(values)}Q", struct.pack(f"<{len(values)}d", *values))
    xored = [words[0], *(b ^ a for a, b in zip(words, words[1:], strict=False))]
    raw = struct.pack(f"<{len(xored)}Q", *xored)
    return b"".join(raw[i::8] for i in range(8))


def _float_values(data: bytes, pos: int, count: int) -> list[float]:
    planes = [data[pos + i * count : pos + (i + 1) * count] for i in range(8)]
    raw = bytes(b for group in zip(*planes, strict=True) for b in group)
    words = struct.unpack(f"<{count}Q", raw)
    out, previous = [], 0
    for w in words:
        previous ^= w
        out.append(previous)
    return list(struct.unpack(f"<{count}d", struct.pack(f"<{count}Q", *out)))


def decode(data: bytes) -> tuple[list[int], list[float]]:
    """The times (ms) and values of a block's bytes."""
    raw = zlib.decompress(data)
    if raw[0] != VERSION:
        raise ValueError(f"unknown block version {raw[0]}")
    coding = raw[1]
    count, pos = _read_varint(raw, 2)
    times: list[int] = []
    if count:
        first, pos = _read_varint(raw, pos)
        times.append(_unzigzag(first))
        for _ in range(count - 1):
            gap, pos = _read_varint(raw, pos)
            times.append(times[-1] + gap)
    if coding == FLOAT:
        return times, _float_values(raw, pos, count) if count else []
    scale = 10 ** (coding - 1)
    values, n = [], 0
    for _ in range(count):
        delta, pos = _read_varint(raw, pos)
        n += _unzigzag(delta)
        values.append(n / scale)
    return times, values
