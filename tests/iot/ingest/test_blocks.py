"""The block codec is lossless: every float except NaN and any strictly increasing times round-trip."""

import math
import random
import struct

import pytest

from cityops.iot import blocks


def _bits(values):
    return [struct.pack("<d", v) for v in values]


def _roundtrip(times, values):
    data = blocks.encode(times, values)
    back_times, back_values = blocks.decode(data)
    assert back_times == times
    assert _bits(back_values) == _bits(values)  # bit for bit: -0.0 stays -0.0
    return data


EDGE = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.1,
    -0.1,
    1e-300,
    5e-324,
    -5e-324,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    math.inf,
    -math.inf,
    2.0**53,
    2.0**53 + 2,
    123456.789,
    1 / 3,
    2.5e-7,
    4611686018427387904.0,
    35.2,
]


@pytest.mark.parametrize("seed", range(40))
def test_random_series_roundtrip(seed):
    rng = random.Random(seed)
    n = rng.choice([0, 1, 2, 3, 17, 60, 360, 3600])
    times, t = [], rng.randrange(0, 2**41)
    for _ in range(n):
        times.append(t)
        t += rng.choice([1, 1000, 60_000, rng.randrange(1, 10**7)])
    kind = seed % 4
    if kind == 0:  # fixed decimals, like most sensors
        values = [round(rng.uniform(-50, 500), rng.randrange(0, 4)) for _ in range(n)]
    elif kind == 1:  # arbitrary doubles
        values = [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(n)]
        values = [0.5 if math.isnan(v) else v for v in values]
    elif kind == 2:  # repeated
        values = [rng.choice([0.0, 1.0, 7.25])] * n
    else:
        values = [rng.choice(EDGE) for _ in range(n)]
    _roundtrip(times, values)


def test_edge_values_one_by_one_and_together():
    for v in EDGE:
        _roundtrip([5], [v])
    _roundtrip(list(range(0, len(EDGE) * 7, 7)), EDGE)


def test_negative_and_irregular_times():
    _roundtrip([-10_000, -1, 0, 1, 86_400_000, 86_400_001], [1.5, -2.25, 3.0, -0.0, 0.0, 9.75])


def test_decimal_coding_is_compact_for_a_steady_sensor():
    times = [i * 60_000 for i in range(60)]
    values = [35.2 + (i % 5) * 0.1 for i in range(60)]
    values = [round(v, 1) for v in values]
    data = _roundtrip(times, values)
    assert len(data) < 60  # under a byte a reading
    noisy = [random.Random(1).uniform(0, 100) for _ in range(60)]
    assert len(_roundtrip(times, noisy)) < 60 * 8  # the float coding still shrinks full doubles


@pytest.mark.parametrize(
    ("times", "values", "message"),
    [
        ([1, 1], [1.0, 2.0], "strictly increasing"),
        ([2, 1], [1.0, 2.0], "strictly increasing"),
        ([1], [math.nan], "NaN"),
        ([1, 2], [1.0], "differ in length"),
    ],
)
def test_refuses_what_it_cannot_keep(times, values, message):
    with pytest.raises(ValueError, match=message):
        blocks.encode(times, values)
