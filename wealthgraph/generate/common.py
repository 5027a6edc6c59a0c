"""Shared helpers: the time window, seeded random streams, id and column formatting, sampling."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from numpy.random import PCG64, Generator, SeedSequence

EPOCH = dt.date(1970, 1, 1)
DAY_S = 86_400
NEVER = 2**31 - 1  # "no such day" sentinel for int day columns (open-ended, never removed)


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01; every date is held as this int so numpy can do the arithmetic."""
    return (day - EPOCH).days


def to_date(day: int) -> dt.date:
    """Inverse of :func:`day_number`."""
    return EPOCH + dt.timedelta(days=int(day))


def stream(seed: int, stage: str) -> Generator:
    """Independent PCG64 stream per stage, so changing one stage never reshuffles the others."""
    return Generator(PCG64(SeedSequence([seed, zlib.crc32(stage.encode())])))


def month_ends_before(start: dt.date, months: int) -> list[dt.date]:
    """The last ``months`` month-end dates strictly before ``start``, oldest first."""
    out: list[dt.date] = []
    cursor = start.replace(day=1) - dt.timedelta(days=1)
    for _ in range(months):
        out.append(cursor)
        cursor = cursor.replace(day=1) - dt.timedelta(days=1)
    return out[::-1]


@dataclass(frozen=True)
class Window:
    """The event window (``days`` days ending on ``end``) and the history month-ends before it."""

    end: dt.date
    days: int
    history_months: int
    start: dt.date = field(init=False)

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("days must be >= 1")
        object.__setattr__(self, "start", self.end - dt.timedelta(days=self.days - 1))

    @property
    def start_n(self) -> int:
        """First window day as a day number."""
        return day_number(self.start)

    @property
    def end_n(self) -> int:
        """Last window day as a day number."""
        return day_number(self.end)

    def day(self, i: int) -> dt.date:
        """The ``i``-th window day (0-based)."""
        return self.start + dt.timedelta(days=i)

    def history(self) -> list[dt.date]:
        """Month-end snapshot dates before the window, oldest first."""
        return month_ends_before(self.start, self.history_months)


def ids(prefix: str, index: np.ndarray, width: int) -> pl.Series:
    """Format 0-based indices as ``prefix`` + zero-padded 1-based number; -1 becomes null."""
    index = np.asarray(index, dtype=np.int64)
    text = pl.Series((index + 1).astype(np.int64)).cast(pl.String).str.zfill(width)
    out = pl.select(pl.lit(prefix) + text).to_series()
    return nullify(out, index >= 0)


def id_width(default: int, count: int) -> int:
    """Keep the documented width unless the population needs more digits."""
    return max(default, len(str(count)))


def nullify(series: pl.Series, valid: np.ndarray | None) -> pl.Series:
    """Null out entries where ``valid`` is false."""
    if valid is None or bool(np.all(valid)):
        return series
    name = series.name
    return pl.select(pl.when(pl.Series(valid)).then(series)).to_series().alias(name)


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """Day numbers as a polars Date column (null where not ``valid``)."""
    days = np.asarray(days, dtype=np.int64)
    if valid is not None:
        days = np.where(valid, days, 0)
    return nullify(pl.Series(days.astype(np.int32)).cast(pl.Date), valid)


def timestamps(seconds: np.ndarray) -> pl.Series:
    """Seconds since the epoch as a naive polars Datetime column (local time, no zone)."""
    return pl.from_epoch(pl.Series(np.asarray(seconds, dtype=np.int64)), time_unit="s")


def money(cents: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """Integer cents as a 2-decimal float column; cents keep running balances exact."""
    cents = np.asarray(cents, dtype=np.int64)
    return nullify(pl.Series(cents / 100.0), valid)


def pick(
    rng: Generator, values: np.ndarray, n: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """``n`` draws from ``values`` with optional (unnormalised) weights."""
    if weights is None:
        return values[rng.integers(0, len(values), n)]
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    u = rng.random(n) * cdf[-1]
    return values[np.minimum(np.searchsorted(cdf, u, side="right"), len(values) - 1)]


def segment_draw(rng: Generator, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Weighted draw of one position per query inside the segment ``[lo, hi)``.

    ``cum`` is the cumulative weight with a leading zero (length = positions + 1), so a draw
    in a segment is a uniform point between the segment's cumulative bounds: this vectorises
    "pick a weighted neighbour / group member" for millions of queries at once.
    """
    a = cum[lo]
    b = cum[hi]
    u = a + rng.random(len(lo)) * (b - a)
    pos = np.searchsorted(cum, u, side="right") - 1
    return np.clip(pos, lo, np.maximum(hi - 1, lo))


def chunk_by_sizes(
    rng: Generator,
    group_start: np.ndarray,
    group_len: np.ndarray,
    sizes: Callable[[Generator, int], np.ndarray],
) -> np.ndarray:
    """Cut each contiguous group into chunks with sizes from ``sizes(rng, k)``.

    Returns a chunk number per position (positions are 0..sum(group_len)-1). A short tail is
    merged into the previous chunk so chunks keep their minimum size where a group allows it.
    """
    total = int(group_len.sum())
    chunk = np.empty(total, dtype=np.int64)
    next_id = 0
    for start, length in zip(group_start.tolist(), group_len.tolist(), strict=True):
        if length == 0:
            continue
        draw = sizes(rng, length // 2 + 2)
        bounds = np.cumsum(draw)
        count = int(np.searchsorted(bounds, length, side="left")) + 1
        bounds = bounds[:count]
        bounds[-1] = length
        if count > 1 and bounds[-1] - bounds[-2] < draw.min():
            bounds = np.delete(bounds, -2)
            count -= 1
        local = np.searchsorted(bounds, np.arange(length), side="right")
        chunk[start : start + length] = next_id + local
        next_id += count
    return chunk
